# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Threads: the GIL is released while an engine works; sessions on different threads run at
once (one session is used by one thread at a time)."""

import threading
import time

import pytest

from sanstls import ClientTLS, ServerTLS

from conftest import ENGINES


@pytest.mark.parametrize("engine", ENGINES)
def test_the_gil_is_released_while_the_engine_encrypts(pki, make_pair, engine):
    pair = make_pair(ClientTLS("localhost", pki.trust(), backend=engine),
                     ServerTLS(pki.server.certificates(), backend=engine))
    pair.handshake()
    data = b"x" * (8 << 20)
    verdicts = []
    for _ in range(3):  # a loaded machine may starve the ticker once; the GIL would every time
        stop = threading.Event()
        ticks = []

        def ticker():
            while not stop.is_set():
                ticks.append(time.monotonic())

        thread = threading.Thread(target=ticker)
        thread.start()
        time.sleep(0.02)
        begin = time.monotonic()
        pair.client.write_data(data)  # 8 MiB to encrypt in C++, then one write callback
        end = time.monotonic()
        stop.set()
        thread.join()
        pair.client_out.clear()
        inside = [t for t in ticks if begin <= t <= end]
        duration = end - begin
        first = inside[0] - begin if inside else duration
        verdicts.append((round(duration, 3), round(first, 3), len(inside)))
        # The engine encrypts first, then calls the write callback once. With the GIL held the
        # ticker runs only once Python code (the callback) runs again: its first tick comes
        # after the encryption, most of the call (measured: 70-80% of it). Released, it ticks
        # from the start.
        if inside and first < duration / 4:
            return
    pytest.fail(f"the ticker thread did not run while the engine worked: {verdicts}")


@pytest.mark.parametrize("engine", ENGINES)
def test_sessions_on_several_threads(pki, make_pair, engine):
    # One configuration per thread, made and dropped inside it. Dropping a configuration whose
    # sessions ran on other threads crashes the process when those threads exit, on the
    # OpenSSL and native engines (OpenSSL's per-thread cleanup reads the configuration's freed
    # library context; seen with the GIL held throughout too): a core problem reported with
    # issue 18, not covered here.
    chain = pki.server.certificates()
    trust = pki.trust()
    errors = []

    def run():
        try:
            client = ClientTLS("localhost", trust, backend=engine)
            server = ServerTLS(chain, backend=engine)
            for i in range(10):
                pair = make_pair(client, server)
                pair.client.write_data(b"hello %d" % i)
                pair.handshake()
                assert pair.server_data == b"hello %d" % i
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
