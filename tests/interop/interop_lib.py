# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Shared machinery for the interop tests: options, engines, certificates, peer processes.

Every test script does

    import interop_lib as lib
    lib.init()                       # parses --sanstls/--bind-shim/--engines off sys.argv

    @lib.per_engine
    class SomeTests(lib.InteropTest):
        def engine_something(self, engine): ...

and `per_engine` turns each `engine_<case>` method into one unittest method per engine that
`sanstls backends --json` reports available (`test_<case>__<engine>`).

A case (or one iteration of a case) that needs TLS 1.2 is never skipped for an engine that does
not speak it (`speaks(engine, "TLS 1.2")`, from the `versions` in `sanstls backends --json`): it
is reported by capability instead. `InteropTest.lacks_tls12_as_client` / `lacks_tls12_as_server`
run the case's own TLS 1.2-only peer against the engine and check that the refusal is clean and
names the engine's limit; the case then ends, and `main()` lists every such report.

Peers only ever listen on, and are only ever contacted at, 127.0.0.1. Every process started
here runs in its own process group, has a deadline, and is killed when its test ends
(addCleanup), and again at interpreter exit as a last resort.
"""

import argparse
import atexit
import contextlib
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

LOOPBACK = "127.0.0.1"
# Seconds. Loopback handshakes take milliseconds; these only bound a hang.
STEP_TIMEOUT = 15
PROCESS_TIMEOUT = 30


class Options:
    sanstls = None
    bind_shim = None
    engines = []
    narrowed = False  # --engines / SANSTLS_INTEROP_ENGINES chose a subset
    versions = {}  # engine -> the versions `sanstls backends --json` lists for it
    client_versions = {}  # engine -> the versions it speaks as a client (client_versions)
    workdir = None
    verbose = False


OPTIONS = Options()


def _available_engines(sanstls):
    """The available engines' entries of `sanstls backends --json`."""
    out = subprocess.run([sanstls, "backends", "--json"], capture_output=True, text=True,
                         timeout=PROCESS_TIMEOUT, env=peer_env())
    if out.returncode != 0:
        raise SystemExit(f"`sanstls backends --json` failed ({out.returncode}): {out.stderr}")
    return [entry for entry in json.loads(out.stdout) if entry.get("available")]


def speaks(engine, version, as_client=False):
    """Whether `engine` speaks `version` ("TLS 1.2", "TLS 1.3"): its `versions` in
    `sanstls backends --json` (both roles), or with `as_client` its `client_versions`."""
    if as_client and version in OPTIONS.client_versions.get(engine, ()):
        return True
    return version in OPTIONS.versions.get(engine, ())


