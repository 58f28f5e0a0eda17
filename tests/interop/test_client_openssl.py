#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls client` against `openssl s_server` on 127.0.0.1, for every available engine."""

import json

import interop_lib as lib

lib.init()
lib.require_peers("openssl")

GET = "GET / HTTP/1.0\r\n\r\n"


@lib.per_engine
class ClientAgainstOpenSSLServer(lib.InteropTest):

    def fetch_www(self, engine, server_args, *client_args, cred=None):
        """s_server -www: send a request, read the page; returns (client, page, summary)."""
        server, port = self.openssl_server("-www", *server_args, cred=cred)
        client = self.sanstls_client(engine, port, "--json", *client_args)
        client.send(GET)
        client.wait_for(r"</HTML>")
        client.close_stdin()
        self.assertExit(client, 0)
        summary = json.loads(client.stderr.splitlines()[0])
        return client, client.stdout, summary

    def tls12_unsupported(self, engine, *server_args, cred=None, client_args=()):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that `s_server <server_args>` (TLS 1.2 only) refuses the engine's
        TLS 1.3-only ClientHello and the client names its limit (lacks_tls12_as_client)."""
        server = self.lacks_tls12_as_client(
            engine, lambda: self.openssl_server(*server_args, cred=cred), *client_args)
        if server is None:
            return False
        server.wait_for(r"unsupported protocol", key="stderr")
        return True

    def engine_tls13_www(self, engine):
        """TLS 1.3, suite pinned by the server; the page s_server returns arrives intact."""
        _, page, summary = self.fetch_www(engine, ["-tls1_3", "-ciphersuites",
                                                   "TLS_CHACHA20_POLY1305_SHA256"])
        self.assertEqual(summary["engine"], engine)
        self.assertEqual(summary["version"], "TLS 1.3")
        self.assertEqual(summary["cipher_suite"], "TLS_CHACHA20_POLY1305_SHA256")
        self.assertTrue(summary["peer_verified"])
        self.assertEqual(summary["server_name"], "localhost")
        self.assertIn("New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256", page)

    def engine_tls12_www(self, engine):
        """TLS 1.2 with an ECDSA leaf: an ECDHE-ECDSA AEAD suite."""
        server_args = ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"]
        if self.tls12_unsupported(engine, "-www", *server_args):
            return
        _, page, summary = self.fetch_www(engine, server_args)
        self.assertEqual(summary["version"], "TLS 1.2")
        self.assertEqual(summary["cipher_suite"], "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        self.assertTrue(summary["peer_verified"])
        self.assertIn("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", page)

    def engine_tls12_rsa_www(self, engine):
        """TLS 1.2 with an RSA-2048 leaf: ECDHE-RSA."""
        server_args = ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]
        if self.tls12_unsupported(engine, "-www", *server_args, cred=self.pki.server_rsa):
            return
        _, page, summary = self.fetch_www(engine, server_args, cred=self.pki.server_rsa)
        self.assertEqual(summary["version"], "TLS 1.2")
        self.assertEqual(summary["cipher_suite"], "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")
        self.assertIn("Cipher is ECDHE-RSA-CHACHA20-POLY1305", page)

    def engine_tls13_rsa_www(self, engine):
        """TLS 1.3 with an RSA-2048 leaf (RSA-PSS signatures)."""
        _, page, summary = self.fetch_www(engine, ["-tls1_3"], cred=self.pki.server_rsa)
        self.assertEqual(summary["version"], "TLS 1.3")
        self.assertIn("TLSv1.3", page)

    def engine_text_summary(self, engine):
        """Without --json the stderr summary names engine, version, suite, verification."""
        server, port = self.openssl_server("-www", "-tls1_3", "-ciphersuites",
                                           "TLS_AES_128_GCM_SHA256")
        client = self.sanstls_client(engine, port)
        client.send(GET)
        client.wait_for(r"</HTML>")
        client.close_stdin()
        self.assertExit(client, 0)
        err = client.stderr
        self.assertIn(f"sanstls client: connected to 127.0.0.1:{port}", err)
        self.assertRegex(err, rf"engine:\s+{engine}\n")
        self.assertRegex(err, r"version:\s+TLS 1\.3\n")
        self.assertRegex(err, r"cipher suite:\s+TLS_AES_128_GCM_SHA256\n")
        self.assertRegex(err, r"server name:\s+localhost\n")
        self.assertRegex(err, r"verified:\s+yes\n")

    def rev_round_trip(self, engine, version_flag, expected_version):
        server, port = self.openssl_server("-rev", version_flag)
        client = self.sanstls_client(engine, port, "--json")
        lines = ["hello from sanstls", "x" * 3000, "second line"]
        for line in lines:
            client.send(line + "\n")
            client.wait_for(line[::-1])
        client.close_stdin()
        code = client.wait()
        summary = json.loads(client.stderr.splitlines()[0])
        self.assertEqual(summary["version"], expected_version)
        # The reversed lines came back in order, nothing else but s_server's greeting.
        out = client.stdout
        positions = [out.index(line[::-1]) for line in lines]
        self.assertEqual(positions, sorted(positions))
        self.check(code == 0, f"client exit {code} after close (expected a clean close)")

    def engine_tls13_rev_data(self, engine):
        """s_server -rev reverses each line: data both ways, then a clean close."""
        self.rev_round_trip(engine, "-tls1_3", "TLS 1.3")

    def engine_tls12_rev_data(self, engine):
        if self.tls12_unsupported(engine, "-rev", "-tls1_2"):
            return
        self.rev_round_trip(engine, "-tls1_2", "TLS 1.2")

    def exported_by_both(self, engine, *server_args):
        """`sanstls client --export` against s_server -keymatexport: both print the same keying
        material (RFC 5705 / RFC 8446 §7.5); returns it."""
        label = "EXPORTER-Channel-Binding"
        # s_server prints keying material only in its default mode, which also reads stdin (and
        # stops at its end): keep its stdin open until the client is done.
        port = lib.free_port()
        server = self.peer(["openssl", "s_server", "-accept", f"{lib.LOOPBACK}:{port}",
                            "-cert", self.pki.server.cert, "-key", self.pki.server.key,
                            "-naccept", "1", "-keymatexport", label, "-keymatexportlen", "32",
                            *server_args], name="openssl s_server")
        lib.wait_listening(port, server)
        client = self.sanstls_client(engine, port, "--json", "--export", f"{label}:32")
        summary = json.loads(client.wait_for(r"(\{.*\})\n", key="stderr").group(1))
        theirs = server.wait_for(r"Keying material: ([0-9A-F]+)\n").group(1)
        client.close_stdin()
        self.assertExit(client, 0)
        server.close_stdin()
        ours = summary["keying_material"]
        self.assertEqual(ours["label"], label)
        self.assertEqual(len(ours["hex"]), 64)
        self.assertEqual(ours["hex"], theirs)
        return summary

    def engine_exporter_tls13(self, engine):
        summary = self.exported_by_both(engine, "-tls1_3")
        self.assertEqual(summary["version"], "TLS 1.3")

    def engine_exporter_tls12(self, engine):
        if self.tls12_unsupported(engine, "-www", "-tls1_2"):
            return
        summary = self.exported_by_both(engine, "-tls1_2")
        self.assertEqual(summary["version"], "TLS 1.2")

    def engine_export_refused(self, engine):
        """A reserved label is the caller's mistake: the client says why and exits 2."""
        server, port = self.openssl_server("-www")
        client = self.sanstls_client(engine, port, "--export", "master secret:32")
        client.close_stdin()
        self.assertExit(client, 2)
        self.assertIn("one TLS uses itself", client.stderr)

    def engine_alpn(self, engine):
        """The client offers h2,http/1.1; s_server knows only http/1.1."""
        _, _, summary = self.fetch_www(engine, ["-tls1_3", "-alpn", "http/1.1"],
                                       "--alpn", "h2,http/1.1")
        self.assertEqual(summary["alpn"], "http/1.1")

    def engine_tls11_server_refused(self, engine):
        """A TLS 1.1-only s_server: exit 4, nothing relayed.

        OpenSSL's server honours the client's supported_versions extension (1.3, 1.2) and
        refuses the ClientHello with a protocol_version alert itself, so the client never sees
        a TLS 1.1 ServerHello; the "the server chose TLS 1.1" message is exercised against
        gnutls-serv (test_client_gnutls.py), which answers with TLS 1.1.
        An engine without TLS 1.2 offers TLS 1.3 only and says so.
        """
        server, port = self.openssl_server("-www", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        client = self.sanstls_client(engine, port)
        client.close_stdin()
        self.assertExit(client, 4)
        if lib.speaks(engine, "TLS 1.2", as_client=True):
            self.assertIn("sanstls client: the server refused TLS 1.2 and TLS 1.3 with a "
                          "protocol_version alert", client.stderr)
        else:
            self.assertIn("sanstls client: the server refused TLS 1.3 with a protocol_version "
                          "alert", client.stderr)
            self.assertIn(f"the {engine} engine speaks TLS 1.3 only", client.stderr)
        self.assertIn("sanstls requires TLS 1.2 or newer", client.stderr)
        self.assertEqual(client.stdout, "")
        server.wait_for(r"unsupported protocol", key="stderr")

    def engine_tls12_cbc_only_server_refused(self, engine):
        """A TLS 1.2 s_server with CBC suites only: sanstls offers AEAD suites only, so OpenSSL
        finds none in common and refuses (handshake_failure); the client exits 4, nothing
        relayed. An engine without TLS 1.2 is refused by version first."""
        server_args = ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"]
        if self.tls12_unsupported(engine, "-www", *server_args):
            return
        server, port = self.openssl_server("-www", *server_args)
        client = self.sanstls_client(engine, port)
        client.close_stdin()
        self.assertExit(client, 4)
        self.assertEqual(client.stdout, "")
        self.assertIn("handshake_failure", client.stderr)
        server.wait_for(r"no shared cipher", key="stderr")

    # -- certificate failures (exit 3) --

    def refused(self, engine, cred=None, server_args=(), servername="localhost", ca=None):
        server, port = self.openssl_server("-www", *server_args, cred=cred)
        client = self.sanstls_client(engine, port, servername=servername, ca=ca)
        client.close_stdin()
        self.assertExit(client, 3)
        self.assertEqual(client.stdout, "")
        return client.stderr

    def engine_wrong_name(self, engine):
        err = self.refused(engine, servername="other.example")
        self.assertIn("does not match requested name 'other.example' "
                      "(certificate names: localhost, IP:127.0.0.1)", err)

    def engine_unknown_ca(self, engine):
        err = self.refused(engine, cred=self.pki.unknown_ca_server)
        self.assertRegex(err, r"not in the trust store")
        self.assertIn("some other CA", err)

    def engine_self_signed(self, engine):
        err = self.refused(engine, cred=self.pki.self_signed)
        self.assertIn("is self-signed and not in the trust store", err)

    def engine_expired(self, engine):
        err = self.refused(engine, cred=self.pki.expired)
        self.assertRegex(err, r"expired on 2021-01-01 00:00:00 UTC")

    def engine_rsa1024_tls13(self, engine):
        err = self.refused(engine, cred=self.pki.rsa1024,
                           server_args=["-tls1_3", "-cipher", "DEFAULT@SECLEVEL=0"])
        self.assertIn("has a 1024-bit RSA key; sanstls requires at least 2048 bits", err)

    def engine_rsa1024_tls12(self, engine):
        server_args = ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"]
        if self.tls12_unsupported(engine, "-www", *server_args, cred=self.pki.rsa1024):
            return
        err = self.refused(engine, cred=self.pki.rsa1024, server_args=server_args)
        self.assertIn("has a 1024-bit RSA key; sanstls requires at least 2048 bits", err)

    def engine_sha1_signed_leaf(self, engine):
        err = self.refused(engine, cred=self.pki.sha1,
                           server_args=["-cipher", "DEFAULT@SECLEVEL=0"])
        self.assertIn("is signed with SHA-1, which sanstls refuses", err)

    # -- client certificates --

    def engine_client_certificate(self, engine):
        """s_server -Verify 1 -CAfile: the client's certificate is requested and verified."""
        for version in ("-tls1_3", "-tls1_2"):
            with self.subTest(version=version):
                server_args = ["-www", version, "-Verify", "1", "-CAfile", self.pki.ca,
                               "-verify_return_error"]
                client_args = ["--cert", self.pki.client.cert, "--key", self.pki.client.key]
                if version == "-tls1_2" and self.tls12_unsupported(engine, *server_args,
                                                                   client_args=client_args):
                    continue
                server, port = self.openssl_server(*server_args)
                client = self.sanstls_client(engine, port, *client_args)
                client.send(GET)
                client.wait_for(r"</HTML>")
                client.close_stdin()
                self.assertExit(client, 0)
                # s_server logs the verified peer on stdout.
                server.wait_for(r"depth=0 CN ?= ?client\.example", key="stderr")
                self.assertIn("verify return:1", server.stderr)
                self.assertNotIn("no client certificate available", client.stdout)

    def engine_client_certificate_missing(self, engine):
        """Without --cert, s_server -Verify 1 refuses the client: exit 4, alert named."""
        server, port = self.openssl_server("-www", "-tls1_3", "-Verify", "1", "-CAfile",
                                           self.pki.ca, "-verify_return_error")
        client = self.sanstls_client(engine, port)
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 4)
        self.assertIn("certificate_required", client.stderr)
        self.assertIn("(it requires a client certificate)", client.stderr)


if __name__ == "__main__":
    lib.main()
