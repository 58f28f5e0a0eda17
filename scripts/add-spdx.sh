#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Adds the license line to every tracked source file that lacks it, in the file's comment syntax:
# as the first line, or the second after a #! line. scripts/check-spdx.sh checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."
line='SPDX-License-Identifier: Apache-2.0 OR MIT'
git ls-files '*.cpp' '*.hpp' '*.c' '*.h' '*.py' '*.sh' '*.in' 'CMakeLists.txt' '*.cmake' \
    'Makefile' '.ci/run' | grep -v -e '^fuzz/.*corpus/' -e '^tests/native/data/' |
while IFS= read -r file; do
  head -n 3 "$file" | grep -q "$line" && continue
  case "$file" in
    *.cpp | *.hpp | *.c | *.h) comment="// $line" ;;
    *.hpp.in) comment="// $line" ;;
    *) comment="# $line" ;;
  esac
  if head -n 1 "$file" | grep -q '^#!'; then
    { head -n 1 "$file"; echo "$comment"; tail -n +2 "$file"; } > "$file.spdx"
  else
    { echo "$comment"; cat "$file"; } > "$file.spdx"
  fi
  chmod --reference="$file" "$file.spdx"
  mv "$file.spdx" "$file"
done
