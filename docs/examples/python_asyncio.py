# SPDX-License-Identifier: Apache-2.0 OR MIT
"""An asyncio echo server and client on sanstls (docs/python.md).

sanstls does no I/O: an asyncio Protocol feeds what the transport received into
Session.receive_data() and hands the session's write_callback to transport.write. The same
Protocol shape fits any event loop.

    python3 python_asyncio.py --chain chain.pem --key key.pem --ca ca.pem [--backend native]

starts the echo server on 127.0.0.1 (a free port), connects the client, sends a line, prints
the echo and the negotiated parameters, and closes both ends cleanly.
"""

import argparse
import asyncio

import sanstls


class TLSProtocol(asyncio.Protocol):
    """Runs one sanstls session over an asyncio transport."""

    def __init__(self, start_session):
        self._start_session = start_session
        self.transport = None
        self.session = None

    def connection_made(self, transport):
        self.transport = transport
        # The client's ClientHello goes out through transport.write before this returns.
        self.session = self._start_session(transport.write, self._close)

    def _close(self, immediate):
        # The session is done with the transport; asyncio's close() flushes what was written,
        # abort() does not.
        if immediate:
            self.transport.abort()
        else:
            self.transport.close()

    def data_received(self, data):
        try:
            application_data = self.session.receive_data(data)
        except sanstls.TLSError as error:
            self.tls_failed(error)
            self.transport.close()
            return
        if application_data:
            self.tls_data_received(application_data)
        if self.session.state == "peer_closed":
            self.session.finish()  # answer the peer's close_notify with ours

    def eof_received(self):
        try:
            self.session.receive_eof()
        except sanstls.TLSError as error:
            self.tls_failed(error)
        return False

    def tls_data_received(self, data):
        pass

    def tls_failed(self, error):
        print(f"TLS failed: {type(error).__name__}: {error}")


class EchoServer(TLSProtocol):
    def tls_data_received(self, data):
        self.session.write_data(data)


class EchoClient(TLSProtocol):
    def __init__(self, start_session, message, done):
        super().__init__(start_session)
        self.message = message
        self.done = done
        self.received = b""

    def connection_made(self, transport):
        super().connection_made(transport)
        # Allowed right after start(): sent once the handshake completes.
        self.session.write_data(self.message)

    def tls_data_received(self, data):
        self.received += data
        if self.received.endswith(b"\n"):
            info = self.session.info
            print(f"echo: {self.received.decode().strip()}")
            print(f"negotiated: {info.version}, {info.cipher_suite}, {info.group}, "
                  f"engine {info.backend}, server {info.peer_certificates[0].subject}")
            self.session.finish()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(self.received)


async def main(options):
    chain = sanstls.load_pem_chain(open(options.chain).read(), open(options.key).read())
    server_tls = sanstls.ServerTLS(chain, backend=options.backend)
    trust = sanstls.TrustStore.from_pem_file(options.ca)
    client_tls = sanstls.ClientTLS("localhost", trust, backend=options.backend)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: EchoServer(lambda write, close: server_tls.start(write, close_callback=close)),
        "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    done = loop.create_future()
    await loop.create_connection(
        lambda: EchoClient(lambda write, close: client_tls.start(write, close),
                           b"hello through sanstls\n", done),
        "127.0.0.1", port)
    received = await asyncio.wait_for(done, 30)
    server.close()
    await server.wait_closed()
    return received


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--backend", default="openssl")
    received = asyncio.run(main(parser.parse_args()))
    raise SystemExit(0 if received == b"hello through sanstls\n" else 1)
