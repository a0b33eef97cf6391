#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine, idempotently: Prometheus, promtool, Pushgateway,
# Alertmanager and amtool at the versions the repository ships (Debian sid's packages, deploy/versions.env), Debian 12's
# own Prometheus and Pushgateway (for the tests that ask for a scraper without created timestamps by name),
# docker-compose and curl (apt), and the NuGet packages of the solution (restore). Safe to run again: it installs only
# what is missing, and fails, saying what it found, when a binary is not on the line deploy/versions.env names.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# binary:package pairs from the machine's own apt sources. Debian 12's prometheus (2.42) and prometheus-pushgateway (1.5.1)
# predate created timestamps: only the tests that ask for such a scraper or gateway by name run them.
needed=(
  "prometheus-pushgateway:prometheus-pushgateway"
  "prometheus:prometheus"
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

# The Prometheus components at the versions compose and Bicep ship (deploy/versions.env): Debian sid's prometheus,
# promtool, prometheus-pushgateway and prometheus-alertmanager (with amtool), unpacked into .tools/sid. The machine's
# apt sources are not changed: a private sources list naming sid, private package lists, `apt-get download`, `dpkg -x`.
# Every test, the demo and the benchmarks run these (PaymentFunctions.Testing.Tools checks each one's version again).
# sid moves: a binary on another line than deploy/versions.env names fails here, saying what was found.
tools=".tools/sid"
versions="deploy/versions.env"
tested() { sed -n "s/^$1_TESTED=//p" "$versions"; }
# binary:VERSIONS_KEY pairs, each checked against its line.
shipped=(
  "prometheus:PROMETHEUS"
  "promtool:PROMETHEUS"
  "prometheus-pushgateway:PUSHGATEWAY"
  "prometheus-alertmanager:ALERTMANAGER"
  "amtool:ALERTMANAGER"
)
version_of() { "$1" --version 2>&1 | head -n 1 | sed -nE 's/^[a-z]+, version ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p'; }
# Prints one line per binary that is missing or on another line than deploy/versions.env names.
wrong_binaries() {
  for pair in "${shipped[@]}"; do
    binary="$tools/usr/bin/${pair%%:*}"
    line="$(tested "${pair##*:}")"
    if [ ! -x "$binary" ]; then
      echo "${pair%%:*}: missing"
    else
      found="$(version_of "$binary")"
      case "$found" in "$line".*) ;; *) echo "${pair%%:*}: found ${found:-no version}, expected ${line}.x" ;; esac
    fi
  done
}
if [ -n "$(wrong_binaries)" ]; then
  archive="$( (grep -hsE '^URIs:|^deb ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list || true) \
    | (grep -v security || true) | head -n 1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*$//')"
  if [ -z "$archive" ]; then
    echo "No Debian archive found in /etc/apt/sources.list*; cannot fetch Debian sid's prometheus packages." >&2
    exit 1
  fi
  apt_dir="$(mktemp -d)"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive sid main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
  echo "Fetching Debian sid's prometheus, promtool, prometheus-pushgateway and prometheus-alertmanager into $tools"
  as_root apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir" && as_root apt-get "${apt_opts[@]}" download -qq prometheus promtool prometheus-pushgateway prometheus-alertmanager)
  rm -rf "$tools" .tools/debian13
  mkdir -p "$tools"
  for deb in "$apt_dir"/*.deb; do dpkg -x "$deb" "$tools"; done
  rm -rf "$apt_dir"
  wrong="$(wrong_binaries)"
  if [ -n "$wrong" ]; then
    echo "Debian sid no longer packages the versions this repository tests and ships (deploy/versions.env):" >&2
    echo "$wrong" | sed 's/^/  /' >&2
    echo "Move deploy/versions.env, docker-compose.yml and infra/main.bicep to the new line together (see deploy/versions.env)." >&2
    exit 1
  fi
fi

# Debian's Alertmanager is built to load its default notification templates from /usr/share/prometheus/alertmanager
# (it refuses to start without them): the package's own copies go there, the only files put outside the repository.
templates="/usr/share/prometheus/alertmanager"
for template in "$tools$templates"/*.tmpl; do
  if ! cmp -s "$template" "$templates/$(basename "$template")"; then
    echo "Installing Alertmanager's default notification templates into $templates (where Debian's build reads them)"
    as_root mkdir -p "$templates"
    as_root cp "$tools$templates"/*.tmpl "$templates/"
    break
  fi
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH): https://dotnet.microsoft.com/download" >&2
  exit 1
fi

dotnet restore PaymentFunctions.sln --verbosity quiet
