#!/usr/bin/env bash
# Every source file of sanstls carries the license line `SPDX-License-Identifier: Apache-2.0 OR MIT`
# in its first lines (LICENSE). Lists the files that do not and fails; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
while IFS= read -r file; do
  if ! head -n 3 "$file" | grep -q 'SPDX-License-Identifier: Apache-2.0 OR MIT'; then
    echo "no SPDX line: $file"
    missing=$((missing + 1))
  fi
done < <(git ls-files '*.cpp' '*.hpp' '*.c' '*.h' '*.py' '*.sh' '*.in' 'CMakeLists.txt' '*.cmake' \
           'Makefile' '.ci/run' | grep -v -e '^fuzz/.*corpus/' -e '^tests/native/data/')
if [ "$missing" -ne 0 ]; then
  echo "$missing source files lack the SPDX line (scripts/add-spdx.sh adds it)"
  exit 1
fi
echo "every source file has the SPDX line"
