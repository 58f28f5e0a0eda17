#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR MIT
# SSL_CERT_FILE / SSL_CERT_DIR pick the system trust store, except in a setuid program, where
# TrustStore::system() must ignore them (secure_getenv) and load Debian's bundle.
# Usage: secure_getenv_test.sh <trust_env_probe>
# Needs root (to make a setuid copy of the probe); exits 77 (skipped) otherwise.
set -eu
probe=$1
bundle=/etc/ssl/certs/ca-certificates.crt

fail() { echo "FAIL: $*"; exit 1; }
# Runs a command with exactly the trust variables given as arguments (VAR=value ...).
clean() { env -u SSL_CERT_FILE -u SSL_CERT_DIR "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/dir"
one_cert=$work/dir/one.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=probe \
  -keyout /dev/null -out "$one_cert" -days 1 2>/dev/null || fail "openssl cannot make a certificate"
chmod 755 "$work/dir"
chmod 644 "$one_cert"

# Not setuid: the variables are honoured.
out=$(clean SSL_CERT_FILE="$one_cert" "$probe") || fail "plain run with SSL_CERT_FILE: $out"
[ "$out" = "ok 1" ] || fail "plain run: SSL_CERT_FILE was not used ($out)"
out=$(clean SSL_CERT_DIR="$work/dir" "$probe") || fail "plain run with SSL_CERT_DIR: $out"
[ "$out" = "ok 1" ] || fail "plain run: SSL_CERT_DIR was not used ($out)"
echo "plain run honours SSL_CERT_FILE and SSL_CERT_DIR: ok"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
  echo "SKIP: making a setuid program needs root"
  exit 77
fi
[ -r "$bundle" ] || fail "$bundle is missing (install ca-certificates)"
cp "$probe" "$work/probe"
chown nobody "$work/probe"
chmod 4755 "$work/probe"
# Root runs a program that is setuid nobody: real and effective user differ, so the kernel marks
# the process AT_SECURE and secure_getenv() returns NULL.
for variable in SSL_CERT_FILE SSL_CERT_DIR; do
  if [ "$variable" = SSL_CERT_FILE ]; then value=$one_cert; else value=$work/dir; fi
  out=$(clean "$variable=$value" "$work/probe") || fail "setuid run with $variable: $out"
  case "$out" in
    "ok 1") fail "the setuid program took its trust store from \$$variable" ;;
    ok\ *) echo "setuid run ignores $variable ($out from $bundle): ok" ;;
    *) fail "setuid run with $variable: $out" ;;
  esac
done
