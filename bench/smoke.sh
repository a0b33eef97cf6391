#!/usr/bin/env bash
# Checks that every command-line entry point (the benchmark modes, the demo and scripts/demo.sh) answers --help and a bad
# argument, then runs every benchmark once in BenchmarkDotNet's dry mode, the latency-under-faults run with few invocations, the
# capacity run in its dry mode (10 groups, 2 s, every push format, about 30 s), the first-count run in its dry mode (1 s scrapes, about 20 s) and the seed comparison in its dry mode, so the benchmarks
# cannot rot. The figures it prints mean nothing; the full runs (docs/performance.md) do.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-prerequisites.sh
dotnet build -c Release bench/PaymentFunctions.Benchmarks --verbosity quiet
dotnet build -c Release src/PaymentFunctions.Demo --verbosity quiet

# Every command-line entry point answers --help with its usage (exit 0) and a bad argument with one line on stderr
# (exit 2), instead of a stack trace or a run with the argument ignored.
bench=(dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks --)
demo=(dotnet run -c Release --no-build --project src/PaymentFunctions.Demo --)
cli_failures=0
cli_failed() { echo "smoke.sh: $1" >&2; cli_failures=$((cli_failures + 1)); }
expect_usage() { # COMMAND...: exits 0 with a stdout line starting with "Usage"
  local out rc=0
  out="$("$@" </dev/null 2>/dev/null)" || rc=$?
  [ "$rc" -eq 0 ] || cli_failed "'$*' exited $rc, expected 0"
  grep -q '^Usage' <<<"$out" || cli_failed "'$*' printed no line starting with Usage"
}
expect_mistake() { # COMMAND...: exits 2 with exactly one line on stderr
  local err rc=0 lines
  err="$("$@" </dev/null 2>&1 >/dev/null)" || rc=$?
  lines="$(printf '%s' "$err" | grep -c '' || true)"
  [ "$rc" -eq 2 ] || cli_failed "'$*' exited $rc, expected 2"
  [ "$lines" -eq 1 ] || cli_failed "'$*' printed $lines lines on stderr, expected 1: ${err}"
}
expect_usage "${bench[@]}" --help
expect_usage "${bench[@]}" -h
for mode in latency series capacity first-count; do expect_usage "${bench[@]}" "$mode" --help; done
expect_mistake "${bench[@]}" no-such-mode
expect_mistake "${bench[@]}" --bogus
expect_mistake "${bench[@]}" --filter NoSuchBenchmark --job Dry
expect_mistake "${bench[@]}" latency abc
expect_mistake "${bench[@]}" series -5
expect_mistake "${bench[@]}" capacity --bogus
expect_mistake "${bench[@]}" capacity --cadence x
expect_mistake "${bench[@]}" capacity --seconds
expect_mistake "${bench[@]}" first-count --bogus
expect_usage "${demo[@]}" --help
expect_mistake "${demo[@]}" --nope
expect_mistake "${demo[@]}" --render-prometheus-config deploy/prometheus/prometheus.yml 127.0.0.1:9091 x /dev/null
expect_usage scripts/demo.sh --help
expect_mistake scripts/demo.sh --nope
if [ "$cli_failures" -gt 0 ]; then
  echo "smoke.sh: ${cli_failures} command-line check(s) failed (see above)." >&2
  exit 1
fi
echo "Command lines: --help and bad arguments answered as expected."

dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- \
  --filter '*' --job Dry --inProcess --artifacts "$(mktemp -d)" --stopOnFirstError
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- latency 200
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- capacity --dry
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- first-count --dry
bench/compare-with-seed.sh --dry
