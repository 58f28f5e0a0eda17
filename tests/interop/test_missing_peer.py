#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The interop scripts cannot pass by testing nothing (issue 12, item 15).

A script whose peer program is missing exits 77 (ctest's SKIP_RETURN_CODE for the interop tests:
reported as skipped, never as passed), and under CI=true it fails (exit 1). Checked here by
running real scripts with a PATH that lacks their peer (gnutls-cli, gnutls-serv, curl), with and
without CI=true, and by a unit test of interop_lib's verdict.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import interop_lib as lib  # noqa: E402  (only the pure functions; no init())

ARGS = None


class Verdict(unittest.TestCase):
    def test_nothing_missing(self):
        self.assertIsNone(lib.missing_peer_verdict([], {"CI": "true"}))
        self.assertIsNone(lib.missing_peer_verdict([], {}))

    def test_missing_outside_ci_is_skip_code(self):
        for environ in ({}, {"CI": ""}, {"CI": "false"}):
            code, message = lib.missing_peer_verdict(["curl"], environ)
            self.assertEqual(code, 77, environ)
            self.assertIn("curl", message)

    def test_missing_under_ci_is_failure(self):
        for value in ("true", "TRUE", "1"):
            code, message = lib.missing_peer_verdict(["gnutls-cli"], {"CI": value})
            self.assertEqual(code, 1, value)
            self.assertIn("gnutls-cli", message)
            self.assertIn("CI=true", message)


class StrippedPath(unittest.TestCase):
    """Each script run with a PATH holding only `openssl`: its peer program is missing."""

    @classmethod
    def setUpClass(cls):
        cls.bin = tempfile.mkdtemp(prefix="sanstls-nopeer-")
        openssl = shutil.which("openssl")
        if openssl is None:
            raise AssertionError("openssl is needed to run this test")
        os.symlink(openssl, os.path.join(cls.bin, "openssl"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin, True)

    def run_script(self, script, ci):
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env["PATH"] = self.bin
        if ci:
            env["CI"] = "true"
        argv = [sys.executable, "-B", os.path.join(HERE, script), "--sanstls", ARGS.sanstls]
        if ARGS.bind_shim:
            argv += ["--bind-shim", ARGS.bind_shim]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, done.stdout + done.stderr

    def check(self, script, peer):
        code, out = self.run_script(script, ci=False)
        self.assertEqual(code, 77, out)
        self.assertIn(f"the peer programs {peer} are not installed", out)
        self.assertIn("SKIPPED", out)
        code, out = self.run_script(script, ci=True)
        self.assertEqual(code, 1, out)
        self.assertIn(f"the peer programs {peer} are not installed, and CI=true", out)
        self.assertNotIn("Ran ", out)  # no test ran, none "passed"

    def test_server_gnutls_without_gnutls_cli(self):
        self.check("test_server_gnutls.py", "gnutls-cli")

    def test_client_gnutls_without_gnutls_serv(self):
        self.check("test_client_gnutls.py", "gnutls-serv")

    def test_server_curl_without_curl(self):
        self.check("test_server_curl.py", "curl")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--sanstls", required=True)
    parser.add_argument("--bind-shim")
    ARGS, rest = parser.parse_known_args(sys.argv[1:])
    sys.argv = [sys.argv[0]] + rest
    unittest.main(verbosity=2)
