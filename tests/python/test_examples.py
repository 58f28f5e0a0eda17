# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The documented Python examples run: docs/examples/python_asyncio.py (asyncio echo)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENGINES

EXAMPLES = Path(os.environ.get("SANSTLS_EXAMPLES",
                               Path(__file__).resolve().parents[2] / "docs" / "examples"))


@pytest.mark.parametrize("engine", ENGINES)
def test_asyncio_echo_example(pki, engine):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "python_asyncio.py"), "--chain", str(pki.server.chain),
         "--key", str(pki.server.key), "--ca", str(pki.ca.cert), "--backend", engine],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "echo: hello through sanstls" in done.stdout
    assert f"engine {engine}" in done.stdout
