#!/bin/sh
# Runs the Pushgateway so that a restart never serves a counter lower than Prometheus has already scraped.
#
# The gateway restores its groups from its persistence file at start. Written every interval, that file lags the pushes,
# and after a crash (SIGKILL, out of memory, a lost node) every live instance's counters would come back lower than
# Prometheus last scraped them: Prometheus reads a reset and counts each whole counter again. So the file is written
# only when the gateway stops cleanly (it writes it on SIGTERM), and loaded only if it was:
# - a marker beside the file says a run is in progress; a clean stop removes it once the file is written;
# - a start that finds the marker (the last run ended some other way) deletes the file and starts empty. Live instances
#   push everything again within their push interval, with their created timestamps, and nothing is counted twice;
#   the groups of stopped instances that the janitor was keeping are lost (docs/faults.md says what that costs).
#
# Usage: start.sh STORE [pushgateway flags...]     PUSHGATEWAY names the binary (/bin/pushgateway, as in the image).
# docker-compose.yml and infra/app/pushgateway.bicep run the gateway through this script.
set -u
store="$1"
shift
marker="$store.running"
if [ -e "$marker" ]; then
  echo "start.sh: the last run did not stop cleanly: starting without $store (its values may be older than Prometheus scraped)" >&2
  rm -f "$store"
fi
touch "$marker"
# Never written on a timer (a year), always on a clean stop.
"${PUSHGATEWAY:-/bin/pushgateway}" --persistence.file="$store" --persistence.interval=8760h "$@" &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  status=$?
  # Only a file written after this start is known to hold the last state: the gateway writes it on its way out.
  if [ "$store" -nt "$marker" ]; then
    rm -f "$marker"
  fi
  exit "$status"
}
trap stop TERM INT
wait "$pid"
# The gateway ended by itself (it crashed, or was killed alone): the marker stays and the next start discards the file.
exit $?
