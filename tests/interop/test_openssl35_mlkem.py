#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The native engine against OpenSSL 3.5 (Debian 13) with X25519MLKEM768, in both roles.

OpenSSL 3.5 runs in a Debian 13 root made with mmdebstrap (docs/interop.md); a chroot shares the
host's loopback. CMake registers this test only when that root exists (SANSTLS_OPENSSL35_ROOT),
so the rest of the suite never depends on it; run without the root, the test fails.
"""

import json
import os
import shutil
import tempfile

import interop_lib as lib

lib.init()

ROOT = os.environ.get("SANSTLS_OPENSSL35_ROOT", "")
GET = "GET / HTTP/1.0\r\n\r\n"
GROUP = "X25519MLKEM768"


class NativeAgainstOpenSSL35(lib.InteropTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(os.path.join(ROOT, "usr/bin/openssl"), os.X_OK):
            raise AssertionError(f"no OpenSSL in the Debian 13 root {ROOT!r} "
                                 "(set SANSTLS_OPENSSL35_ROOT; see docs/interop.md)")
        if "native" not in lib.OPTIONS.engines:
            raise AssertionError("the native engine is not available in this build")
        # The peer sees only the root: its credentials go into the root's /tmp.
        cls.jail = tempfile.mkdtemp(prefix="sanstls-interop-", dir=os.path.join(ROOT, "tmp"))
        shutil.copy(cls.pki.server.cert, os.path.join(cls.jail, "cert.pem"))
        shutil.copy(cls.pki.server.key, os.path.join(cls.jail, "key.pem"))
        shutil.copy(cls.pki.ca, os.path.join(cls.jail, "ca.pem"))
        cls.inside = "/" + os.path.relpath(cls.jail, ROOT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.jail, ignore_errors=True)
        super().tearDownClass()

    def openssl35(self, *args):
        return ["chroot", ROOT, "openssl", *args]

    def test_version_has_ml_kem(self):
        done = lib.run(self.openssl35("version"))
        self.assertEqual(done.returncode, 0, done.transcript())
        self.assertRegex(done.stdout, r"^OpenSSL 3\.([5-9]|\d\d)")

    def test_native_client_against_s_server(self):
        port = lib.free_port()
        server = self.peer(self.openssl35(
            "s_server", "-accept", f"{lib.LOOPBACK}:{port}", "-cert", f"{self.inside}/cert.pem",
            "-key", f"{self.inside}/key.pem", "-naccept", "1", "-tls1_3", "-groups", GROUP,
            "-www"), name="openssl 3.5 s_server", stdin=False)
        lib.wait_listening(port, server)
        client = self.sanstls_client("native", port, "--json")
        client.send(GET)
        client.wait_for(r"</HTML>")
        client.close_stdin()
        self.assertExit(client, 0)
        summary = json.loads(client.stderr.splitlines()[0])
        self.assertEqual(summary["engine"], "native")
        self.assertEqual(summary["version"], "TLS 1.3")
        self.assertEqual(summary["group"], GROUP)
        self.assertTrue(summary["peer_verified"])
        self.assertIn(GROUP, client.stdout)  # s_server -www reports the group it negotiated

    def test_s_client_against_native_server(self):
        server, port = self.sanstls_server("native")
        client = self.peer(self.openssl35(
            "s_client", "-connect", f"{lib.LOOPBACK}:{port}", "-servername", "localhost",
            "-tls1_3", "-groups", GROUP, "-CAfile", f"{self.inside}/ca.pem",
            "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof"),
            name="openssl 3.5 s_client")
        client.wait_for(r"Verify return code: 0 \(ok\)")
        client.send(GET)
        client.close_stdin()
        self.assertExit(client, 0)
        self.assertIn("HTTP/1.1 200 OK", client.stdout)
        self.assertIn("engine: native\n", client.stdout)
        self.assertIn(f"group: {GROUP}\n", client.stdout)
        self.assertRegex(client.stdout, rf"Negotiated TLS1\.3 group: {GROUP}")
        self.server_log(server, rf"sanstls server: TLS 1\.3, TLS_[A-Z0-9_]+, {GROUP}")


if __name__ == "__main__":
    lib.main()
