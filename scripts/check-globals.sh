#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Proves that the library keeps no writable static data of its own ("no global state"):
# lists every data object that libsanstls.a places in a writable section (.data, .bss,
# thread-local .tdata/.tbss, and their .data.* / .bss.* variants; .data.rel.ro is read-only
# after relocation and is not counted) and fails if one of them is ours, except the accepted
# ones listed below with their justification.
#   scripts/check-globals.sh [path/to/libsanstls.a]   (default: build/src/libsanstls.a)
set -euo pipefail
lib=${1:-build/src/libsanstls.a}
if [ ! -f "$lib" ]; then
  echo "check-globals: no library at $lib (build first)" >&2
  exit 2
fi

# Accepted exceptions (extended regular expressions over the demangled name):
accepted=(
  # The std::error_category of sanstls::Errc: a function-local `static constinit const`
  # object. It is constant-initialised and never modified, but it has a vtable pointer (so it
  # needs a relocation: .data.rel.local) and a virtual destructor (so the compiler adds a
  # guard variable for its exit-time destructor registration). No state.
  '^sanstls::error_category\(\)::category$'
  '^guard variable for sanstls::error_category\(\)::category$'
  # constexpr tables declared with class template argument deduction (`constexpr std::array
  # kAll... = {...}` in src/core/protocol.cpp): GCC 12 emits them into .data although they
  # are constexpr and never written (with explicit template arguments they land in .rodata;
  # reported to the owner of protocol.cpp). Read-only by the language rules.
  '^sanstls::\(anonymous namespace\)::kAll(CipherSuites|Groups)$'
  # The process's libcrypto library context (core/library_context.cpp): made once on first
  # use, immutable, never freed. OpenSSL 3.0 releases a thread's per-context state at thread
  # exit through the context, so contexts freed per configuration crashed thread pools that
  # outlived a configuration (tests/hardening/concurrency_test.cpp). A pointer and its guard.
  '^sanstls::core::LibraryContext::create\(\)::shared$'
  '^guard variable for sanstls::core::LibraryContext::create\(\)::shared$'
)
accepted_re=$(IFS='|'; echo "${accepted[*]}")

# objdump -t: "address flags section size name"; O = data object. Names outside our code
# (the C++ runtime's std:: objects instantiated in our objects, typeinfo, vtables, DWARF
# personality references) are not ours.
writable=$(objdump -t -C "$lib" |
  awk '$0 ~ / O / {
         for (i = 1; i <= NF; ++i) if ($i == "O") { section = $(i + 1); first = i + 3; break }
         if (section !~ /^\.(data|bss|tdata|tbss)(\.|$)/ || section ~ /^\.data\.rel\.ro/) next
         if ($first == ".hidden" || $first == ".protected") ++first
         name = $first; for (i = first + 1; i <= NF; ++i) name = name " " $i
         print name
       }' |
  grep -Ev '^(std::|guard variable for std::|typeinfo|vtable|DW\.ref\.|__gnu_cxx::|__)' |
  sort -u || true)

offending=$(printf '%s\n' "$writable" | grep -Ev "$accepted_re" | grep -v '^$' || true)
accepted_found=$(printf '%s\n' "$writable" | grep -E "$accepted_re" || true)
if [ -n "$accepted_found" ]; then
  echo "check-globals: accepted (see scripts/check-globals.sh for why):"
  printf '%s\n' "$accepted_found" | sed 's/^/  /'
fi
if [ -n "$offending" ]; then
  echo "check-globals: FAIL: writable static data of our own in $lib:" >&2
  printf '%s\n' "$offending" | sed 's/^/  /' >&2
  exit 1
fi
echo "check-globals: OK: $lib has no other writable static data"
