#!/usr/bin/env bash
# The main job: the seed's five demo payments through the app's payment service, metrics and pusher,
# pushed to a Pushgateway, then a summary of what the gateway holds.
#   scripts/demo.sh                        starts a Pushgateway on a free 127.0.0.1 port (installing it if needed) and stops it after
#   PUSHGATEWAY_URL=http://host:9091 scripts/demo.sh   uses a gateway that is already running
#   KEEP_PUSHGATEWAY=1 scripts/demo.sh     leaves the started gateway running, to look at it in a browser
#   scripts/demo.sh --fleet                a fleet of short-lived instances sharded over two Pushgateways,
#                                          scraped by a real Prometheus on a free 127.0.0.1 port (the repository's prometheus.yml
#                                          and rules, 1 s intervals); prints each check's true value beside Prometheus' answer
set -euo pipefail
cd "$(dirname "$0")/.."

fleet=""
if [ "${1:-}" = "--fleet" ]; then
  fleet=1
fi

scripts/install-prerequisites.sh

# The binaries the tests run: Debian 13's Pushgateway 1.11 and Prometheus 2.53 (install-prerequisites.sh put them in
# .tools/debian13), the nearest to what compose and Bicep ship; PUSHGATEWAY_BIN and PROMETHEUS_BIN override them.
pushgateway_bin="${PUSHGATEWAY_BIN:-.tools/debian13/usr/bin/prometheus-pushgateway}"
prometheus_bin="${PROMETHEUS_BIN:-.tools/debian13/usr/bin/prometheus}"

gateway_pid=""
shard_pid=""
prometheus_pid=""
prometheus_dir=""
cleanup() {
  if [ -n "$prometheus_pid" ]; then kill "$prometheus_pid" 2>/dev/null || true; wait "$prometheus_pid" 2>/dev/null || true; fi
  if [ -n "$prometheus_dir" ]; then rm -rf "$prometheus_dir"; fi
  if [ -n "$shard_pid" ]; then kill "$shard_pid" 2>/dev/null || true; wait "$shard_pid" 2>/dev/null || true; fi
  if [ -n "$gateway_pid" ] && [ -z "${KEEP_PUSHGATEWAY:-}" ]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# wait_ready NAME URL PID LOG: polls URL/-/ready (bounded) while the process lives; prints its log and fails otherwise.
wait_ready() {
  for _ in $(seq 1 300); do
    curl -fsS "$2/-/ready" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { echo "$1 did not start:"; cat "$4"; exit 1; }
    sleep 0.1
  done
  echo "$1 at $2 is not ready:"; cat "$4"; exit 1
}

if [ -z "${PUSHGATEWAY_URL:-}" ]; then
  port="$(free_port)"
  log="$(mktemp -t pushgateway.XXXXXX.log)"
  # Debian's build persists to a machine-wide file by default; this throw-away gateway keeps nothing. It runs as
  # shipped (docker-compose.yml, infra/app/pushgateway.bicep): without the per-push consistency check.
  "$pushgateway_bin" --web.listen-address="127.0.0.1:${port}" --persistence.file= --push.disable-consistency-check >"$log" 2>&1 &
  gateway_pid=$!
  PUSHGATEWAY_URL="http://127.0.0.1:${port}"
  wait_ready "The Pushgateway" "$PUSHGATEWAY_URL" "$gateway_pid" "$log"
  echo "Started a Pushgateway at ${PUSHGATEWAY_URL} (pid ${gateway_pid})."
fi

if [ -n "$fleet" ] && [ -n "$gateway_pid" ]; then
  # A second shard: the fleet's instances spread over both by instance id (MetricPush__Url lists both).
  shard_port="$(free_port)"
  shard_log="$(mktemp -t pushgateway-shard.XXXXXX.log)"
  "$pushgateway_bin" --web.listen-address="127.0.0.1:${shard_port}" --persistence.file= --push.disable-consistency-check >"$shard_log" 2>&1 &
  shard_pid=$!
  wait_ready "The second Pushgateway" "http://127.0.0.1:${shard_port}" "$shard_pid" "$shard_log"
  PUSHGATEWAY_URL="${PUSHGATEWAY_URL},http://127.0.0.1:${shard_port}"
  echo "Started a second Pushgateway shard at http://127.0.0.1:${shard_port} (pid ${shard_pid})."
fi

if [ -n "$fleet" ]; then
  prometheus_dir="$(mktemp -d -t prometheus-fleet.XXXXXX)"
  prometheus_port="$(free_port)"
  # The repository's prometheus.yml and rules, rendered for this gateway by the same code the tests use.
  dotnet build src/PaymentFunctions.Demo -c Release --no-restore --verbosity quiet
  dotnet run --project src/PaymentFunctions.Demo --no-build -c Release -- \
    --render-prometheus-config deploy/prometheus/prometheus.yml "$(echo "$PUSHGATEWAY_URL" | sed -E 's#(^|,)[a-z]+://#\1#g; s#/(,|$)#\1#g')" 1 "${prometheus_dir}/prometheus.yml"
  # As every shipped Prometheus: a 0 at each series' created time, so a new instance counts from its first scrape.
  "$prometheus_bin" --config.file="${prometheus_dir}/prometheus.yml" --storage.tsdb.path="${prometheus_dir}/data" \
    --enable-feature=created-timestamp-zero-ingestion \
    --web.listen-address="127.0.0.1:${prometheus_port}" >"${prometheus_dir}/prometheus.log" 2>&1 &
  prometheus_pid=$!
  PROMETHEUS_URL="http://127.0.0.1:${prometheus_port}"
  wait_ready "Prometheus" "$PROMETHEUS_URL" "$prometheus_pid" "${prometheus_dir}/prometheus.log"
  echo "Started Prometheus at ${PROMETHEUS_URL} (pid ${prometheus_pid}), scraping ${PUSHGATEWAY_URL} every second with deploy/prometheus's rules."
  PUSHGATEWAY_URL="${PUSHGATEWAY_URL}" PROMETHEUS_URL="${PROMETHEUS_URL}" \
    dotnet run --project src/PaymentFunctions.Demo --no-build -c Release -- --fleet
  echo "Stopping the Prometheus this script started."
else
  MetricPush__Url="${PUSHGATEWAY_URL}" dotnet run --project src/PaymentFunctions.Demo --no-restore -c Release
fi

if [ -n "$gateway_pid" ]; then
  if [ -n "${KEEP_PUSHGATEWAY:-}" ]; then
    echo "The Pushgateway keeps running at ${PUSHGATEWAY_URL} (stop it with: kill ${gateway_pid})."
  else
    echo "Stopping the Pushgateway this script started (KEEP_PUSHGATEWAY=1 leaves it running)."
  fi
fi
