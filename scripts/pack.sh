#!/usr/bin/env bash
# Packs the push library (AzureFunctions.PrometheusPush) into artifacts/packages and fails when the package lacks what
# an adopting app needs: the assembly, its XML docs, the README, the push-health rules and the symbols package.
# samples/OrdersFunctions restores the library from that folder.
# Usage: scripts/pack.sh [extra dotnet pack arguments, e.g. -p:Version=1.0.1]
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/packages
rm -f "$out"/AzureFunctions.PrometheusPush.*.nupkg "$out"/AzureFunctions.PrometheusPush.*.snupkg
dotnet pack src/AzureFunctions.PrometheusPush/AzureFunctions.PrometheusPush.csproj --configuration Release --output "$out" --verbosity quiet "$@"

package=$(ls "$out"/AzureFunctions.PrometheusPush.*.nupkg)
symbols=$(ls "$out"/AzureFunctions.PrometheusPush.*.snupkg)
contents=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$package")
for entry in lib/net8.0/AzureFunctions.PrometheusPush.dll lib/net8.0/AzureFunctions.PrometheusPush.xml README.md rules/push-health.yml; do
  if ! grep -qx "$entry" <<<"$contents"; then
    echo "scripts/pack.sh: $package has no $entry" >&2
    exit 1
  fi
done
echo "Packed $package ($(stat -c %s "$package") bytes) and $symbols ($(stat -c %s "$symbols") bytes)"
