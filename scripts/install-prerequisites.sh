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

# Debian 13's Prometheus 2.53, promtool and Pushgateway 1.11 (nearer the shipped Prometheus 3.5 and Pushgateway 1.11:
# protobuf pushes keep created timestamps, and created-timestamp-zero-ingestion exists), unpacked into
# .tools/debian13. The machine's apt sources are not changed: a private sources list and private package lists.
# The tests, the demo and the benchmarks prefer these binaries (scripts/tools.sh, PaymentFunctions.Testing.Tools).
tools=".tools/debian13"
if [ ! -x "$tools/usr/bin/prometheus" ] || [ ! -x "$tools/usr/bin/promtool" ] || [ ! -x "$tools/usr/bin/prometheus-pushgateway" ]; then
  archive="$( (grep -hsE '^URIs:|^deb ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list || true) \
    | (grep -v security || true) | head -n 1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*$//')"
  if [ -z "$archive" ]; then
    echo "No Debian archive found in /etc/apt/sources.list*; cannot fetch Debian 13's prometheus packages." >&2
    exit 1
  fi
  apt_dir="$(mktemp -d)"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive trixie main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
  echo "Fetching Debian 13's prometheus, promtool and prometheus-pushgateway into $tools"
  as_root apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir" && as_root apt-get "${apt_opts[@]}" download -qq prometheus promtool prometheus-pushgateway)
  mkdir -p "$tools"
  for deb in "$apt_dir"/*.deb; do dpkg -x "$deb" "$tools"; done
  rm -rf "$apt_dir"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH): https://dotnet.microsoft.com/download" >&2
  exit 1
fi

dotnet restore PaymentFunctions.sln --verbosity quiet
