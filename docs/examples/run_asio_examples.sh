#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Runs the Asio examples (ctest: examples): the coroutine echo server against 20 concurrent
# example-client programs, and the coroutine HTTPS client against `openssl s_server -www`.
# Certificates come from `sanstls cert`. Everything listens on 127.0.0.1 only.
set -euo pipefail
sanstls=$1 echo_server=$2 client=$3 https_client=$4
clients=20
work=$(mktemp -d)
trap 'kill "${server_pid:-}" "${s_server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
command -v openssl >/dev/null || { echo "openssl is missing (scripts/install-deps.sh)" >&2; exit 1; }
"$sanstls" cert ca --out "$work/ca" >/dev/null
"$sanstls" cert leaf --ca "$work/ca" --out "$work/leaf" --name localhost >/dev/null

# 1. The echo server, many clients at once.
"$echo_server" "$work/leaf/cert.pem" "$work/leaf/key.pem" "$clients" >"$work/port" \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 50); do grep -q port "$work/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$work/port")
pids=()
for i in $(seq "$clients"); do
  timeout 30 "$client" localhost "$port" "$work/ca/ca.pem" >"$work/reply.$i" 2>/dev/null &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
status=0
wait "$server_pid" || status=$?
cat "$work/server.log"
for i in $(seq "$clients"); do
  if [ "$(cat "$work/reply.$i")" != "hello" ]; then
    echo "client $i: expected the echo 'hello', got '$(cat "$work/reply.$i")'" >&2
    exit 1
  fi
done
if [ "$status" != 0 ]; then
  echo "the Asio echo server failed (exit $status)" >&2
  exit 1
fi
echo "asio echo server: $clients concurrent clients echoed 'hello' and closed cleanly"

# 2. The HTTPS client against openssl s_server -www (the port is chosen by the kernel).
openssl s_server -www -accept 127.0.0.1:0 -cert "$work/leaf/cert.pem" \
  -key "$work/leaf/key.pem" >"$work/s_server.out" 2>&1 &
s_server_pid=$!
for _ in $(seq 50); do grep -q '^ACCEPT' "$work/s_server.out" && break; sleep 0.1; done
port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/s_server.out")
timeout 30 "$https_client" localhost "$port" "$work/ca/ca.pem" >"$work/page" 2>"$work/client.log"
cat "$work/client.log"
if ! grep -q '^HTTP/1.0 200 ok' "$work/page" || ! grep -q 'Ciphers supported in s_server binary' "$work/page"; then
  echo "expected openssl s_server's status page, got:" >&2
  head -20 "$work/page" >&2
  exit 1
fi
echo "asio https client: fetched openssl s_server's page over verified TLS"