def init():
    """Parses our options off sys.argv (leaving unittest's own), finds the engines."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--sanstls", default=os.environ.get("SANSTLS"))
    parser.add_argument("--bind-shim", default=os.environ.get("SANSTLS_INTEROP_BIND_SHIM"))
    parser.add_argument("--engines", default=os.environ.get("SANSTLS_INTEROP_ENGINES"),
                        help="comma-separated subset of the available engines")
    known, rest = parser.parse_known_args(sys.argv[1:])
    if not known.sanstls or not os.access(known.sanstls, os.X_OK):
        raise SystemExit("usage: <script> --sanstls PATH/TO/sanstls [--bind-shim SO] "
                         "[--engines a,b] [unittest args]")
    OPTIONS.sanstls = os.path.abspath(known.sanstls)
    OPTIONS.bind_shim = known.bind_shim
    entries = _available_engines(OPTIONS.sanstls)
    OPTIONS.versions = {entry["name"]: list(entry.get("versions", [])) for entry in entries}
    OPTIONS.client_versions = {entry["name"]: list(entry.get("client_versions", [])) for entry in entries}
    available = [entry["name"] for entry in entries]
    if known.engines:
        wanted = [e for e in known.engines.split(",") if e]
        missing = [e for e in wanted if e not in available]
        if missing:
            raise SystemExit(f"engines not available in this build: {missing} "
                             f"(available: {available})")
        available = wanted
        OPTIONS.narrowed = True
    OPTIONS.engines = available
    OPTIONS.workdir = tempfile.mkdtemp(prefix="sanstls-interop-")
    atexit.register(shutil.rmtree, OPTIONS.workdir, True)
    sys.argv = [sys.argv[0]] + rest
    print(f"sanstls interop: {OPTIONS.sanstls}; engines: {', '.join(available) or '(none)'}",
          file=sys.stderr)


def main():
    program = unittest.main(verbosity=2, exit=False)
    _print_capability_reports()
    sys.exit(not program.result.wasSuccessful())


# Cases, or iterations of cases, that an engine's capabilities turned into a refusal check:
# (test or subtest id, engine, the version it lacks, whether the check passed).
_REPORTED = []


def _print_capability_reports():
    if not _REPORTED:
        return
    print("\nReported by capability, not skipped (the engine lacks the version; its clean "
          "refusal by or of the real peer was checked instead):", file=sys.stderr)
    for test_id, engine, version, passed in _REPORTED:
        name = test_id.split(".", 1)[-1]
        print(f"  {engine} lacks {version}: {name}"
              f"{'' if passed else ' (the refusal check FAILED)'}", file=sys.stderr)


def per_engine(cls):
    """Class decorator: `engine_<case>(self, engine)` → `test_<case>__<engine>` per engine."""
    for name in list(vars(cls)):
        if not name.startswith("engine_"):
            continue
        function = getattr(cls, name)
        case = name[len("engine_"):]
        if not OPTIONS.engines:
            def no_engine(self):
                self.fail("`sanstls backends --json` reports no available engine")
            setattr(cls, f"test_{case}", no_engine)
            continue
        for engine in OPTIONS.engines:
            def bound(self, _function=function, _engine=engine):
                _function(self, _engine)
            bound.__name__ = f"test_{case}__{engine}"
            bound.__doc__ = function.__doc__
            if getattr(function, "__unittest_expecting_failure__", False):
                bound.__unittest_expecting_failure__ = True
            setattr(cls, bound.__name__, bound)
    return cls


# ---- known bugs ----------------------------------------------------------------------------

def peer_env(extra=None):
    """The environment for every child: no proxies, C locale."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                                "ftp_proxy", "curl_ca_bundle", "ssl_cert_file", "ssl_cert_dir",
                                "sslkeylogfile", "ld_preload")}
    env["LC_ALL"] = "C"
    env["NO_PROXY"] = "*"
    if extra:
        env.update(extra)
    return env


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (for peers that cannot pick their own)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _listeners(port):
    """(address, family) of every LISTEN socket on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table, family in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    local, state = fields[1], fields[3]
                    address, hex_port = local.split(":")
                    if state == "0A" and int(hex_port, 16) == port:
                        found.append((address, family))
        except OSError:
            continue
    return found


_LOOPBACK_V4 = "0100007F"  # 127.0.0.1 in /proc/net/tcp's little-endian hex


def wait_listening(port, peer, timeout=STEP_TIMEOUT):
    """Waits until something listens on 127.0.0.1:`port`; fails if anything listens on the port
    at another address (then the peer is killed at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listeners = _listeners(port)
        wrong = [a for a, _ in listeners if a != _LOOPBACK_V4]
        if wrong:
            peer.stop()
            raise AssertionError(f"{peer.name} listens on port {port} at a non-loopback "
                                 f"address {wrong}; stopped it")
        if listeners:
            return
        if peer.poll() is not None:
            raise AssertionError(f"{peer.name} exited ({peer.returncode}) before listening:\n"
                                 + peer.transcript())
        time.sleep(0.02)
    peer.stop()
    raise AssertionError(f"{peer.name} did not listen on {LOOPBACK}:{port} within {timeout}s:\n"
                         + peer.transcript())


_ALL_PEERS = []


def _kill_all():
    for peer in _ALL_PEERS:
        peer.stop()


atexit.register(_kill_all)


class Peer:
    """A child process with captured stdout/stderr, a deadline, and a kill that always works."""

    def __init__(self, argv, name=None, stdin=True, env=None, deadline=PROCESS_TIMEOUT):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self._lock = threading.Condition()
        self._out = {"stdout": bytearray(), "stderr": bytearray()}
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or peer_env(),
            start_new_session=True)
        _ALL_PEERS.append(self)
        self._threads = [threading.Thread(target=self._pump, args=(stream, key), daemon=True)
                         for stream, key in ((self.process.stdout, "stdout"),
                                             (self.process.stderr, "stderr"))]
        for thread in self._threads:
            thread.start()
        # The deadline: whatever the test does, this process dies after `deadline` seconds.
        self._timer = threading.Timer(deadline, self._expire)
        self._timer.daemon = True
        self._timer.start()
        self.expired = False

    def _pump(self, stream, key):
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            with self._lock:
                self._out[key] += chunk
                self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    def _expire(self):
        if self.process.poll() is None:
            self.expired = True
            self.stop()

    @property
    def returncode(self):
        return self.process.returncode

    def poll(self):
        return self.process.poll()

    def output(self, key="stdout"):
        with self._lock:
            return bytes(self._out[key]).decode("utf-8", "replace")

    @property
    def stdout(self):
        return self.output("stdout")

    @property
    def stderr(self):
        return self.output("stderr")

    def transcript(self):
        return (f"--- {self.name}: {' '.join(self.argv)} (exit {self.process.poll()}"
                f"{', killed at its deadline' if self.expired else ''})\n"
                f"--- stdout:\n{self.stdout}\n--- stderr:\n{self.stderr}\n")

    def send(self, data):
        """Writes to the peer's stdin. A peer that already exited (e.g. its handshake was
        refused before we wrote) is not an error here: the test asserts its exit status."""
        if isinstance(data, str):
            data = data.encode()
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass

    def close_stdin(self):
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass

    def wait_for(self, pattern, key="stdout", timeout=STEP_TIMEOUT):
        """Waits until the stream matches `pattern` (a regex); returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                match = regex.search(bytes(self._out[key]).decode("utf-8", "replace"))
                if match:
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None
                                      and not any(t.is_alive() for t in self._threads)):
                    break
                self._lock.wait(min(remaining, 0.1))
        raise AssertionError(f"{self.name}: no /{pattern}/ on {key} within {timeout}s\n"
                             + self.transcript())

    def wait(self, timeout=STEP_TIMEOUT):
        """Waits for exit; on timeout kills the process and fails."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.name} did not exit within {timeout}s; killed it\n"
                                 + self.transcript())
        for thread in self._threads:
            thread.join(5)
        return self.process.returncode

    def stop(self):
        self._timer.cancel()
        self.close_stdin()
        if self.process.poll() is None:
            for sig, grace in ((signal.SIGTERM, 2), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        else:
            # The leader exited; make sure nothing it started lingers in its group.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for thread in self._threads:
            thread.join(5)


def run(argv, input=None, timeout=PROCESS_TIMEOUT, env=None):
    """Runs a command to completion (killing its group on timeout); returns a Peer."""
    peer = Peer(argv, stdin=input is not None, env=env, deadline=timeout + 5)
    try:
        if input is not None:
            try:
                peer.send(input)
            except BrokenPipeError:
                pass
            peer.close_stdin()
        peer.wait(timeout)
    finally:
        peer.stop()
    return peer


# ---- certificates -------------------------------------------------------------------------

_LEAF_EXTENSIONS = """\
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

_CA_CONFIG = """\
[ ca ]
default_ca = interop
[ interop ]
database = {db}/index.txt
new_certs_dir = {db}
serial = {db}/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
""" + _LEAF_EXTENSIONS + """
[ client_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class Credential:
    def __init__(self, directory, cert="cert.pem", key="key.pem"):
        self.cert = os.path.join(directory, cert)
        self.key = os.path.join(directory, key)


class PKI:
    """Every certificate the tests use, made once per script run in a temporary directory.

    Good ones come from `sanstls cert`; the deliberately bad ones (which `sanstls cert` refuses
    to make) from the openssl CLI, issued by the same good CA so that only the intended defect
    is wrong with them.
    """

    def __init__(self, root):
        self.root = root
        self.ca_dir = self._sanstls_ca("ca", "sanstls interop CA")
        self.ca = os.path.join(self.ca_dir, "ca.pem")
        self.ca_key = os.path.join(self.ca_dir, "ca.key")
        self.server = self._sanstls_leaf("server", self.ca_dir, "localhost,127.0.0.1")
        self.server_rsa = self._sanstls_leaf("server-rsa", self.ca_dir, "localhost,127.0.0.1",
                                             "--key-type", "rsa-2048")
        self.client = self._sanstls_leaf("client", self.ca_dir, "client.example", "--client")
        self.other_ca_dir = self._sanstls_ca("other-ca", "some other CA")
        self.other_ca = os.path.join(self.other_ca_dir, "ca.pem")
        self.unknown_ca_server = self._sanstls_leaf("unknown-ca-server", self.other_ca_dir,
                                                    "localhost,127.0.0.1")
        self.self_signed = self._self_signed("self-signed")
        self.expired = self._expired("expired")
        # Client certificates that every sanstls server must refuse, each wrong in one way only
        # (REFUSED_CLIENT_CERTIFICATES): issued by a CA the server does not trust; expired
        # (clientAuth, our CA); serverAuth only (our CA, valid).
        self.client_untrusted = self._sanstls_leaf("client-untrusted", self.other_ca_dir,
                                                   "client.example", "--client")
        self.client_expired = self._expired("client-expired", section="client_leaf",
                                            subject="/CN=client.example")
        self.client_server_eku = self._sanstls_leaf("client-server-eku", self.ca_dir,
                                                    "client.example")
        self.rsa1024 = self._openssl_leaf("rsa1024", ["-newkey", "rsa:1024"], "-sha256")
        self.sha1 = self._openssl_leaf("sha1", ["-newkey", "ec", "-pkeyopt",
                                                "ec_paramgen_curve:P-256"], "-sha1")

    def _run(self, argv):
        done = run(argv, timeout=60)
        if done.returncode != 0:
            raise AssertionError("making test certificates failed:\n" + done.transcript())
        return done

    def _sanstls_ca(self, name, cn):
        directory = os.path.join(self.root, name)
        self._run([OPTIONS.sanstls, "cert", "ca", "--out", directory, "--cn", cn])
        return directory

    def _sanstls_leaf(self, name, ca_dir, names, *extra):
        directory = os.path.join(self.root, name)
        self._run([OPTIONS.sanstls, "cert", "leaf", "--ca", ca_dir, "--out", directory,
                   "--name", names, *extra])
        return Credential(directory)

    def _extensions_file(self, directory):
        path = os.path.join(directory, "leaf.cnf")
        with open(path, "w") as f:
            f.write(_LEAF_EXTENSIONS)
        return path

    def _self_signed(self, name):
        directory = os.path.join(self.root, name)
        os.makedirs(directory)
        self._run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "30",
                   "-keyout", os.path.join(directory, "key.pem"),
                   "-out", os.path.join(directory, "cert.pem"),
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                   "-addext", "extendedKeyUsage=serverAuth"])
        return Credential(directory)

    def _request(self, directory, key_args, subject="/CN=localhost"):
        csr = os.path.join(directory, "request.csr")
        self._run(["openssl", "req", "-new", *key_args, "-nodes", "-subj", subject,
                   "-keyout", os.path.join(directory, "key.pem"), "-out", csr])
        return csr

    def _openssl_leaf(self, name, key_args, digest):
        directory = os.path.join(self.root, name)
        os.makedirs(directory)
        csr = self._request(directory, key_args)
        self._run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
                   "-set_serial", str(int.from_bytes(os.urandom(8), "big")), digest,
                   "-days", "30", "-extfile", self._extensions_file(directory),
                   "-extensions", "leaf", "-out", os.path.join(directory, "cert.pem")])
        return Credential(directory)

    def _expired(self, name, section="leaf", subject="/CN=localhost"):
        """`openssl x509 -req` cannot back-date; `openssl ca` takes explicit dates. `section`:
        the extensions (leaf: serverAuth; client_leaf: clientAuth)."""
        directory = os.path.join(self.root, name)
        database = os.path.join(directory, "db")
        os.makedirs(database)
        open(os.path.join(database, "index.txt"), "w").close()
        with open(os.path.join(database, "serial"), "w") as f:
            f.write(os.urandom(8).hex() + "\n")
        config = os.path.join(directory, "ca.cnf")
        with open(config, "w") as f:
            f.write(_CA_CONFIG.format(db=database))
        csr = self._request(directory, ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                            subject)
        self._run(["openssl", "ca", "-batch", "-notext", "-config", config, "-cert", self.ca,
                   "-keyfile", self.ca_key, "-in", csr, "-extensions", section,
                   "-startdate", "20200101000000Z", "-enddate", "20210101000000Z",
                   "-out", os.path.join(directory, "cert.pem")])
        return Credential(directory)


