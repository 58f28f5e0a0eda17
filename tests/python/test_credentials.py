# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Certificates, chains and trust stores, and the proposal's credential exceptions."""

import pytest

import sanstls
from sanstls import (Certificate, ExtraneousPrivateKeyError, LeafCertificateHasNoPrivateKeyError,
                     MoreThanOneLeafCertificateError, NoCertificateChainError,
                     NoLeafCertificateError, ServerCertificateChain, ServerTLS, TrustStore,
                     load_pem_chain)


def test_certificate_round_trip(pki):
    certificate = Certificate.from_pem(pki.server.cert_pem)
    der = certificate.get_asn1_bytes()
    assert der[0] == 0x30
    assert Certificate.from_der(der) == certificate
    assert certificate.subject == "CN=localhost"
    assert "localhost" in certificate.dns_names
    assert not certificate.has_private_key
    assert Certificate.from_pem(pki.server.cert_pem, private_key=pki.server.key_pem).has_private_key


def test_load_pem_chain_puts_the_key_on_the_leaf(pki):
    chain = load_pem_chain(pki.server.chain_pem, pki.server.key_pem)
    assert [c.has_private_key for c in chain] == [True, False]
    assert chain[0].subject == "CN=localhost"


def test_bad_pem_is_a_tls_error():
    with pytest.raises(sanstls.TLSError):
        Certificate.from_pem("not a certificate")
    with pytest.raises(sanstls.TLSError):
        Certificate.from_der(b"\x30\x03junk")


def test_no_leaf(pki):
    with pytest.raises(NoLeafCertificateError):
        ServerCertificateChain([Certificate.from_pem(pki.ca.cert_pem)])
    with pytest.raises(NoLeafCertificateError):
        ServerCertificateChain([])


def test_more_than_one_leaf(pki):
    with pytest.raises(MoreThanOneLeafCertificateError):
        ServerCertificateChain([
            Certificate.from_pem(pki.server.cert_pem, private_key=pki.server.key_pem),
            Certificate.from_pem(pki.other.cert_pem)])


def test_leaf_has_no_private_key(pki):
    with pytest.raises(LeafCertificateHasNoPrivateKeyError):
        ServerCertificateChain([Certificate.from_pem(pki.server.cert_pem)])
    with pytest.raises(LeafCertificateHasNoPrivateKeyError):
        ServerTLS([Certificate.from_pem(pki.server.cert_pem)])


def test_no_certificate_chain(pki):
    # The leaf was issued by the intermediate, not by the other CA.
    with pytest.raises(NoCertificateChainError):
        load_pem_chain(pki.server.cert_pem + pki.other_ca.cert_pem, pki.server.key_pem)
    with pytest.raises(NoCertificateChainError):
        ServerCertificateChain([
            Certificate.from_pem(pki.server.cert_pem, private_key=pki.server.key_pem),
            Certificate.from_pem(pki.other_ca.cert_pem)])


def test_extraneous_private_key(pki):
    with pytest.raises(ExtraneousPrivateKeyError):
        load_pem_chain(pki.server.chain_pem + pki.server.key_pem, pki.server.key_pem)
    with pytest.raises(ExtraneousPrivateKeyError):
        TrustStore.from_pem(pki.ca.cert_pem + pki.ca.key_pem)
    with pytest.raises(ExtraneousPrivateKeyError):
        TrustStore([Certificate.from_pem(pki.ca.cert_pem, private_key=pki.ca.key_pem)])
    with pytest.raises(ExtraneousPrivateKeyError):
        ServerCertificateChain([
            Certificate.from_pem(pki.server.cert_pem, private_key=pki.server.key_pem),
            Certificate.from_pem(pki.intermediate.cert_pem, private_key=pki.intermediate.key_pem)])


def test_trust_stores(pki, tmp_path):
    assert len(TrustStore([Certificate.from_pem(pki.ca.cert_pem)]).certificates) == 1
    path = tmp_path / "roots.pem"
    path.write_text(pki.ca.cert_pem + pki.other_ca.cert_pem)
    assert len(TrustStore.from_pem_file(path).certificates) == 2
    assert len(TrustStore.system().certificates) > 0
    with pytest.raises(sanstls.TLSError):
        TrustStore.from_pem_file(tmp_path / "missing.pem")


def test_chains_as_sets_as_the_proposal_passes_them(pki):
    # The proposal's ServerCertificateChain(chain) and SNIServerCertificates take sets.
    chain = set(pki.server.certificates())
    assert len(chain) == 2
    ServerCertificateChain(chain)
    everything = set(pki.server.certificates()) | set(pki.other.certificates())
    sni = sanstls.SNIServerCertificates(everything, default=set())
    assert len(sni._chains) == 2
