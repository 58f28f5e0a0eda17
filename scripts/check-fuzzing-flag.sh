#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Proves that the UNSAFE fuzzing mode (src/native/handshake/fuzzing.hpp: the state machines skip
# the peer's CertificateVerify signature and Finished) cannot reach a normal build:
#   1. in the sources, only fuzz/CMakeLists.txt sets SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH (no
#      #define, no other CMake file or preset);
#   2. in a non-fuzz build tree, no compile command carries it.
#   scripts/check-fuzzing-flag.sh [build dir]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
flag=SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH

setters=$(cd "$root" &&
  grep -rlE --include='CMakeLists.txt' --include='*.cmake' --include='CMakePresets.json' \
    --include='Makefile' "$flag" . 2>/dev/null | grep -v '^\./build' | sort || true)
if [ "$setters" != "./fuzz/CMakeLists.txt" ]; then
  echo "check-fuzzing-flag: FAIL: $flag must be set by fuzz/CMakeLists.txt only; found in:" >&2
  printf '  %s\n' $setters >&2
  exit 1
fi
defines=$(cd "$root" &&
  grep -rnE "#[[:space:]]*define[[:space:]]+$flag" src include tests fuzz tools 2>/dev/null || true)
if [ -n "$defines" ]; then
  echo "check-fuzzing-flag: FAIL: $flag #defined in source:" >&2
  printf '%s\n' "$defines" >&2
  exit 1
fi

if [ -f "$build/CMakeCache.txt" ]; then
  if grep -q '^SANSTLS_BUILD_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "check-fuzzing-flag: $build is a fuzz build; only its source check applies"
  elif grep -rqs -- "$flag" "$build/build.ninja" "$build/compile_commands.json" \
         $(find "$build" -name flags.make 2>/dev/null); then
    echo "check-fuzzing-flag: FAIL: a compile command in $build carries $flag" >&2
    exit 1
  fi
fi
echo "check-fuzzing-flag: OK: $flag is set only by the fuzz build"
