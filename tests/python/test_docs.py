# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Every ```python block of docs/python.md runs, in order, in one namespace that holds a server
chain for localhost (chain_pem, key_pem) and its root (ca_pem)."""

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_python_md_blocks_run(pki):
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.M | re.S)
    assert len(blocks) >= 5
    namespace = {"chain_pem": pki.server.chain_pem, "key_pem": pki.server.key_pem,
                 "ca_pem": pki.ca.cert_pem}
    output = io.StringIO()
    for number, block in enumerate(blocks, 1):
        with contextlib.redirect_stdout(output):
            exec(compile(block, f"docs/python.md block {number}", "exec"), namespace)
    text = output.getvalue()
    assert "HTTP/1.0 200 OK" in text
    assert "rejected: " in text and "is not the pinned one" in text
    assert "asked for localhost" in text
    assert "server got access_denied level 2" in text
