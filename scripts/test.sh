#!/usr/bin/env bash
# Runs every test of the solution (unit, function, real Pushgateway/Prometheus, infrastructure),
# after installing what the tests need. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-prerequisites.sh

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# Built first, then tested without building: a project that builds a shared reference while running its tests would
# hold that reference's build node, and every other test project would wait out the longest test run.
# A hang becomes a failure: a test running for 30 minutes (the alert-delivery tests take up to 20 at the shipped
# intervals) is dumped and killed with its test host, and the test that was running is reported; the dumps are kept
# (see the end). The processes tests started die with it (their watchdog, ExternalProcess).
status=0
dotnet build PaymentFunctions.sln --no-restore --verbosity quiet || status=$?
if [ "$status" -eq 0 ]; then
  dotnet test PaymentFunctions.sln --no-build --logger "trx" --results-directory "$results" \
    --blame-hang-timeout 30m --blame-hang-dump-type mini "$@" || status=$?
fi

# One closing line over all test projects, counted from the TRX results.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("{*}ResultSummary/{*}Counters")
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"Tests: {passed} passed, {failed} failed, {skipped} skipped")
PY

dumps="$(find "$results" \( -name '*.dmp' -o -name 'Sequence_*.xml' \) 2>/dev/null)"
if [ -n "$dumps" ]; then
  kept="${TEST_DUMPS_DIR:-${TMPDIR:-/tmp}/payment-functions-test-dumps}"
  mkdir -p "$kept"
  echo "$dumps" | while read -r dump; do cp "$dump" "$kept/"; done
  echo "Hang dumps and test sequences kept in $kept" >&2
fi

if [ "$status" -eq 0 ] && ! ls "$results"/*.trx >/dev/null 2>&1; then
  echo "No test results were written." >&2
  status=1
fi
exit "$status"
