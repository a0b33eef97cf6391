#!/usr/bin/env bash
# Times recording one payment's metrics with our code (BenchmarkDotNet) and with the seed's stack (Python
# prometheus_client, Debian's python3-prometheus-client) in the same run, and prints the ratio.
#   bench/compare-with-seed.sh            full BenchmarkDotNet run of the recording benchmark
#   bench/compare-with-seed.sh --dry      one quick pass of each, to check the script works
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-prometheus-client >/dev/null
fi

job=(); iterations=200000
if [ "${1:-}" = "--dry" ]; then job=(--job Dry --inProcess); iterations=2000; fi

artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT
dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- \
  --filter '*RecordPaymentBenchmarks.RecordPayment' "${job[@]}" --exporters json --artifacts "$artifacts" >"$artifacts/bdn.log" 2>&1 \
  || { cat "$artifacts/bdn.log"; exit 1; }
python_result="$(/usr/bin/python3 bench/seed_baseline.py "$iterations")"

/usr/bin/python3 - "$artifacts" "$python_result" <<'PY'
import glob, json, sys
report = json.load(open(glob.glob(sys.argv[1] + "/results/*-report-full*.json")[0]))
ours = next(b for b in report["Benchmarks"] if b["Method"] == "RecordPayment")
ours_ns = ours["Statistics"]["Median"]
allocated = (ours.get("Memory") or {}).get("BytesAllocatedPerOperation")
seed_ns = json.loads(sys.argv[2])["median_ns"]
print(f"one payment's metrics, C# (cached children): {ours_ns:.1f} ns median, {allocated} B allocated")
print(f"one payment's metrics, seed (Python prometheus_client): {seed_ns:.1f} ns median")
print(f"seed / ours: {seed_ns / ours_ns:.1f}x")
PY