_PKI = None


class RefusedClientCertificate:
    """A client certificate every sanstls server must refuse, what its log says, and the alert."""

    def __init__(self, name, attribute, server_log, alert, number, openssl_text, python_text):
        self.name = name
        self.attribute = attribute  # the PKI attribute holding the credential
        self.server_log = server_log  # regex on the server's "handshake failed: ..." line
        self.alert = alert  # RFC 8446 §6.2 name
        self.number = number  # its AlertDescription value (gnutls-cli prints it)
        self.openssl_text = openssl_text  # as OpenSSL (s_client, curl) prints it
        self.python_text = python_text  # in Python's SSLError

    def credential(self, pki_):
        return getattr(pki_, self.attribute)


# The server's message is the core verifier's (src/x509/verify.cpp); sanstls's own validator (the
# native engine's, docs/x509.md) adds where and which rule ("[depth 0; RFC 5280 §6.1]"). So is the
# alert (verify.cpp alert_for: unknown_issuer → unknown_ca, expired →
# certificate_expired, wrong_usage → unsupported_certificate).
REFUSED_CLIENT_CERTIFICATES = [
    RefusedClientCertificate(
        "untrusted", "client_untrusted",
        r"handshake failed: the issuer of 'CN=client\.example' \('CN=some other CA'\) is not in "
        r"the trust store and the peer did not send it( \[depth 0; RFC 5280 §6\.1\])?\n",
        "unknown_ca", 48, "alert unknown ca", "ALERT_UNKNOWN_CA"),
    RefusedClientCertificate(
        "expired", "client_expired",
        r"handshake failed: certificate 'CN=client\.example' expired on 2021-01-01",
        "certificate_expired", 45, "alert certificate expired", "ALERT_CERTIFICATE_EXPIRED"),
    RefusedClientCertificate(
        "server_only_eku", "client_server_eku",
        r"handshake failed: certificate 'CN=client\.example' may not be used for TLS client "
        r"authentication",
        "unsupported_certificate", 43, "alert unsupported certificate",
        "ALERT_UNSUPPORTED_CERTIFICATE"),
]


