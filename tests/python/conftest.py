# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Shared fixtures: a test PKI made with the openssl CLI, the engines of this build, and an
in-memory pair of sessions that pumps bytes between a client and a server."""

import itertools
import os
import subprocess
from pathlib import Path

import pytest

import sanstls

ENGINES = sanstls.available_backends()
ENGINE_PAIRS = list(itertools.product(ENGINES, ENGINES))


def pair_id(pair):
    return f"{pair[0]}-{pair[1]}"


_LEAF = """\
[ server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {names}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class Credential:
    def __init__(self, directory: Path):
        self.cert = directory / "cert.pem"
        self.key = directory / "key.pem"
        self.chain = directory / "chain.pem"

    @property
    def cert_pem(self) -> str:
        return self.cert.read_text()

    @property
    def key_pem(self) -> str:
        return self.key.read_text()

    @property
    def chain_pem(self) -> str:
        return self.chain.read_text()

    def certificates(self):
        """The chain as sanstls Certificates, the key on the leaf."""
        return sanstls.load_pem_chain(self.chain_pem, self.key_pem)


class PKI:
    """A root CA, an intermediate, and leaves: server (localhost, 127.0.0.1), other.example,
    client.example (clientAuth); a second root that trusts none of them."""

    def __init__(self, root: Path):
        self.root = root
        self.ca = self._ca("ca", "sanstls python test CA")
        self.intermediate = self._ca("intermediate", "sanstls python intermediate",
                                     issuer=self.ca)
        self.server = self._leaf("server", "localhost", "DNS:localhost,IP:127.0.0.1", "server",
                                 self.intermediate)
        self.other = self._leaf("other", "other.example", "DNS:other.example", "server",
                                self.intermediate)
        self.client = self._leaf("client", "client.example", "", "client", self.ca)
        self.other_ca = self._ca("other-ca", "some other CA")

    def _run(self, *argv):
        subprocess.run(["openssl", *argv], check=True, capture_output=True)

    def _key(self, directory: Path):
        self._run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-out", str(directory / "key.pem"))

    def _config(self, directory: Path, names: str) -> str:
        path = directory / "ext.cnf"
        path.write_text(_LEAF.format(names=names or "DNS:unused.example"))
        return str(path)

    def _ca(self, name, cn, issuer=None) -> Credential:
        directory = self.root / name
        directory.mkdir()
        self._key(directory)
        config = self._config(directory, "")
        if issuer is None:
            self._run("req", "-new", "-x509", "-key", str(directory / "key.pem"), "-subj",
                      f"/CN={cn}", "-days", "30", "-config", config, "-extensions", "ca",
                      "-out", str(directory / "cert.pem"))
            (directory / "chain.pem").write_text((directory / "cert.pem").read_text())
        else:
            self._sign(directory, cn, config, "ca", issuer)
            (directory / "chain.pem").write_text((directory / "cert.pem").read_text() +
                                                 issuer.chain.read_text())
        return Credential(directory)

    def _sign(self, directory, cn, config, section, issuer):
        self._run("req", "-new", "-key", str(directory / "key.pem"), "-subj", f"/CN={cn}",
                  "-out", str(directory / "req.pem"))
        self._run("x509", "-req", "-in", str(directory / "req.pem"), "-CA", str(issuer.cert),
                  "-CAkey", str(issuer.key), "-set_serial",
                  str(int.from_bytes(os.urandom(8), "big")), "-sha256", "-days", "30",
                  "-extfile", config, "-extensions", section, "-out",
                  str(directory / "cert.pem"))

    def _leaf(self, name, cn, names, section, issuer) -> Credential:
        directory = self.root / name
        directory.mkdir()
        self._key(directory)
        self._sign(directory, cn, self._config(directory, names), section, issuer)
        chain = (directory / "cert.pem").read_text()
        if issuer is not self.ca:
            chain += issuer.cert.read_text()
        (directory / "chain.pem").write_text(chain)
        return Credential(directory)

    def trust(self) -> sanstls.TrustStore:
        return sanstls.TrustStore.from_pem(self.ca.cert_pem)


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


class Pair:
    """A client and a server session connected through memory."""

    def __init__(self, client_tls, server_tls, client_verify=None, server_verify=None):
        self.client_out = bytearray()
        self.server_out = bytearray()
        self.client_closes = []
        self.server_closes = []
        self.client_data = bytearray()
        self.server_data = bytearray()
        self.client = client_tls.start(self.client_out.extend, self.client_closes.append,
                                       client_verify)
        self.server = server_tls.start(self.server_out.extend, server_verify,
                                       self.server_closes.append)

    def pump(self):
        """Delivers both ways until nothing moves; exceptions propagate."""
        moved = True
        while moved:
            moved = False
            if self.client_out:
                data = bytes(self.client_out)
                self.client_out.clear()
                self.server_data += self.server.receive_data(data)
                moved = True
            if self.server_out:
                data = bytes(self.server_out)
                self.server_out.clear()
                self.client_data += self.client.receive_data(data)
                moved = True

    def handshake(self):
        self.pump()
        assert self.client.handshake_complete and self.server.handshake_complete


@pytest.fixture
def make_pair():
    return Pair
