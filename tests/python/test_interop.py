# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Against real peers over sockets on 127.0.0.1: openssl s_server and s_client."""

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

import sanstls
from sanstls import ClientTLS, ServerTLS

from conftest import ENGINES

if shutil.which("openssl") is None:  # the PKI itself needs it: a hard failure, not a skip
    raise RuntimeError("the openssl program is required (Debian: openssl)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port, deadline):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def drive(sock, session, until):
    """Reads from the socket into the session until `until()` is true."""
    received = b""
    while not until(received):
        chunk = sock.recv(65536)
        if not chunk:
            session.receive_eof()
            break
        received += session.receive_data(chunk)
    return received


@pytest.mark.parametrize("engine", ENGINES)
def test_client_against_openssl_s_server(pki, engine):
    port = free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(pki.server.cert),
         "-key", str(pki.server.key), "-cert_chain", str(pki.server.chain), "-www", "-quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with connect(port, time.monotonic() + 20) as sock:
            client = ClientTLS("localhost", pki.trust(), backend=engine)
            session = client.start(sock.sendall)
            session.write_data(b"GET / HTTP/1.0\r\n\r\n")  # queued until the handshake is done
            body = drive(sock, session, lambda data: b"</HTML>" in data.upper())
        assert b"HTTP/1.0 200 ok" in body
        assert session.info.peer_certificates[0].subject == "CN=localhost"
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("engine", ENGINES)
def test_server_against_openssl_s_client(pki, engine):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    result = {}

    def serve():
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(20)
                server = ServerTLS(pki.server.certificates(), backend=engine)
                session = server.start(conn.sendall)
                line = drive(conn, session, lambda data: b"\n" in data)
                session.write_data(b"echo: " + line)
                session.finish()
                result["line"] = line
                result["version"] = session.info.version
        except Exception as error:  # reported by the main thread
            result["error"] = error

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        client = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
             "localhost", "-CAfile", str(pki.ca.cert), "-verify_return_error", "-quiet"],
            input=b"hello sanstls\n", capture_output=True, timeout=60)
    finally:
        thread.join(30)
        listener.close()
    assert "error" not in result, result.get("error")
    assert result["line"] == b"hello sanstls\n"
    assert b"echo: hello sanstls" in client.stdout, client.stderr.decode(errors="replace")
