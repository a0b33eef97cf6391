#!/usr/bin/env bash
# Runs every benchmark once in BenchmarkDotNet's dry mode, the latency-under-faults run with few invocations, the
# capacity run in its dry mode (10 groups, 2 s, every push format, about 30 s), the first-count run in its dry mode (1 s scrapes, about 20 s) and the seed comparison in its dry mode, so the benchmarks
# cannot rot. The figures it prints mean nothing; the full runs (README, "Performance") do.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-prerequisites.sh
dotnet build -c Release bench/PaymentFunctions.Benchmarks --verbosity quiet
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- \
  --filter '*' --job Dry --inProcess --artifacts "$(mktemp -d)" --stopOnFirstError
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- latency 200
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- capacity --dry
dotnet run -c Release --no-build --project bench/PaymentFunctions.Benchmarks -- first-count --dry
bench/compare-with-seed.sh --dry