def pki():
    global _PKI
    if _PKI is None:
        _PKI = PKI(os.path.join(OPTIONS.workdir, "pki"))
    return _PKI


# ---- the test base class -------------------------------------------------------------------


class InteropTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.pki = pki()

    def peer(self, argv, **kwargs):
        """Starts a peer that this test kills when it ends, passed or failed."""
        peer = Peer(argv, **kwargs)
        self.addCleanup(peer.stop)
        self._peers = getattr(self, "_peers", []) + [peer]
        return peer

    def transcripts(self):
        return "\n".join(p.transcript() for p in getattr(self, "_peers", []))


    def check(self, condition, message):
        if not condition:
            self.fail(message + "\n" + self.transcripts())

    def assertExit(self, peer, expected, timeout=STEP_TIMEOUT):
        code = peer.wait(timeout)
        self.check(code == expected, f"{peer.name} exited {code}, expected {expected}")

    def assertIn(self, member, container, msg=None):  # noqa: N802 (unittest style)
        if member not in container:
            self.fail(f"{member!r} not found in:\n{container}\n{msg or ''}\n{self.transcripts()}")

    def assertRegex(self, text, regex, msg=None):  # noqa: N802
        if not re.search(regex, text):
            self.fail(f"/{regex}/ does not match:\n{text}\n{msg or ''}\n{self.transcripts()}")

    # -- cases that need TLS 1.2: reported by capability for an engine without it --

    # What `sanstls client` says when a TLS 1.2-only server refuses its TLS 1.3-only ClientHello
    # with a protocol_version alert ({engine} is filled in).
    CLIENT_TLS12_REFUSAL = (r"^sanstls client: the server refused TLS 1\.3 with a "
                            r"protocol_version alert: .*; sanstls requires TLS 1\.2 or newer, and "
                            r"the {engine} engine speaks TLS 1\.3 only")
    # What `sanstls server` logs when it refuses a client that offered TLS 1.2 at most.
    SERVER_TLS12_REFUSAL = (r"handshake failed: the client offered TLS 1\.2 at most; the "
                            r"{engine} engine speaks TLS 1\.3 only")

    @contextlib.contextmanager
    def _reporting(self, engine, version):
        current = getattr(self, "_subtest", None) or self
        try:
            yield
        except unittest.SkipTest:
            raise
        except BaseException:
            _REPORTED.append((current.id(), engine, version, False))
            raise
        _REPORTED.append((current.id(), engine, version, True))

    def lacks_tls12_as_client(self, engine, start_server, *client_args, refusal=None):
        """For a case, or an iteration, in which `sanstls client` must speak TLS 1.2.

        Returns None when `engine` speaks TLS 1.2: the case goes on. Otherwise the case is
        reported by capability, never skipped: `start_server()` starts the case's own TLS 1.2-only
        server and returns (peer, port); the engine's client (with `client_args`) must be refused
        cleanly: exit 4, nothing relayed, and stderr matching `refusal` (a regex, {engine} filled
        in; by default CLIENT_TLS12_REFUSAL, which names the engine's limit). Returns the server
        peer, for the caller's checks of the peer's side; the case (or iteration) then ends.
        """
        if speaks(engine, "TLS 1.2", as_client=True):
            return None
        with self._reporting(engine, "TLS 1.2"):
            server, port = start_server()
            client = self.sanstls_client(engine, port, *client_args)
            client.close_stdin()
            self.assertExit(client, 4)
            self.assertEqual(client.stdout, "")
            self.assertRegex(client.stderr,
                             (refusal or self.CLIENT_TLS12_REFUSAL).format(engine=engine))
        return server

    def lacks_tls12_as_server(self, engine, connect, *server_args, mode="--http", cred=None):
        """For a case, or an iteration, in which `sanstls server` must speak TLS 1.2.

        Returns None when `engine` speaks TLS 1.2: the case goes on. Otherwise the case is
        reported by capability, never skipped: `sanstls server` (with `server_args`) starts,
        `connect(port)` makes the case's own TLS 1.2-only client attempt and asserts that the
        client saw the refusal (its own failure and alert); the server must log a handshake failure
        naming the engine's limit (SERVER_TLS12_REFUSAL). Returns the server peer; the case (or
        iteration) then ends.
        """
        if speaks(engine, "TLS 1.2"):
            return None
        with self._reporting(engine, "TLS 1.2"):
            server, port = self.sanstls_server(engine, *server_args, cred=cred, mode=mode)
            connect(port)
            self.server_log(server, self.SERVER_TLS12_REFUSAL.format(engine=engine))
        return server

    # -- sanstls itself --

    def sanstls_server(self, engine, *args, cred=None, mode="--http"):
        """`sanstls server --port 0` on 127.0.0.1; returns (peer, port)."""
        cred = cred or self.pki.server
        argv = [OPTIONS.sanstls, "server", "--backend", engine, "--host", LOOPBACK, "--port", "0",
                "--cert", cred.cert, "--key", cred.key, "--timeout", "3", mode, *args]
        server = self.peer(argv, name=f"sanstls server ({engine})", stdin=False)
        port = int(server.wait_for(r"listening on 127\.0\.0\.1:(\d+)\n").group(1))
        return server, port

    def sanstls_client(self, engine, port, *args, servername="localhost", ca=None):
        ca = ca if ca is not None else self.pki.ca
        argv = [OPTIONS.sanstls, "client", f"{LOOPBACK}:{port}", "--backend", engine,
                "--timeout", "20"]
        if servername:
            argv += ["--servername", servername]
        if ca:
            argv += ["--ca", ca]
        return self.peer(argv + list(args), name=f"sanstls client ({engine})")

    def server_log(self, server, pattern, timeout=STEP_TIMEOUT):
        """Waits for `pattern` in the sanstls server's stderr log."""
        return server.wait_for(pattern, key="stderr", timeout=timeout)

    # -- other peers --

    def openssl_server(self, *args, cred=None, name="openssl s_server"):
        cred = cred or self.pki.server
        port = free_port()
        server = self.peer(["openssl", "s_server", "-accept", f"{LOOPBACK}:{port}",
                            "-cert", cred.cert, "-key", cred.key, "-naccept", "1", *args],
                           name=name, stdin=False)
        wait_listening(port, server)
        return server, port

    def gnutls_server(self, *args, cred=None):
        """gnutls-serv cannot be told an address: the bind shim pins it to 127.0.0.1."""
        shim = bind_shim()
        if shim is None:
            # Scripts that start gnutls-serv call require_peers(bind_shim_needed=True) first.
            self.fail("no bind shim (--bind-shim) and no C compiler to build one: gnutls-serv "
                      "would listen on every address")
        cred = cred or self.pki.server
        port = free_port()
        server = self.peer(["gnutls-serv", "-p", port, "--x509certfile", cred.cert,
                            "--x509keyfile", cred.key, *args],
                           name="gnutls-serv", stdin=False, env=peer_env({"LD_PRELOAD": shim}))
        wait_listening(port, server)
        return server, port


