#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls server --http` on 127.0.0.1 against curl, for every available engine."""

import interop_lib as lib

lib.init()
lib.require_peers("openssl", "curl")


def body_fields(body):
    """The server's page is `key: value` lines; returns them as a dict."""
    fields = {}
    for line in body.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return fields


@lib.per_engine
class CurlAgainstServer(lib.InteropTest):

    def curl(self, port, *args, expect_exit=0):
        # --resolve pins localhost to 127.0.0.1 (SNI and name check use "localhost").
        client = self.peer(["curl", "--silent", "--show-error", "--max-time", "15",
                            "--noproxy", "*", "--cacert", self.pki.ca,
                            "--resolve", f"localhost:{port}:127.0.0.1", *args,
                            f"https://localhost:{port}/"], name="curl", stdin=False)
        self.assertExit(client, expect_exit, timeout=20)
        return client

    def fetch(self, engine, *curl_args, server_args=(), cred=None):
        server, port = self.sanstls_server(engine, *server_args, cred=cred)
        client = self.curl(port, *curl_args)
        fields = body_fields(client.stdout)
        self.check(client.stdout.startswith("sanstls server\n"),
                   "the body is not the sanstls server page")
        self.assertEqual(fields.get("engine"), engine)
        self.assertEqual(fields.get("server_name"), "localhost")
        return server, fields

    def tls12_unsupported(self, engine, *curl_args, server_args=(), cred=None):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that the engine's server refuses `curl --tls-max 1.2 <curl_args>`
        with a protocol_version alert (curl exit 35) and logs its limit
        (lacks_tls12_as_server)."""
        def connect(port):
            client = self.curl(port, "--tls-max", "1.2", *curl_args, expect_exit=35)
            self.assertRegex(client.stderr, r"alert protocol version")
            self.assertEqual(client.stdout, "")
        return self.lacks_tls12_as_server(engine, connect, *server_args, cred=cred) is not None

    def engine_tls13(self, engine):
        server, fields = self.fetch(engine, "--tlsv1.3")
        self.assertEqual(fields["version"], "TLS 1.3")
        self.assertRegex(fields["cipher_suite"], r"^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|"
                                                 r"CHACHA20_POLY1305_SHA256)$")
        self.assertEqual(fields["client_certificate"], "none")
        self.server_log(server, r"sanstls server: TLS 1\.3, TLS_")

    def engine_tls13_suite(self, engine):
        _, fields = self.fetch(engine, "--tlsv1.3", "--tls13-ciphers",
                               "TLS_CHACHA20_POLY1305_SHA256")
        self.assertEqual(fields["cipher_suite"], "TLS_CHACHA20_POLY1305_SHA256")

    def engine_tls12(self, engine):
        if self.tls12_unsupported(engine):
            return
        server, fields = self.fetch(engine, "--tls-max", "1.2")
        self.assertEqual(fields["version"], "TLS 1.2")
        self.assertRegex(fields["cipher_suite"], r"^TLS_ECDHE_ECDSA_WITH_")
        self.server_log(server, r"sanstls server: TLS 1\.2, TLS_ECDHE_ECDSA_WITH_")

    def engine_tls12_rsa(self, engine):
        if self.tls12_unsupported(engine, "--ciphers", "ECDHE-RSA-AES256-GCM-SHA384",
                                  cred=self.pki.server_rsa):
            return
        _, fields = self.fetch(engine, "--tls-max", "1.2", "--ciphers",
                               "ECDHE-RSA-AES256-GCM-SHA384", cred=self.pki.server_rsa)
        self.assertEqual(fields["version"], "TLS 1.2")
        self.assertEqual(fields["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")

    def engine_tls13_rsa(self, engine):
        _, fields = self.fetch(engine, "--tlsv1.3", cred=self.pki.server_rsa)
        self.assertEqual(fields["version"], "TLS 1.3")

    def engine_tls11_refused(self, engine):
        server, port = self.sanstls_server(engine)
        client = self.curl(port, "--tlsv1.1", "--tls-max", "1.1", "--ciphers",
                           "DEFAULT@SECLEVEL=0", expect_exit=35)
        self.assertRegex(client.stderr, r"protocol version")
        self.server_log(server, r"handshake failed: the peer offered only (TLS 1\.0 and )?"
                                r"TLS 1\.1; sanstls requires TLS 1\.2 or newer")

    # -- ALPN --

    def engine_alpn_http11(self, engine):
        server, fields = self.fetch(engine, "--http1.1", server_args=["--alpn", "http/1.1"])
        self.assertEqual(fields["alpn"], "http/1.1")
        self.server_log(server, r"ALPN http/1\.1")

    def engine_alpn_server_preference(self, engine):
        """curl offers h2 and http/1.1; a server that knows only http/1.1 picks it (curl then
        speaks HTTP/1.1)."""
        _, fields = self.fetch(engine, server_args=["--alpn", "http/1.1"])
        self.assertEqual(fields["alpn"], "http/1.1")

    def engine_no_alpn(self, engine):
        """No --alpn on the server: curl's offer is ignored, no protocol is chosen."""
        _, fields = self.fetch(engine, "--http1.1")
        self.assertEqual(fields["alpn"], "-")

    # -- client certificates --

    def engine_client_certificate(self, engine):
        for version in (["--tlsv1.3"], ["--tls-max", "1.2"]):
            with self.subTest(version=version):
                curl_args = ["--cert", self.pki.client.cert, "--key", self.pki.client.key]
                server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
                if "1.2" in version and self.tls12_unsupported(engine, *curl_args,
                                                               server_args=server_args):
                    continue
                _, fields = self.fetch(engine, *version, *curl_args, server_args=server_args)
                self.assertEqual(fields["client_certificate"], "CN=client.example")

    def engine_client_certificate_optional(self, engine):
        """--client-ca without --require-client-cert: a client without one still gets in."""
        _, fields = self.fetch(engine, server_args=["--client-ca", self.pki.ca])
        self.assertEqual(fields["client_certificate"], "none")

    def engine_client_certificate_missing(self, engine):
        for version, curl_exit in ((["--tlsv1.3"], 56), (["--tls-max", "1.2"], 35)):
            with self.subTest(version=version):
                server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
                if "1.2" in version and self.tls12_unsupported(engine, server_args=server_args):
                    continue
                server, port = self.sanstls_server(engine, *server_args)
                client = self.curl(port, *version, expect_exit=curl_exit)
                self.assertRegex(client.stderr, r"alert (certificate required|handshake failure)")
                self.server_log(server, r"handshake failed: the client sent no certificate, but "
                                        r"this server requires one")

    def engine_client_certificate_untrusted(self, engine):
        """A client certificate from a CA the server does not trust is refused."""
        server, port = self.sanstls_server(engine, "--client-ca", self.pki.other_ca,
                                           "--require-client-cert")
        client = self.curl(port, "--tlsv1.3", "--cert", self.pki.client.cert,
                           "--key", self.pki.client.key, expect_exit=56)
        self.assertRegex(client.stderr, r"alert unknown ca")
        self.server_log(server, r"handshake failed: .*not in the trust store")

    def engine_client_certificate_refused(self, engine):
        """Untrusted, expired and serverAuth-only client certificates (REFUSED_CLIENT_CERTIFICATES)
        in TLS 1.3 (curl exit 56: the alert arrives after its Finished) and TLS 1.2 (exit 35; but
        curl 7.88 turns a certificate_expired alert during its handshake into exit 60, "SSL
        certificate verification failed", without the alert's name)."""
        server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
        for bad in lib.REFUSED_CLIENT_CERTIFICATES:
            cred = bad.credential(self.pki)
            curl_args = ["--cert", cred.cert, "--key", cred.key]
            tls12_exit = 60 if bad.alert == "certificate_expired" else 35
            for version, curl_exit in ((["--tlsv1.3"], 56), (["--tls-max", "1.2"], tls12_exit)):
                with self.subTest(certificate=bad.name, version=version):
                    if "1.2" in version and self.tls12_unsupported(engine, *curl_args,
                                                                   server_args=server_args):
                        continue
                    server, port = self.sanstls_server(engine, *server_args)
                    client = self.curl(port, *version, *curl_args, expect_exit=curl_exit)
                    self.assertIn(bad.openssl_text if curl_exit != 60
                                  else "SSL certificate verification failed", client.stderr)
                    self.assertEqual(client.stdout, "")
                    self.server_log(server, bad.server_log)


if __name__ == "__main__":
    lib.main()
