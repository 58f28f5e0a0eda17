# SPDX-License-Identifier: Apache-2.0 OR MIT
"""run_pytest.py's own rule: without pytest it fails under CI=true and reports a skip (77)
elsewhere, never a pass. The interpreter runs with -S (no site-packages), so pytest is
missing."""

import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
argv = [sys.executable, "-S", os.path.join(here, "run_pytest.py"), "--package-dir", "/nonexistent",
        "--built", "1", "--examples", "/nonexistent", here]
verdicts = {}
for ci in ("true", ""):
    env = dict(os.environ, CI=ci)
    verdicts[ci] = subprocess.run(argv, env=env, capture_output=True, text=True).returncode
print(verdicts)
sys.exit(0 if verdicts == {"true": 1, "": 77} else 1)
