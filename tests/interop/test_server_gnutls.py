#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls server` on 127.0.0.1 against `gnutls-cli`, for every available engine."""

import interop_lib as lib

lib.init()
lib.require_peers("openssl", "gnutls-cli")

GET = "GET / HTTP/1.0\r\n\r\n"
TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
READY = r"- Simple Client Mode:"


@lib.per_engine
class GnuTLSClientAgainstServer(lib.InteropTest):

    def gnutls_cli(self, port, *args):
        # 127.0.0.1 explicitly (never a name that might resolve elsewhere); SNI and the name
        # check still use "localhost".
        return self.peer(["gnutls-cli", "-p", str(port), "--x509cafile", self.pki.ca,
                          "--sni-hostname", "localhost", "--verify-hostname", "localhost",
                          *args, "127.0.0.1"], name="gnutls-cli")

    def tls12_unsupported(self, engine, priority=TLS12, *client_args, server_args=(),
                          mode="--http"):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that the engine's server refuses `gnutls-cli --priority <priority>`
        (TLS 1.2 only) with a protocol_version alert and logs its limit
        (lacks_tls12_as_server)."""
        def connect(port):
            client = self.gnutls_cli(port, "--priority", priority, *client_args)
            client.close_stdin()
            code = client.wait()
            self.check(code != 0, "gnutls-cli succeeded with TLS 1.2")
            self.assertIn("*** Received alert [70]: Error in protocol version", client.stdout)
        return self.lacks_tls12_as_server(engine, connect, *server_args,
                                          mode=mode) is not None

    def http(self, engine, priority, *client_args, server_args=()):
        server, port = self.sanstls_server(engine, *server_args)
        client = self.gnutls_cli(port, "--priority", priority, *client_args)
        client.wait_for(READY)
        client.send(GET)
        client.wait_for(r"client_certificate: .*\n")
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertIn("Status: The certificate is trusted.", client.stdout)
        self.assertIn(f"engine: {engine}\n", client.stdout)
        return server, client.stdout

    def engine_http_tls13(self, engine):
        server, out = self.http(engine, TLS13 + ":-CIPHER-ALL:+AES-256-GCM")
        self.assertIn("version: TLS 1.3\ncipher_suite: TLS_AES_256_GCM_SHA384\n", out)
        self.assertIn("server_name: localhost\n", out)
        self.server_log(server, r"sanstls server: TLS 1\.3, TLS_AES_256_GCM_SHA384")

    def engine_http_tls12(self, engine):
        priority = TLS12 + ":-CIPHER-ALL:+CHACHA20-POLY1305"
        if self.tls12_unsupported(engine, priority):
            return
        _, out = self.http(engine, priority)
        self.assertIn("version: TLS 1.2\n"
                      "cipher_suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n", out)

    def engine_http_tls12_group_p256(self, engine):
        priority = TLS12 + ":-GROUP-ALL:+GROUP-SECP256R1"
        if self.tls12_unsupported(engine, priority):
            return
        _, out = self.http(engine, priority)
        self.assertIn("group: secp256r1\n", out)

    def engine_alpn(self, engine):
        _, out = self.http(engine, TLS13, "--alpn", "h2", "--alpn", "http/1.1",
                           server_args=["--alpn", "http/1.1"])
        self.assertIn("alpn: http/1.1\n", out)
        self.assertIn("- Application protocol: http/1.1", out)

    def engine_client_certificate(self, engine):
        for priority in (TLS13, TLS12):
            with self.subTest(priority=priority):
                client_args = ["--x509certfile", self.pki.client.cert,
                               "--x509keyfile", self.pki.client.key]
                server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
                if priority == TLS12 and self.tls12_unsupported(engine, priority, *client_args,
                                                                server_args=server_args):
                    continue
                _, out = self.http(engine, priority, *client_args, server_args=server_args)
                self.assertIn("client_certificate: CN=client.example\n", out)

    def engine_client_without_secure_renegotiation(self, engine):
        """Clients that send no RFC 5746 signalling (neither renegotiation_info nor the SCSV) are
        accepted by every server engine, in TLS 1.3 (to which RFC 5746 does not apply) and in
        TLS 1.2 (a server that never renegotiates is not exposed, RFC 5746 §4.4). Issue 13: the
        GnuTLS engine refused them."""
        for priority in (TLS13, TLS12):
            priority += ":%DISABLE_SAFE_RENEGOTIATION"
            with self.subTest(priority=priority):
                if "TLS1.2" in priority and self.tls12_unsupported(engine, priority):
                    continue
                server, out = self.http(engine, priority)
                self.assertIn("version: TLS 1.%s\n" % ("3" if "TLS1.3" in priority else "2"),
                              out)
                self.assertNotIn("handshake failed", server.stderr)

    def engine_client_certificate_refused(self, engine):
        """Untrusted, expired and serverAuth-only client certificates (REFUSED_CLIENT_CERTIFICATES)
        in TLS 1.3 and TLS 1.2: gnutls-cli fails and prints the server's alert by number."""
        server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
        for bad in lib.REFUSED_CLIENT_CERTIFICATES:
            cred = bad.credential(self.pki)
            client_args = ["--x509certfile", cred.cert, "--x509keyfile", cred.key]
            for priority in (TLS13, TLS12):
                with self.subTest(certificate=bad.name, priority=priority):
                    if priority == TLS12 and self.tls12_unsupported(engine, priority, *client_args,
                                                                    server_args=server_args):
                        continue
                    server, port = self.sanstls_server(engine, *server_args)
                    client = self.gnutls_cli(port, "--priority", priority, *client_args)
                    client.send(GET)
                    client.close_stdin()
                    code = client.wait()
                    self.check(code != 0, f"gnutls-cli succeeded with the {bad.name} certificate")
                    self.assertRegex(client.stdout + client.stderr,
                                     rf"Received alert \[{bad.number}\]")
                    self.assertNotIn("HTTP/1.1 200 OK", client.stdout)
                    self.server_log(server, bad.server_log)

    def echo(self, engine, priority):
        server, port = self.sanstls_server(engine, mode="--echo")
        client = self.gnutls_cli(port, "--priority", priority)
        client.wait_for(READY)
        lines = ["hello from gnutls-cli", "q" * 8000, "bye"]
        for line in lines:
            client.send(line + "\n")
            client.wait_for(line + "\n")
        client.close_stdin()
        self.assertExit(client, 0)
        return server

    def engine_echo_tls13(self, engine):
        server = self.echo(engine, TLS13)
        self.server_log(server, r"sanstls server: TLS 1\.3")

    def engine_echo_tls12(self, engine):
        if self.tls12_unsupported(engine, mode="--echo"):
            return
        server = self.echo(engine, TLS12)
        self.server_log(server, r"sanstls server: TLS 1\.2")

    def engine_tls11_refused(self, engine):
        server, port = self.sanstls_server(engine)
        client = self.gnutls_cli(port, "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.1")
        client.close_stdin()
        code = client.wait()
        self.check(code != 0, "gnutls-cli succeeded with TLS 1.1")
        self.assertRegex(client.stdout + client.stderr, r"(?i)protocol.version|not supported")
        self.server_log(server, r"handshake failed: the peer offered only (TLS 1\.0 and )?"
                                r"TLS 1\.1; sanstls requires TLS 1\.2 or newer")


if __name__ == "__main__":
    lib.main()
