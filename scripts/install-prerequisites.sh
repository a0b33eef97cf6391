#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine, idempotently:
# real Prometheus, promtool and Pushgateway binaries and Debian's docker-compose (apt),
# and the NuGet packages of the solution (restore). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# binary:package pairs the tests run for real.
needed=(
  "prometheus-pushgateway:prometheus-pushgateway"
  "prometheus:prometheus"
  "promtool:prometheus"
  "docker-compose:docker-compose"
  "curl:curl"
)

missing=()
for pair in "${needed[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "Installing with apt: ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH): https://dotnet.microsoft.com/download" >&2
  exit 1
fi

dotnet restore PaymentFunctions.sln --verbosity quiet
