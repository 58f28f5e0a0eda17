# SPDX-License-Identifier: Apache-2.0 OR MIT
"""A process that forks after using a configuration (multiprocessing's "fork" start method, a
pre-forking server): the child's sessions never repeat the parent's randomness."""

import os

import pytest

from sanstls import ClientTLS

from conftest import ENGINES


def client_hello_random(client):
    """The 32-byte random of the ClientHello a new session sends (RFC 8446 §4.1.2): after the
    record header (5 bytes), the handshake header (4) and legacy_version (2)."""
    sent = bytearray()
    client.start(sent.extend)
    assert len(sent) >= 43
    return bytes(sent[11:43])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_forked_child_never_repeats_its_parents_client_hello_random(pki, engine):
    client = ClientTLS("localhost", pki.trust(), backend=engine)
    first = client_hello_random(client)  # the engine has drawn randomness now
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest here, only the bytes and an exit status
        status = 1
        try:
            os.close(read_end)
            os.write(write_end, client_hello_random(client))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        from_child = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the child's session failed"
    assert len(from_child) == 32
    parent_next = client_hello_random(client)
    assert from_child != parent_next, "the child sent the parent's next ClientHello random"
    assert first not in (from_child, parent_next)
