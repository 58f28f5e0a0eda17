#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# The include floors of src/ (docs/design.md "Layers"): a file may include its own floor and the
# floors below it, never one above. Lists every include that reaches up, as
# `file:line: includes "x" (rule)`, and fails. Run from anywhere.
#
#   scripts/check-layers.sh [ROOT]     check ROOT/src (default: this repository)
#   scripts/check-layers.sh --self-test  plant one violation per rule in a scratch tree and check
#                                        that each is reported (the check can fail)
#
# Floors, bottom up:
#   base/                     wiping buffers, OpenSSL handles: includes nothing of ours
#   wire/                     Reader/Writer: base/, wire/ (and the public <sanstls/error.hpp>)
#   native/types.hpp, native/handshake_sequence.hpp, native/crypto/
#                             base/, wire/, native/types.hpp, native/crypto/
#   native/msgs/              not record/, handshake/, key_schedule*, transcript*
#   native/key_schedule*, native/transcript*   not record/, handshake/
#   native/record/            not handshake/
#   native/handshake/         the top of the native engine
#   nothing in native/ or wire/ includes core/, backends/ or x509/
#   x509/ sits below core/ (core runs x509::verify_chain): of core/ it may include only the
#   credential representation, core/credentials_impl.hpp and core/library_context.hpp, which
#   themselves include only base/ and public headers (checked too).
set -euo pipefail

# rule_for FILE INCLUDE: sets RULE to the broken rule, or to "" when the include is allowed.
# FILE is relative to src/; INCLUDE is what the quotes hold (or "<...>" for angle includes).
rule_for() {
  local file=$1 inc=$2
  RULE=""
  case $file in
    base/*)
      case $inc in
        base/*) ;;
        '<sanstls/'*) RULE="base/ includes nothing of ours but base/" ;;
        '<'*) ;;
        *) RULE="base/ includes nothing of ours but base/" ;;
      esac
      return
      ;;
  esac
  case $inc in '<'*) return ;; esac  # system and public headers
  case $file in
    wire/* | native/*)
      case $inc in
        core/* | backends/* | x509/*)
          RULE="native/ and wire/ never include core/, backends/ or x509/"
          return
          ;;
      esac
      ;;
  esac
  case $file in
    wire/*)
      case $inc in
        base/* | wire/*) ;;
        *) RULE="wire/ includes only base/ and wire/" ;;
      esac
      ;;
    native/types.hpp | native/handshake_sequence.hpp | native/crypto/*)
      case $inc in
        base/* | wire/* | native/types.hpp | native/crypto/*) ;;
        *) RULE="native/types, handshake_sequence and crypto/ include only base/, wire/, native/types.hpp, native/crypto/" ;;
      esac
      ;;
    native/msgs/*)
      case $inc in
        native/record/* | native/handshake/* | native/key_schedule* | native/transcript*)
          RULE="native/msgs/ is below key schedule, transcript, records and handshake"
          ;;
      esac
      ;;
    native/key_schedule* | native/transcript*)
      case $inc in
        native/record/* | native/handshake/*)
          RULE="native key_schedule*/transcript* are below records and handshake"
          ;;
      esac
      ;;
    native/record/*)
      case $inc in
        native/handshake/*) RULE="native/record/ is below native/handshake/" ;;
      esac
      ;;
    x509/*)
      case $inc in
        core/credentials_impl.hpp | core/library_context.hpp) ;;
        core/* | backends/* | native/*)
          RULE="x509/ is below core/ (only core/credentials_impl.hpp, core/library_context.hpp) and includes no engine"
          ;;
      esac
      ;;
    core/credentials_impl.hpp | core/library_context.hpp)
      case $inc in
        base/* | core/library_context.hpp) ;;
        *) RULE="core/credentials_impl.hpp and core/library_context.hpp (used by x509/) include only base/" ;;
      esac
      ;;
  esac
}

# check ROOT: prints the violations under ROOT/src; returns 1 when there is any.
check() {
  local root=$1 found=0 path file line inc
  while IFS= read -r path; do
    file=${path#"$root"/src/}
    while IFS=: read -r line inc; do
      rule_for "$file" "$inc"
      if [ -n "$RULE" ]; then
        case $inc in '<'*) ;; *) inc="\"$inc\"" ;; esac
        echo "src/$file:$line: includes $inc ($RULE)"
        found=$((found + 1))
      fi
    done < <(awk '/^[ \t]*#[ \t]*include[ \t]*["<]/ {
                    s = $0; sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
                    if (substr(s, 1, 1) == "\"") { s = substr(s, 2); sub(/".*/, "", s) }
                    else { sub(/>.*/, ">", s) }
                    print FNR ":" s }' "$path")
  done < <(find "$root/src" -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.c' \) | sort)
  if [ "$found" -ne 0 ]; then
    echo "$found includes reach above their floor (the floors: scripts/check-layers.sh, docs/design.md)"
    return 1
  fi
  echo "every include in $root/src stays on its floor or below"
}

