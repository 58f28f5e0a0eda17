#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Installs the build into a temporary prefix, then builds a consumer with find_package and
# another with pkg-config, and runs both: the install rules, the exported CMake package and
# the .pc file must be enough for users.
set -euo pipefail
build_dir=$1 source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
# A user of the installed program alone: it reports the version of the package it came with,
# and works from the prefix (a throw-away CA, a leaf, and the engines it lists).
if [ -x "$work/prefix/bin/sanstls" ]; then
  expected_version=$(sed -n 's/^#define SANSTLS_VERSION_STRING "\(.*\)"$/\1/p' \
    "$work/prefix/include/sanstls/version.hpp")
  [ "$("$work/prefix/bin/sanstls" --version)" = "$expected_version" ] ||
    { echo "installed sanstls --version is not $expected_version" >&2; exit 1; }
  "$work/prefix/bin/sanstls" cert ca --out "$work/cli-ca" >/dev/null
  "$work/prefix/bin/sanstls" cert leaf --ca "$work/cli-ca" --out "$work/cli-leaf" \
    --name localhost >/dev/null
  [ -s "$work/cli-leaf/cert.pem" ] || { echo "installed sanstls cert wrote no leaf" >&2; exit 1; }
  "$work/prefix/bin/sanstls" backends --json | grep -q '"native"' ||
    { echo "installed sanstls backends lists no native engine" >&2; exit 1; }
fi
# A user of the installed Python package alone (when the build made it): Debian's python imports
# it from the prefix and runs a handshake between two of its engines' sessions in memory.
python_package=$(find "$work/prefix" -path '*-packages/sanstls/__init__.py' -print -quit)
if [ -n "$python_package" ] && [ -s "$work/cli-leaf/cert.pem" ]; then
  PYTHONPATH=$(dirname "$(dirname "$python_package")") /usr/bin/python3 -B - \
    "$work/cli-ca/ca.pem" "$work/cli-leaf/cert.pem" "$work/cli-leaf/key.pem" <<'PYTHON'
import sys
import sanstls
ca, cert, key = (open(path, "rb").read() for path in sys.argv[1:4])
client_out, server_out = [], []
server = sanstls.ServerTLS(sanstls.load_pem_chain(cert, key)).start(server_out.append)
client = sanstls.ClientTLS("localhost", sanstls.TrustStore.from_pem(ca)).start(
    client_out.append, lambda immediate: None)
for _ in range(4):
    while client_out:
        server.receive_data(client_out.pop(0))
    while server_out:
        client.receive_data(server_out.pop(0))
assert client.handshake_complete and server.handshake_complete, "no handshake"
PYTHON
fi
# Uninstalling (README): every installed file is listed in install_manifest.txt.
[ -s "$build_dir/install_manifest.txt" ] || { echo "no install_manifest.txt" >&2; exit 1; }
# The consumer asks only for sanstls: the package config must find tl-expected (public
# headers), OpenSSL, fmt and GnuTLS (static linking) by itself.
cmake -S "$source_dir/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"
# A missing dependency makes sanstls "not found" with the Debian package to install.
if cmake -S "$source_dir/consumer" -B "$work/consumer-no-expected" -G Ninja \
     -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_DISABLE_FIND_PACKAGE_tl-expected=ON \
     >"$work/no-expected.log" 2>&1; then
  echo "find_package(sanstls) succeeded although tl-expected could not be found" >&2
  exit 1
fi
if ! grep -q "sanstls needs tl-expected.*libexpected-dev" <(tr -d '\n' <"$work/no-expected.log"); then
  echo "find_package(sanstls) without tl-expected did not name the package to install:" >&2
  cat "$work/no-expected.log" >&2
  exit 1
fi
"$work/consumer/asio_consumer" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -std=c++20 "$source_dir/consumer/main.cpp" -o "$work/pkgconfig-consumer" \
  $(pkg-config --cflags sanstls) $(pkg-config --static --libs sanstls)
"$work/pkgconfig-consumer" >/dev/null
# The Asio adapter needs only the include path (and threads) beyond the library.
# shellcheck disable=SC2046
c++ -std=c++20 -pthread "$source_dir/consumer/asio_main.cpp" -o "$work/pkgconfig-asio-consumer" \
  $(pkg-config --cflags sanstls) $(pkg-config --static --libs sanstls)
"$work/pkgconfig-asio-consumer" >/dev/null
echo "install, find_package(sanstls) (dependencies included, with sanstls::asio) and pkg-config sanstls all work"
