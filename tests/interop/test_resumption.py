#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Session resumption and 0-RTT with real peers (issue 14): `openssl s_client -sess_out/-sess_in`
(TLS 1.3, TLS 1.2, -early_data) and `gnutls-cli --resume` against `sanstls server`, and
`sanstls client --reconnect` against `openssl s_server` and `gnutls-serv` (as they come, and
limited to TLS 1.2: RFC 5077 tickets), for every engine. An
engine that does not report resumption (`sanstls backends --json`) is checked to make full
handshakes instead, never skipped."""

import os

import interop_lib as lib

lib.init()
lib.require_peers("openssl", "gnutls-cli", "gnutls-serv", bind_shim_needed=True)

GET = "GET / HTTP/1.0\r\n\r\n"
GNUTLS_TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
HANDSHAKE_DONE = r"Verify return code: 0 \(ok\)"
CAPABILITIES = {entry["name"]: entry for entry in lib._available_engines(lib.OPTIONS.sanstls)}


def resumes(engine, version):
    return version in CAPABILITIES.get(engine, {}).get("capabilities", {}).get("resumption", [])


def early_data(engine):
    return bool(CAPABILITIES.get(engine, {}).get("capabilities", {}).get("early_data"))


@lib.per_engine
class Resumption(lib.InteropTest):

    def s_client(self, port, *args):
        argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                "localhost", "-CAfile", self.pki.ca, "-verify_return_error", "-verify_hostname",
                "localhost", "-ign_eof", *args]
        return self.peer(argv, name="openssl s_client")

    def get(self, port, *args):
        client = self.s_client(port, *args)
        client.wait_for(HANDSHAKE_DONE)
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertIn("HTTP/1.1 200 OK", client.stdout)
        return client.stdout

    def s_client_resumes(self, engine, flag, version):
        if flag == "-tls1_2" and not lib.speaks(engine, "TLS 1.2"):
            return
        server, port = self.sanstls_server(engine)
        session = os.path.join(lib.OPTIONS.workdir, f"session-{engine}{flag}.pem")
        first = self.get(port, flag, "-sess_out", session)
        self.assertIn(f"New, {version}", first)
        self.server_log(server, r"resumed=no early_data=none")
        if not resumes(engine, version.replace("v", " ")):
            # No ticket: s_client has no session to write, or one the server will not resume.
            if os.path.exists(session):
                self.assertIn(f"New, {version}", self.get(port, flag, "-sess_in", session))
            return
        second = self.get(port, flag, "-sess_in", session)
        if resumes(engine, version.replace("v", " ")):
            self.assertIn(f"Reused, {version}", second)
            self.server_log(server, r"resumed=yes")
        else:
            self.assertIn(f"New, {version}", second)

    def engine_s_client_sess_in_tls13(self, engine):
        self.s_client_resumes(engine, "-tls1_3", "TLSv1.3")

    def engine_s_client_sess_in_tls12(self, engine):
        self.s_client_resumes(engine, "-tls1_2", "TLSv1.2")

    def engine_s_client_early_data(self, engine):
        server, port = self.sanstls_server(engine, "--early-data")
        session = os.path.join(lib.OPTIONS.workdir, f"session-{engine}-0rtt.pem")
        request = os.path.join(lib.OPTIONS.workdir, f"request-{engine}.txt")
        with open(request, "w", encoding="ascii") as out:
            out.write(GET)
        self.get(port, "-tls1_3", "-sess_out", session)
        if not early_data(engine) and not os.path.exists(session):
            return  # no ticket, so nothing to send early data with
        client = self.s_client(port, "-tls1_3", "-sess_in", session, "-early_data", request)
        client.close_stdin()
        self.assertExit(client, 0)
        if early_data(engine):
            self.assertIn("Early data was accepted", client.stdout)
            self.assertIn("HTTP/1.1 200 OK", client.stdout)
            self.server_log(server, r"resumed=yes early_data=accepted")
        else:
            self.assertIn("Early data was rejected", client.stdout)

    def engine_gnutls_cli_resume(self, engine):
        server, port = self.sanstls_server(engine, mode="--echo")
        client = self.peer(["gnutls-cli", "-p", str(port), "--x509cafile", self.pki.ca,
                            "--resume", "localhost"], name="gnutls-cli")
        client.wait_for(r"- Resume Handshake was completed|- Handshake was completed\n.*\n")
        client.close_stdin()
        client.wait()
        if resumes(engine, "TLS 1.3"):
            self.assertIn("This is a resumed session", client.stdout)
            self.server_log(server, r"resumed=yes")
        else:
            self.check("This is a resumed session" not in client.stdout,
                       "an engine without resumption resumed")

    def reconnect(self, engine, port, *args):
        client = self.sanstls_client(engine, port, "--reconnect", *args)
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertRegex(client.stderr, r"(?s)resumed: no\n.*resumed: (yes|no)\n")
        return client

    def engine_client_reconnect_openssl_s_server(self, engine):
        port = lib.free_port()
        server = self.peer(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                            self.pki.server.cert, "-key", self.pki.server.key, "-naccept", "2",
                            "-www"], name="openssl s_server", stdin=False)
        lib.wait_listening(port, server)
        client = self.reconnect(engine, port)
        expected = "yes" if resumes(engine, "TLS 1.3") else "no"
        self.assertRegex(client.stderr, rf"(?s)resumed: no\n.*resumed: {expected}\n")

    def engine_client_reconnect_openssl_s_server_early_data(self, engine):
        # (s_server refuses -early_data with -www: it prints what it receives instead.)
        port = lib.free_port()
        server = self.peer(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                            self.pki.server.cert, "-key", self.pki.server.key, "-naccept", "2",
                            "-early_data"], name="openssl s_server")  # stdin EOF would stop it
        lib.wait_listening(port, server)
        client = self.reconnect(engine, port, "--early-data")
        if early_data(engine):
            self.assertIn("early data: accepted", client.stderr)
            server.wait_for(r"Early data received:")
        else:
            self.assertIn("early data: none", client.stderr)
        self.check(client.stderr.count("GET /") == 0, "request echoed to stderr")

    def engine_client_reconnect_gnutls_serv(self, engine):
        _, port = self.gnutls_server("--http")
        client = self.reconnect(engine, port)
        expected = "yes" if resumes(engine, "TLS 1.3") else "no"
        self.assertRegex(client.stderr, rf"(?s)resumed: no\n.*resumed: {expected}\n")

    def engine_client_reconnect_openssl_s_server_tls12(self, engine):
        if not lib.speaks(engine, "TLS 1.2", as_client=True):
            return
        port = lib.free_port()
        server = self.peer(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                            self.pki.server.cert, "-key", self.pki.server.key, "-naccept", "2",
                            "-tls1_2", "-www"], name="openssl s_server", stdin=False)
        lib.wait_listening(port, server)
        client = self.reconnect(engine, port)
        self.assertIn("TLS 1.2", client.stderr)
        expected = "yes" if resumes(engine, "TLS 1.2") else "no"
        self.assertRegex(client.stderr, rf"(?s)resumed: no\n.*resumed: {expected}\n")

    def engine_client_reconnect_gnutls_serv_tls12(self, engine):
        if not lib.speaks(engine, "TLS 1.2", as_client=True):
            return
        _, port = self.gnutls_server("--http", "--priority", GNUTLS_TLS12)
        client = self.reconnect(engine, port)
        self.assertIn("TLS 1.2", client.stderr)
        expected = "yes" if resumes(engine, "TLS 1.2") else "no"
        self.assertRegex(client.stderr, rf"(?s)resumed: no\n.*resumed: {expected}\n")


if __name__ == "__main__":
    lib.main()
