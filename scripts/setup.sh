#!/usr/bin/env bash
# Installs the Debian packages OrderFlow needs, only when one is missing.
# Safe to run repeatedly; does nothing (and needs no network) when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libpq-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev prometheus-cpp-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  curl python3
)
if [[ "${ORDERFLOW_SETUP_EXTRA:-}" == *postgres* ]]; then PACKAGES+=(postgresql postgresql-client); fi
if [[ "${ORDERFLOW_SETUP_EXTRA:-}" == *browser* ]]; then PACKAGES+=(chromium nodejs npm); fi
if [[ "${ORDERFLOW_SETUP_EXTRA:-}" == *bench* ]]; then PACKAGES+=(wrk); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node may come from another source than Debian's nodejs package.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]} == 0)); then exit 0; fi

echo "setup: installing ${missing[*]}"
SUDO=""; if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
