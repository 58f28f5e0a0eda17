#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls client` against `gnutls-serv` on 127.0.0.1, for every available engine.

gnutls-serv has no option to choose its listening address, so it runs with the bind shim
(bind_loopback.c) pinning it to 127.0.0.1; the harness checks /proc/net/tcp{,6} too.
"""

import json

import interop_lib as lib

lib.init()
lib.require_peers("openssl", "gnutls-serv", bind_shim_needed=True)

GET = "GET / HTTP/1.0\r\n\r\n"
TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"


@lib.per_engine
class ClientAgainstGnuTLSServer(lib.InteropTest):

    # gnutls-serv without TLS 1.3 enabled does not parse supported_versions; it finds none of a
    # TLS 1.3-only ClientHello's suites usable and answers handshake_failure, not
    # protocol_version; the client names its TLS 1.3-only offer as the likely reason.
    TLS12_ONLY_SERVER_REFUSAL = (r"^sanstls client: the peer sent a fatal handshake_failure alert "
                                 r"in answer to our ClientHello; the native engine offers only "
                                 r"TLS 1.3")

    def tls12_unsupported(self, engine, *server_args, cred=None, client_args=()):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that `gnutls-serv <server_args>` (TLS 1.2 only) refuses the engine's
        TLS 1.3-only ClientHello cleanly (lacks_tls12_as_client)."""
        server = self.lacks_tls12_as_client(
            engine, lambda: self.gnutls_server(*server_args, cred=cred), *client_args,
            refusal=self.TLS12_ONLY_SERVER_REFUSAL)
        if server is None:
            return False
        server.wait_for(r"Error in handshake: No supported cipher suites have been found",
                        key="stderr")
        return True

    def echo(self, engine, priority, *client_args, server_args=(), cred=None):
        server, port = self.gnutls_server("--echo", "--priority", priority, *server_args,
                                          cred=cred)
        client = self.sanstls_client(engine, port, "--json", *client_args)
        lines = ["hello gnutls", "y" * 5000, "last line"]
        for line in lines:
            client.send(line + "\n")
            client.wait_for(line + "\n")
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertEqual(client.stdout, "".join(line + "\n" for line in lines))
        return server, json.loads(client.stderr.splitlines()[0])

    def engine_tls13_echo(self, engine):
        server, summary = self.echo(engine, TLS13 + ":-CIPHER-ALL:+CHACHA20-POLY1305")
        self.assertEqual(summary["engine"], engine)
        self.assertEqual(summary["version"], "TLS 1.3")
        self.assertEqual(summary["cipher_suite"], "TLS_CHACHA20_POLY1305_SHA256")
        self.assertTrue(summary["peer_verified"])
        server.wait_for(r"Version: TLS1\.3")
        server.wait_for(r"Given server name\[1\]: localhost")

    def engine_tls12_echo(self, engine):
        if self.tls12_unsupported(engine, "--echo", "--priority",
                                  TLS12 + ":-CIPHER-ALL:+AES-256-GCM"):
            return
        server, summary = self.echo(engine, TLS12 + ":-CIPHER-ALL:+AES-256-GCM")
        self.assertEqual(summary["version"], "TLS 1.2")
        self.assertEqual(summary["cipher_suite"], "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        server.wait_for(r"Version: TLS1\.2")
        server.wait_for(r"extended master secret")

    def engine_tls12_rsa_echo(self, engine):
        if self.tls12_unsupported(engine, "--echo", "--priority",
                                  TLS12 + ":-CIPHER-ALL:+AES-128-GCM", cred=self.pki.server_rsa):
            return
        _, summary = self.echo(engine, TLS12 + ":-CIPHER-ALL:+AES-128-GCM",
                               cred=self.pki.server_rsa)
        self.assertEqual(summary["version"], "TLS 1.2")
        self.assertEqual(summary["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")

    def engine_tls13_rsa_echo(self, engine):
        _, summary = self.echo(engine, TLS13, cred=self.pki.server_rsa)
        self.assertEqual(summary["version"], "TLS 1.3")

    def http(self, engine, priority, *client_args, server_args=()):
        server, port = self.gnutls_server("--http", "--priority", priority, *server_args)
        client = self.sanstls_client(engine, port, "--json", *client_args)
        client.send(GET)
        client.wait_for(r"</HTML>")
        client.close_stdin()
        self.assertExit(client, 0)
        return client.stdout, json.loads(client.stderr.splitlines()[0])

    def engine_tls13_http(self, engine):
        page, summary = self.http(engine, TLS13)
        self.assertEqual(summary["version"], "TLS 1.3")
        self.assertIn("<TD>Protocol version:</TD><TD>TLS1.3</TD>", page)
        self.assertIn("Server Name: localhost", page)

    def engine_tls12_http(self, engine):
        if self.tls12_unsupported(engine, "--http", "--priority", TLS12):
            return
        page, summary = self.http(engine, TLS12)
        self.assertEqual(summary["version"], "TLS 1.2")
        self.assertIn("<TD>Protocol version:</TD><TD>TLS1.2</TD>", page)

    def engine_alpn(self, engine):
        for priority in (TLS13, TLS12):
            with self.subTest(priority=priority):
                if priority == TLS12 and self.tls12_unsupported(
                        engine, "--http", "--priority", priority, "--alpn", "http/1.1",
                        client_args=["--alpn", "h2,http/1.1"]):
                    continue
                _, summary = self.http(engine, priority, "--alpn", "h2,http/1.1",
                                       server_args=["--alpn", "http/1.1"])
                self.assertEqual(summary["alpn"], "http/1.1")

    def engine_client_certificate(self, engine):
        """gnutls-serv --require-client-cert --x509cafile: the client's certificate verifies."""
        for priority in (TLS13, TLS12):
            with self.subTest(priority=priority):
                client_args = ["--cert", self.pki.client.cert, "--key", self.pki.client.key]
                server_args = ["--require-client-cert", "--x509cafile", self.pki.ca]
                if priority == TLS12 and self.tls12_unsupported(
                        engine, "--echo", "--priority", priority, *server_args,
                        client_args=client_args):
                    continue
                server, _ = self.echo(engine, priority, *client_args, server_args=server_args)
                server.wait_for(r"Subject: CN=client\.example")

    def engine_tls11_server_refused(self, engine):
        """A TLS 1.1-only gnutls-serv ignores supported_versions (it has no TLS 1.3 enabled),
        but finds none of the client's AEAD suites usable in TLS 1.1: handshake_failure."""
        server, port = self.gnutls_server("--echo", "--priority",
                                          "NORMAL:-VERS-ALL:+VERS-TLS1.1")
        client = self.sanstls_client(engine, port)
        client.close_stdin()
        self.assertExit(client, 4)
        self.assertRegex(client.stderr, r"^sanstls client: .*handshake_failure")
        self.assertEqual(client.stdout, "")

    def refused_tls12_server(self, engine, priority, message):
        """A TLS 1.2 gnutls-serv that lacks something sanstls requires: the client refuses it
        during the handshake (exit 4), relays nothing, and says what is missing."""
        if self.tls12_unsupported(engine, "--echo", "--priority", priority):
            return
        server, port = self.gnutls_server("--echo", "--priority", priority)
        client = self.sanstls_client(engine, port)
        client.send("must not arrive\n")
        client.close_stdin()
        self.assertExit(client, 4)
        self.assertEqual(client.stdout, "")
        self.assertRegex(client.stderr, r"^sanstls client: " + message)

    def engine_tls12_server_without_extended_master_secret(self, engine):
        """RFC 7627 §5.3: sanstls clients abort a TLS 1.2 handshake with a server that does not
        negotiate the extended master secret (issue 12, item 9)."""
        self.refused_tls12_server(
            engine, TLS12 + ":%NO_SESSION_HASH",
            r"the server does not support the extended master secret \(RFC 7627\), which "
            r"sanstls requires for TLS 1\.2")

    def engine_tls12_server_without_secure_renegotiation(self, engine):
        """RFC 5746 §4.1: a client that connects only to servers supporting secure renegotiation
        terminates when the TLS 1.2 ServerHello lacks renegotiation_info; every sanstls client
        does (issue 13)."""
        self.refused_tls12_server(
            engine, TLS12 + ":%DISABLE_SAFE_RENEGOTIATION",
            r".*secure renegotiation.*\(RFC 5746\)")

    def engine_tls13_server_without_secure_renegotiation(self, engine):
        """RFC 5746 does not apply to TLS 1.3: a TLS 1.3 server that never sends
        renegotiation_info is fine."""
        self.echo(engine, TLS13 + ":%DISABLE_SAFE_RENEGOTIATION")

    def engine_wrong_name(self, engine):
        server, port = self.gnutls_server("--echo")
        client = self.sanstls_client(engine, port, servername="other.example")
        client.close_stdin()
        self.assertExit(client, 3)
        self.assertIn("does not match requested name 'other.example'", client.stderr)

    def engine_expired(self, engine):
        server, port = self.gnutls_server("--echo", cred=self.pki.expired)
        client = self.sanstls_client(engine, port)
        client.close_stdin()
        self.assertExit(client, 3)
        self.assertIn("expired on 2021-01-01", client.stderr)


if __name__ == "__main__":
    lib.main()
