#!/usr/bin/env bash
# Stryker.NET mutation score of the payment domain and the push library, killed by the unit and function tests
# (tests/PaymentFunctions.Tests). Reports (html, json) land in StrykerOutput/<project>/reports/.
# Slow on a 2-core machine (docs/testing.md has the times). Not part of scripts/test.sh.
# Usage: scripts/mutation.sh [PaymentFunctions.Payments|AzureFunctions.PrometheusPush ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null

# Stryker's solution mode runs every test project of the solution; the mutation run wants only the unit and function
# tests (the observability and infrastructure tests need Prometheus, Bicep and minutes): a solution of just those.
mkdir -p StrykerOutput
dotnet new sln --format sln --name mutation --output StrykerOutput --force >/dev/null
dotnet sln StrykerOutput/mutation.sln add src/*/*.csproj tests/PaymentFunctions.Testing/*.csproj tests/PaymentFunctions.Tests/*.csproj >/dev/null
projects=("$@")

# Tests that count: all of tests/PaymentFunctions.Tests except three slow classes that measure or wait on real time
# (half of the suite's test time, paid again by every mutant they cover): PushFaultTests (deliberately slow, blackholed
# and refusing gateways, latency figures), ShardedDeliveryTests (starts Prometheus besides two Pushgateways) and
# ConcurrencyTests (a CPU-heavy measurement). What they check about the product is also pinned by fast deterministic
# tests (PushClientTests, PushPartsTests, JanitorSweepTests, RetryClassificationTests). STRYKER_TEST_FILTER= (empty)
# counts every test.
filter=${STRYKER_TEST_FILTER-"FullyQualifiedName!~PushFaultTests&FullyQualifiedName!~ShardedDeliveryTests&FullyQualifiedName!~ConcurrencyTests"}
filter_args=()
[ -z "$filter" ] || filter_args=(--test-case-filter "$filter")
# STRYKER_MUTATE="**/A.cs **/B.cs" mutates only those files (Stryker's --mutate globs): a re-run of the files new tests
# target, whose figures then stand beside the full run's for the other files.
mutate_args=()
set -f; for glob in ${STRYKER_MUTATE-}; do mutate_args+=(--mutate "$glob"); done; set +f
[ ${#projects[@]} -gt 0 ] || projects=(PaymentFunctions.Payments AzureFunctions.PrometheusPush)

# Stryker analyses each project with Platform="Any CPU" (the solution platform) and then looks for the test binaries
# under bin/Any CPU/, while the solution build maps it to AnyCPU and writes bin/Debug/: keep the platform out of every
# output path (an MSBuild property taken from the environment) so both agree.
export AppendPlatformToOutputPath=false

for name in "${projects[@]}"; do
  project="$name"
  echo "== $project"
  start=$(date +%s)
  # Stryker takes the solution context only when run from the solution's folder.
  (cd StrykerOutput && dotnet stryker \
    --solution "$PWD/mutation.sln" \
    --project "$project.csproj" \
    --output "$PWD/$project" \
    --reporter progress --reporter cleartext --reporter json --reporter html \
    --concurrency "${STRYKER_CONCURRENCY:-2}" \
    "${filter_args[@]}" \
    "${mutate_args[@]}" \
    --skip-version-check \
    --break-at 0)
  echo "== $project took $(( $(date +%s) - start )) s"
done
