#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls server` on 127.0.0.1 against `openssl s_client`, for every available engine."""

import interop_lib as lib

lib.init()
lib.require_peers("openssl")

GET = "GET / HTTP/1.0\r\n\r\n"
HANDSHAKE_DONE = r"Verify return code: 0 \(ok\)"


@lib.per_engine
class OpenSSLClientAgainstServer(lib.InteropTest):

    def s_client(self, port, *args, verify=True):
        argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                "localhost", *args]
        if verify:
            argv += ["-CAfile", self.pki.ca, "-verify_return_error", "-verify_hostname",
                     "localhost"]
        return self.peer(argv, name="openssl s_client")

    def tls12_unsupported(self, engine, *client_args, server_args=(), mode="--http", cred=None):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that the engine's server refuses `s_client -tls1_2 <client_args>`
        with a protocol_version alert and logs its limit (lacks_tls12_as_server)."""
        def connect(port):
            client = self.s_client(port, "-tls1_2", *client_args, verify=False)
            client.close_stdin()
            code = client.wait()
            self.check(code != 0, "s_client succeeded with TLS 1.2")
            self.assertIn("alert protocol version", client.stderr)
        return self.lacks_tls12_as_server(engine, connect, *server_args, mode=mode,
                                          cred=cred) is not None

    def http(self, engine, *client_args, server_args=(), cred=None):
        """s_client -ign_eof sends a request and reads until the server closes."""
        server, port = self.sanstls_server(engine, *server_args, cred=cred)
        client = self.s_client(port, "-ign_eof", *client_args)
        client.wait_for(HANDSHAKE_DONE)
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertIn("HTTP/1.1 200 OK", client.stdout)
        self.assertIn(f"engine: {engine}\n", client.stdout)
        return server, client.stdout

    def engine_http_tls13(self, engine):
        server, out = self.http(engine, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384")
        self.assertIn("version: TLS 1.3\ncipher_suite: TLS_AES_256_GCM_SHA384\n", out)
        self.assertIn("server_name: localhost\n", out)
        self.assertIn("New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384", out)
        self.server_log(server, r"sanstls server: TLS 1\.3, TLS_AES_256_GCM_SHA384")

    def engine_http_tls12(self, engine):
        if self.tls12_unsupported(engine, "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"):
            return
        server, out = self.http(engine, "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")
        self.assertIn("version: TLS 1.2\n"
                      "cipher_suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n", out)
        self.assertIn("New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305", out)
        # sanstls requires the extended master secret in TLS 1.2.
        self.assertIn("Extended master secret: yes", out)

    def engine_http_tls12_rsa(self, engine):
        if self.tls12_unsupported(engine, cred=self.pki.server_rsa):
            return
        _, out = self.http(engine, "-tls1_2", cred=self.pki.server_rsa)
        self.assertRegex(out, r"cipher_suite: TLS_ECDHE_RSA_WITH_")

    def engine_http_group_p384(self, engine):
        _, out = self.http(engine, "-tls1_3", "-groups", "P-384")
        self.assertIn("group: secp384r1\n", out)

    def exported_by_both(self, engine, *client_args):
        """s_client -keymatexport against `sanstls server --export`: both print the same keying
        material (RFC 5705 / RFC 8446 §7.5); returns it."""
        label = "EXPORTER-Channel-Binding"
        server, port = self.sanstls_server(engine, "--export", f"{label}:32")
        client = self.s_client(port, "-ign_eof", "-keymatexport", label, "-keymatexportlen", "32",
                               *client_args)
        theirs = client.wait_for(r"Keying material: ([0-9A-F]+)\n").group(1)
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 0)
        ours = self.server_log(server, rf"keying material \({label}\): ([0-9A-F]+)\n").group(1)
        self.assertEqual(len(ours), 64)
        self.assertEqual(ours, theirs)
        return ours

    def engine_exporter_tls13(self, engine):
        self.exported_by_both(engine, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384")

    def engine_exporter_tls12(self, engine):
        if self.tls12_unsupported(engine):
            return
        self.exported_by_both(engine, "-tls1_2")

    def engine_tls11_refused(self, engine):
        server, port = self.sanstls_server(engine)
        client = self.s_client(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", verify=False)
        client.close_stdin()
        code = client.wait()
        self.check(code != 0, "s_client succeeded with TLS 1.1")
        self.assertIn("alert protocol version", client.stderr)
        self.server_log(server, r"handshake failed: the peer offered only (TLS 1\.0 and )?"
                                r"TLS 1\.1; sanstls requires TLS 1\.2 or newer")

    def engine_weak_cipher_refused(self, engine):
        """A TLS 1.2 client offering only CBC suites finds nothing in common; an engine without
        TLS 1.2 refuses the version first (protocol_version) and names its limit."""
        server, port = self.sanstls_server(engine)
        client = self.s_client(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256",
                               verify=False)
        client.close_stdin()
        code = client.wait()
        self.check(code != 0, "s_client succeeded with a CBC-only offer")
        if lib.speaks(engine, "TLS 1.2"):
            self.assertIn("alert handshake failure", client.stderr)
            self.server_log(server, r"handshake failed: no cipher suite in common")
        else:
            self.assertIn("alert protocol version", client.stderr)
            self.server_log(server, self.SERVER_TLS12_REFUSAL.format(engine=engine))

    # -- echo --

    def echo(self, engine, *client_args, server_args=()):
        server, port = self.sanstls_server(engine, *server_args, mode="--echo")
        client = self.s_client(port, *client_args)
        client.wait_for(HANDSHAKE_DONE)
        lines = ["ping from s_client", "z" * 10000, "the end"]
        for line in lines:
            client.send(line + "\n")
            client.wait_for(line + "\n" if len(line) < 100 else line)
        client.close_stdin()  # s_client answers EOF with close_notify
        self.assertExit(client, 0)
        self.assertIn("DONE", client.stdout + client.stderr)
        # s_client closed with close_notify: the server saw no truncation.
        self.assertNotIn("truncated", server.stderr)
        return server

    def engine_echo_tls13(self, engine):
        server = self.echo(engine, "-tls1_3")
        self.server_log(server, r"sanstls server: TLS 1\.3")

    def engine_echo_tls12(self, engine):
        if self.tls12_unsupported(engine, mode="--echo"):
            return
        server = self.echo(engine, "-tls1_2")
        self.server_log(server, r"sanstls server: TLS 1\.2")

    # -- ALPN --

    def engine_alpn_agreed(self, engine):
        _, out = self.http(engine, "-alpn", "http/1.1", server_args=["--alpn", "h2,http/1.1"])
        self.assertIn("ALPN protocol: http/1.1", out)
        self.assertIn("alpn: http/1.1\n", out)

    def engine_alpn_no_overlap(self, engine):
        """s_client -alpn foo against a server that speaks only http/1.1: RFC 7301 §3.2
        no_application_protocol alert; s_client fails."""
        for version in ("-tls1_3", "-tls1_2"):
            with self.subTest(version=version):
                if version == "-tls1_2" and self.tls12_unsupported(
                        engine, "-alpn", "foo", server_args=["--alpn", "http/1.1"]):
                    continue
                server, port = self.sanstls_server(engine, "--alpn", "http/1.1")
                client = self.s_client(port, version, "-alpn", "foo")
                client.close_stdin()
                code = client.wait()
                self.check(code != 0, "s_client succeeded without a common ALPN protocol")
                self.assertIn("alert no application protocol", client.stderr)
                self.server_log(server, r"handshake failed: the client's ALPN protocols have "
                                        r"none in common with this server's \(http/1\.1\)")

    # -- client certificates --

    def engine_client_certificate(self, engine):
        for version in ("-tls1_3", "-tls1_2"):
            with self.subTest(version=version):
                client_args = ["-cert", self.pki.client.cert, "-key", self.pki.client.key]
                server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
                if version == "-tls1_2" and self.tls12_unsupported(engine, *client_args,
                                                                   server_args=server_args):
                    continue
                _, out = self.http(engine, version, *client_args, server_args=server_args)
                self.assertIn("client_certificate: CN=client.example\n", out)
                # The server named its CA in the CertificateRequest.
                self.assertIn("Acceptable client certificate CA names\nCN = sanstls interop CA",
                              out)

    def engine_client_certificate_missing(self, engine):
        """In TLS 1.3 the refusal (certificate_required) follows s_client's Finished: -ign_eof
        keeps it reading until the alert arrives."""
        server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
        for version in ("-tls1_3", "-tls1_2"):
            with self.subTest(version=version):
                if version == "-tls1_2" and self.tls12_unsupported(engine,
                                                                   server_args=server_args):
                    continue
                server, port = self.sanstls_server(engine, *server_args)
                client = self.s_client(port, version, "-ign_eof")
                client.close_stdin()
                code = client.wait()
                self.check(code != 0, "s_client succeeded without the required certificate")
                if version == "-tls1_3":
                    self.assertIn("alert certificate required", client.stderr)
                self.server_log(server, r"handshake failed: the client sent no certificate, but "
                                        r"this server requires one")

    def engine_client_certificate_refused(self, engine):
        """Untrusted, expired and serverAuth-only client certificates (REFUSED_CLIENT_CERTIFICATES):
        the server logs the verifier's reason and sends its alert, s_client fails with it; TLS 1.3
        (the alert follows s_client's Finished: -ign_eof reads on) and TLS 1.2."""
        server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
        for bad in lib.REFUSED_CLIENT_CERTIFICATES:
            cred = bad.credential(self.pki)
            client_args = ["-cert", cred.cert, "-key", cred.key]
            for version in ("-tls1_3", "-tls1_2"):
                with self.subTest(certificate=bad.name, version=version):
                    if version == "-tls1_2" and self.tls12_unsupported(
                            engine, *client_args, server_args=server_args):
                        continue
                    server, port = self.sanstls_server(engine, *server_args)
                    client = self.s_client(port, version, "-ign_eof", *client_args)
                    client.close_stdin()
                    code = client.wait()
                    self.check(code != 0, f"s_client succeeded with the {bad.name} certificate")
                    self.assertIn(bad.openssl_text, client.stderr)
                    self.assertNotIn("HTTP/1.1 200 OK", client.stdout)
                    self.server_log(server, bad.server_log)


if __name__ == "__main__":
    lib.main()
