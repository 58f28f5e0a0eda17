# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Bad input never crashes the interpreter: random and mutated bytes into receive_data on every
engine raise TLSError subclasses (or are accepted), nothing else. Runs in a child interpreter so
that a crash is reported as a failure with its signal instead of killing the test run."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ENGINES

FUZZ = textwrap.dedent("""
    import random, sys
    import sanstls
    engine, chain, key, ca, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    chain = sanstls.load_pem_chain(open(chain).read(), open(key).read())
    trust = sanstls.TrustStore.from_pem(open(ca).read())
    server_tls = sanstls.ServerTLS(chain, backend=engine)
    client_tls = sanstls.ClientTLS("localhost", trust, backend=engine)
    # A real ClientHello and server flight to mutate.
    c_out, s_out = bytearray(), bytearray()
    client = client_tls.start(c_out.extend)
    server = server_tls.start(s_out.extend)
    server.receive_data(bytes(c_out))
    hello, flight = bytes(c_out), bytes(s_out)
    outcomes = {}
    for i in range(300):
        kind = i % 3
        if kind == 0:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
        else:
            base = bytearray(hello if kind == 1 else flight)
            for _ in range(rng.randrange(1, 8)):
                base[rng.randrange(len(base))] = rng.getrandbits(8)
            data = bytes(base[:rng.randrange(1, len(base) + 1)])
        out = bytearray()
        if kind == 2:
            session = client_tls.start(out.extend)
        else:
            session = server_tls.start(out.extend)
        try:
            for start in range(0, len(data), 97):
                session.receive_data(data[start:start + 97])
            outcome = "accepted"
        except sanstls.TLSError as error:
            outcome = type(error).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(sorted(outcomes.items()))
""")


@pytest.mark.parametrize("engine", ENGINES)
def test_random_bytes_never_crash(pki, engine):
    done = subprocess.run(
        [sys.executable, "-c", FUZZ, engine, str(pki.server.chain), str(pki.server.key),
         str(pki.ca.cert), "18"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "BadTLSDataError" in done.stdout or "TLSAlertError" in done.stdout, done.stdout
