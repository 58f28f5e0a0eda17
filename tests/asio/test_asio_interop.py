#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""sanstls::asio::stream against real peers on 127.0.0.1, for every available engine: its
client against `openssl s_server -www` and `gnutls-serv --http`, its server against `curl` and
`openssl s_client` (the program is tests/asio/asio_peer.cpp). A missing peer program fails the
test (scripts/install-deps.sh installs them all); it is never skipped."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))

import interop_lib as lib  # noqa: E402

parser = argparse.ArgumentParser(add_help=False)
parser.add_argument("--asio-peer", required=True)
ARGS, sys.argv[1:] = parser.parse_known_args(sys.argv[1:])
lib.init()


@lib.per_engine
class AsioAgainstRealPeers(lib.InteropTest):

    def require(self, *tools):
        missing = lib.tool_missing(*tools)
        if missing:
            self.fail(f"{missing} (scripts/install-deps.sh installs it)")

    def asio_client(self, engine, port):
        return self.peer([ARGS.asio_peer, "client", engine, port, self.pki.ca],
                         name=f"asio_peer client ({engine})", stdin=False)

    def asio_server(self, engine):
        server = self.peer([ARGS.asio_peer, "server", engine, self.pki.server.cert,
                            self.pki.server.key], name=f"asio_peer server ({engine})",
                           stdin=False)
        port = int(server.wait_for(r"port (\d+)\n").group(1))
        lib.wait_listening(port, server)
        return server, port

    def engine_client_against_openssl_s_server(self, engine):
        self.require("openssl")
        server, port = self.openssl_server("-www")
        client = self.asio_client(engine, port)
        self.assertExit(client, 0)
        self.assertRegex(client.stdout, r"^HTTP/1\.0 200 ok\r\n")
        self.assertIn("Ciphers supported in s_server binary", client.stdout)
        self.assertIn("eof (the server's close_notify)", client.stderr)

    def engine_client_against_gnutls_serv(self, engine):
        self.require("gnutls-serv")
        server, port = self.gnutls_server("--http")
        client = self.asio_client(engine, port)
        self.assertExit(client, 0)
        self.assertRegex(client.stdout, r"^HTTP/1\.0 200 OK\r\n")
        self.assertIn("GnuTLS</a></H1>", client.stdout)
        self.assertIn("<p>Server Name: localhost</p>", client.stdout)

    def engine_server_against_curl(self, engine):
        self.require("curl")
        server, port = self.asio_server(engine)
        curl = self.peer(["curl", "--silent", "--show-error", "--cacert", self.pki.ca,
                          "--resolve", f"localhost:{port}:127.0.0.1", f"https://localhost:{port}/"],
                         name="curl", stdin=False)
        self.assertExit(curl, 0)
        self.assertEqual(curl.stdout, f"hello from sanstls::asio ({engine})\n")
        self.assertExit(server, 0)

    def engine_server_against_openssl_s_client(self, engine):
        self.require("openssl")
        server, port = self.asio_server(engine)
        client = self.peer(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                            "-servername", "localhost", "-CAfile", self.pki.ca,
                            "-verify_return_error", "-ign_eof"], name="openssl s_client")
        client.send("GET / HTTP/1.0\r\n\r\n")
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertIn(f"hello from sanstls::asio ({engine})", client.stdout)
        self.assertIn("Verify return code: 0 (ok)", client.stdout)
        self.assertExit(server, 0)
        server.wait_for(r"shutdown: clean \(both close_notify\)", key="stderr")


if __name__ == "__main__":
    lib.main()
