#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Installs the Debian 12 packages sanstls needs to build, test and demo. As root it runs
# apt-get; otherwise it prints the exact command and fails, so nothing happens behind your back.
#   --clang  also clang 14, its sanitizer and libFuzzer runtimes and lld: the ASan and fuzz
#            presets (`make test-asan`, `make fuzz`) build with them.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libssl-dev libgnutls28-dev libexpected-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libasio-dev
  openssl gnutls-bin curl ca-certificates python3 python3-jsonschema gnuplot-nox doxygen
  mmdebstrap  # the Debian 13 root for the OpenSSL 3.5 interop test (docs/interop.md)
  valgrind    # the ML-KEM-768 constant-time check (native_mlkem768_constant_time)
  pybind11-dev python3-dev python3-pytest
  python3-cryptography  # tools/tls12_kat/generate.py (the TLS 1.2 known-answer data)
)

if [ "${1:-}" = "--clang" ]; then
  packages+=(clang-14 libclang-rt-14-dev lld)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--clang]" >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "sanstls needs these Debian packages: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
