# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Runs the Python package's pytest suite for ctest (label python).

Exit 77 (ctest: skipped) when pytest or the built package is missing, unless CI=true: then the
missing piece is a failure, so CI can never pass without running these tests.
"""

import argparse
import os
import subprocess
import sys


def missing(what: str) -> int:
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    print(f"python tests: {what}", file=sys.stderr)
    if in_ci:
        print("CI=true: a missing piece is a failure (apt-get install pybind11-dev python3-dev "
              "python3-pytest, or run scripts/install-deps.sh)", file=sys.stderr)
        return 1
    return 77


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package-dir", required=True)
    parser.add_argument("--built", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("tests")
    options, rest = parser.parse_known_args()
    try:
        import pytest  # noqa: F401
    except ImportError:
        return missing("pytest is not installed for /usr/bin/python3 (Debian: python3-pytest)")
    if options.built != "1":
        return missing("the sanstls Python package was not built (pybind11 not found at "
                       "configure time)")
    env = dict(os.environ)
    env["PYTHONPATH"] = options.package_dir + os.pathsep + env.get("PYTHONPATH", "")
    env["SANSTLS_EXAMPLES"] = options.examples
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            options.tests, *rest], env=env)


if __name__ == "__main__":
    sys.exit(main())
