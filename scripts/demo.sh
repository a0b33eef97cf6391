#!/usr/bin/env bash
# Usage: scripts/demo.sh [--host | --fleet]
# The main job: the seed's five demo payments through the app's payment service, metrics and pusher,
# pushed to a Pushgateway, then a summary of what the gateway holds.
#   scripts/demo.sh                        starts a Pushgateway on a free 127.0.0.1 port (installing it if needed) and stops it after
#   PUSHGATEWAY_URL=http://host:9091 scripts/demo.sh   uses a gateway that is already running
#   KEEP_PUSHGATEWAY=1 scripts/demo.sh     leaves the started gateway running, to look at it in a browser
#   scripts/demo.sh --host                 the same five payments as HTTP requests to the app under the real Functions host
#                                          (../shared/functions-host, or FUNCTIONS_HOST_DIR holding run.sh and the host tarball)
#   scripts/demo.sh --fleet                a fleet of short-lived instances sharded over two Pushgateways,
#                                          scraped by a real Prometheus on a free 127.0.0.1 port (the repository's prometheus.yml
#                                          and rules, 1 s intervals); prints each check's true value beside Prometheus' answer
set -euo pipefail
cd "$(dirname "$0")/.."

fleet=""
hosted=""
case "${1:-}" in
  --fleet) fleet=1 ;;
  --host) hosted=1 ;;
  "") ;;
  -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;  # the comment above
  *) echo "demo.sh: unknown argument '$1', expected --host or --fleet (--help for usage)" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then echo "demo.sh: unexpected argument '$2' (--help for usage)" >&2; exit 2; fi

scripts/install-prerequisites.sh

# The binaries the tests run, on the lines compose and Bicep ship (deploy/versions.env): install-prerequisites.sh put
# Debian sid's Pushgateway and Prometheus in .tools/sid and checked their versions. PUSHGATEWAY_BIN and PROMETHEUS_BIN
# override them.
pushgateway_bin="${PUSHGATEWAY_BIN:-.tools/sid/usr/bin/prometheus-pushgateway}"
prometheus_bin="${PROMETHEUS_BIN:-.tools/sid/usr/bin/prometheus}"

gateway_pid=""
shard_pid=""
prometheus_pid=""
prometheus_dir=""
host_pid=""
host_dir=""
cleanup() {
  if [ -n "$host_pid" ]; then kill -TERM "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  if [ -n "$host_dir" ]; then rm -rf "$host_dir"; fi
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
elif [ -n "$hosted" ]; then
  functions_host="${FUNCTIONS_HOST_DIR:-../shared/functions-host}"
  tarball="$(ls "$functions_host"/host-*.tar.gz 2>/dev/null | head -n 1 || true)"
  if [ ! -x "$functions_host/run.sh" ] || [ -z "$tarball" ]; then
    echo "--host needs the Functions host: $functions_host holds no run.sh and host-*.tar.gz (set FUNCTIONS_HOST_DIR)." >&2
    exit 2
  fi
  dotnet build src/PaymentFunctions -c Release --no-restore --verbosity quiet
  host_dir="$(mktemp -d -t functions-host.XXXXXX)"
  tar -xzf "$tarball" -C "$host_dir"
  host_port="$(free_port)"
  instance="demo-host-$$"
  MetricPush__Url="${PUSHGATEWAY_URL}" MetricPush__Instance="$instance" SystemMetricsSchedule='*/5 * * * * *' MetricJanitorSchedule='0 */5 * * * *' \
    "$functions_host/run.sh" "$host_dir/release" src/PaymentFunctions/bin/Release/net10.0 "$host_port" "$host_dir/state" >"$host_dir/host.log" 2>&1 &
  host_pid=$!
  for _ in $(seq 1 600); do
    [ -s "$host_dir/state/master.key" ] && break
    kill -0 "$host_pid" 2>/dev/null || { echo "The Functions host did not start:"; cat "$host_dir/host.log"; exit 1; }
    sleep 0.1
  done
  [ -s "$host_dir/state/master.key" ] || { echo "The Functions host did not answer within 60 s:"; cat "$host_dir/host.log"; exit 1; }
  echo "Started the Functions host at http://127.0.0.1:${host_port} (pid ${host_pid}); POST /api/payments with its key."
  key="$(cat "$host_dir/state/master.key")"
  succeeded=0
  for payment in \
    '{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}' \
    '{"orderId":"order_2","userId":"user_456","amount":150.0,"currency":"USD","userTier":"premium","paymentMethod":"paypal"}' \
    '{"orderId":"order_3","userId":"user_789","amount":1200.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}' \
    '{"orderId":"order_4","userId":"user_321","amount":25.0,"currency":"USD","userTier":"basic","paymentMethod":"debit_card"}' \
    '{"orderId":"order_5","userId":"user_654","amount":500.0,"currency":"USD","userTier":"premium","paymentMethod":"apple_pay"}'; do
    answer="$(curl -s -m 30 -w ' HTTP %{http_code}' -H "x-functions-key: $key" -H 'Content-Type: application/json' -d "$payment" "http://127.0.0.1:${host_port}/api/payments")"
    echo "${payment:12:7}: ${answer}"
    case "$answer" in *"HTTP 200") succeeded=$((succeeded + 1)) ;; esac
  done
  echo "${succeeded} of 5 payments succeeded. Stopping the host (SIGTERM): the worker makes its final push."
  kill -TERM "$host_pid"; wait "$host_pid" 2>/dev/null || true; host_pid=""
  echo "The Pushgateway now holds for instance ${instance}:"
  lines="$(curl -fsS "${PUSHGATEWAY_URL%/}/metrics" | grep -E "^(payment_requests_total|errors_total|metric_push_final_timestamp_seconds|push_time_seconds)\{.*instance=\"${instance}\"" || true)"
  echo "$lines" | sed 's/^/  /'
  case "$lines" in *metric_push_final_timestamp_seconds*) ;; *) echo "The final push did not arrive at the Pushgateway."; exit 1 ;; esac
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