self_test() {
  local scratch failures=0
  scratch=$(mktemp -d)
  # file|include: one violation per rule (and per case of a rule).
  local cases=(
    'base/a.hpp|core/engine.hpp'
    'base/a.hpp|native/types.hpp'
    'base/a.hpp|<sanstls/error.hpp>'
    'wire/a.cpp|native/types.hpp'
    'wire/a.cpp|core/limits.hpp'
    'native/crypto/a.cpp|native/msgs/alert.hpp'
    'native/types.hpp|native/msgs/alert.hpp'
    'native/msgs/a.cpp|native/record/record.hpp'
    'native/msgs/a.cpp|native/handshake/actions.hpp'
    'native/msgs/a.cpp|native/key_schedule.hpp'
    'native/msgs/a.cpp|native/transcript.hpp'
    'native/msgs/a.cpp|core/engine.hpp'
    'native/msgs/a.cpp|backends/native/engine.hpp'
    'native/key_schedule12.hpp|native/record/record.hpp'
    'native/transcript.cpp|native/handshake/actions.hpp'
    'native/record/a.cpp|native/handshake/actions.hpp'
    'native/handshake/a.cpp|core/secret_bytes.hpp'
    'native/handshake/a.cpp|x509/verify.hpp'
    'x509/a.cpp|core/session_core.hpp'
    'x509/a.cpp|native/types.hpp'
    'core/credentials_impl.hpp|core/session_core.hpp'
  )
  local entry file inc out
  for entry in "${cases[@]}"; do
    file=${entry%%|*}
    inc=${entry#*|}
    rm -rf "$scratch/src"
    mkdir -p "$scratch/src/$(dirname "$file")"
    {
      echo '#pragma once'
      echo '#include "base/secret_bytes.hpp"'  # allowed everywhere: not reported
      case $inc in '<'*) echo "#include $inc" ;; *) echo "#include \"$inc\"" ;; esac
    } >"$scratch/src/$file"
    if out=$(check "$scratch"); then
      echo "self-test: src/$file including $inc was NOT reported"
      failures=$((failures + 1))
    elif ! grep -qF "src/$file:3: includes" <<<"$out" || ! grep -qF "${inc}" <<<"$out" ||
         [ "$(grep -c ': includes ' <<<"$out")" -ne 1 ]; then
      echo "self-test: src/$file including $inc: wrong report:"
      echo "$out"
      failures=$((failures + 1))
    fi
  done
  # A clean tree passes: every floor including what it may.
  rm -rf "$scratch/src"
  mkdir -p "$scratch/src/base" "$scratch/src/wire" "$scratch/src/native/msgs" \
    "$scratch/src/native/record" "$scratch/src/native/handshake" "$scratch/src/x509"
  printf '#include "base/ossl_ptr.hpp"\n#include <vector>\n' >"$scratch/src/base/a.hpp"
  printf '#include "base/a.hpp"\n#include <sanstls/error.hpp>\n' >"$scratch/src/wire/a.hpp"
  printf '#include "wire/a.hpp"\n#include "native/types.hpp"\n' >"$scratch/src/native/msgs/a.hpp"
  printf '#include "native/msgs/a.hpp"\n' >"$scratch/src/native/transcript.hpp"
  printf '#include "native/key_schedule.hpp"\n#include "native/msgs/a.hpp"\n' \
    >"$scratch/src/native/record/a.hpp"
  printf '#include "native/record/a.hpp"\n#include "native/transcript.hpp"\n' \
    >"$scratch/src/native/handshake/a.hpp"
  printf '#include "core/credentials_impl.hpp"\n#include "wire/a.hpp"\n' >"$scratch/src/x509/a.cpp"
  if ! out=$(check "$scratch"); then
    echo "self-test: a clean tree was refused:"
    echo "$out"
    failures=$((failures + 1))
  fi
  rm -rf "$scratch"
  if [ "$failures" -ne 0 ]; then
    echo "self-test: $failures of ${#cases[@]} planted violations (+ the clean tree) misjudged"
    return 1
  fi
  echo "self-test: all ${#cases[@]} planted violations reported, the clean tree passes"
}

if [ "${1:-}" = "--self-test" ]; then
  self_test
else
  check "${1:-$(cd "$(dirname "$0")/.." && pwd)}"
fi