_SHIM = []


def bind_shim():
    """The LD_PRELOAD library that pins binds to 127.0.0.1 (built here if not given)."""
    if _SHIM:
        return _SHIM[0]
    path = OPTIONS.bind_shim
    if not path or not os.path.exists(path):
        path = None
        compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if compiler:
            out = os.path.join(OPTIONS.workdir, "bind_loopback.so")
            source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bind_loopback.c")
            built = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", out, source,
                                    "-ldl"], capture_output=True, timeout=60)
            if built.returncode == 0:
                path = out
    _SHIM.append(path)
    return path


def tool_missing(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    return f"not installed: {', '.join(missing)}" if missing else None


# ctest's SKIP_RETURN_CODE for the interop tests (tests/interop/CMakeLists.txt): a script that
# cannot test anything says so with this code, and ctest reports it as skipped, never passed.
SKIP_EXIT_CODE = 77


def in_ci(environ=None):
    """Whether we run under CI (`CI=true`, as CI systems set it): there, nothing may skip."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return value.strip().lower() in ("true", "1", "yes")


def missing_peer_verdict(missing, environ=None):
    """What a script does when the peer programs `missing` (names) are not installed:
    None when nothing is missing; else (exit code, message). Under CI a missing peer program is
    a failure (exit 1): the suite must not pass by testing nothing. Elsewhere the script exits
    with SKIP_EXIT_CODE, which ctest reports as skipped (not passed)."""
    if not missing:
        return None
    names = ", ".join(missing)
    if in_ci(environ):
        return 1, (f"FAILED: the peer programs {names} are not installed, and CI=true: a CI run "
                   f"must test against them (scripts/install-deps.sh installs them)")
    return SKIP_EXIT_CODE, (f"SKIPPED (exit {SKIP_EXIT_CODE}): the peer programs {names} are not "
                            f"installed (scripts/install-deps.sh installs them); under CI=true "
                            f"this is a failure")


def require_peers(*tools, bind_shim_needed=False):
    """Called by a script before its tests: exits at once (missing_peer_verdict) when one of
    `tools` is not on PATH, or when `bind_shim_needed` and no bind shim can be had."""
    missing = [t for t in tools if shutil.which(t) is None]
    if bind_shim_needed and not missing and bind_shim() is None:
        missing.append("the bind shim (--bind-shim, or a C compiler to build bind_loopback.c)")
    verdict = missing_peer_verdict(missing)
    if verdict:
        code, message = verdict
        print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
        sys.stderr.flush()
        sys.exit(code)
