#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Runs the two examples against each other (ctest: examples). Certificates come from
# `sanstls cert`. Fails unless the client gets its "hello" echoed back over verified TLS.
set -euo pipefail
sanstls=$1 server=$2 client=$3
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$sanstls" cert ca --out "$work/ca" >/dev/null
"$sanstls" cert leaf --ca "$work/ca" --out "$work/leaf" --name localhost >/dev/null
"$server" "$work/leaf/cert.pem" "$work/leaf/key.pem" >"$work/port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 50); do grep -q port "$work/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$work/port")
reply=$(timeout 20 "$client" localhost "$port" "$work/ca/ca.pem")
wait "$server_pid"
cat "$work/server.log"
if [ "$reply" != "hello" ]; then
  echo "expected the echo 'hello', got '$reply'" >&2
  exit 1
fi
echo "examples: client and server talked TLS and echoed 'hello'"
