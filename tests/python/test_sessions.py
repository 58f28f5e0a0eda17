# SPDX-License-Identifier: Apache-2.0 OR MIT
"""In-memory client and server sessions on every engine pair: the proposal's Session API."""

import pytest

import sanstls
from sanstls import (ALERT_FATAL, ALERT_WARNING, AlertDescription, BadTLSDataError,
                     CertificateRejectedError, ClientTLS, InvalidAlertLevel, InvalidatedError,
                     ServerTLS, TLSAlertError, TLSError)

from conftest import ENGINE_PAIRS, ENGINES, pair_id

pairs = pytest.mark.parametrize("engines", ENGINE_PAIRS, ids=pair_id)


def tls_pair(pki, engines, name="localhost", **client_kw):
    client_engine, server_engine = engines
    client = ClientTLS(name, pki.trust(), backend=client_engine, **client_kw)
    server = ServerTLS(pki.server.certificates(), backend=server_engine)
    return client, server


def test_every_engine_of_the_build_is_tested():
    assert "openssl" in ENGINES
    assert len(ENGINE_PAIRS) == len(ENGINES) ** 2


@pairs
def test_handshake_data_and_info(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    assert not pair.client.handshake_complete
    pair.handshake()
    pair.client.write_data(b"ping")
    pair.pump()
    assert pair.server_data == b"ping"
    pair.server.write_data(b"pong")
    pair.pump()
    assert pair.client_data == b"pong"
    info = pair.client.info
    assert info.backend == engines[0]
    assert info.version in ("TLS 1.3", "TLS 1.2")
    assert info.cipher_suite and info.group
    assert info.server_name == "localhost"
    assert info.peer_certificates[0] == pki.server.certificates()[0]
    assert info.peer_verified and not info.resumed
    assert pair.server.info.server_name == "localhost"


@pairs
def test_write_data_right_after_start_is_sent_after_the_handshake(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    hello = bytes(pair.client_out)
    pair.client.write_data(b"GET / HTTP/1.0\r\n\r\n")
    pair.server.write_data(b"banner")
    assert bytes(pair.client_out) == hello, "nothing but the ClientHello before the handshake"
    pair.handshake()
    assert pair.server_data == b"GET / HTTP/1.0\r\n\r\n"
    assert pair.client_data == b"banner"


@pairs
def test_the_queue_before_the_handshake_is_bounded(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    pair.client.write_data(b"a" * 65536)
    with pytest.raises(TLSError, match="at most 64 KiB") as raised:
        pair.client.write_data(b"x")
    assert raised.value.code == "limit_exceeded"
    pair.handshake()
    assert len(pair.server_data) == 65536


@pairs
def test_finish_closes_both_ways(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    pair.handshake()
    pair.client.finish()
    pair.pump()
    assert pair.server.state == "peer_closed"
    pair.server.finish()
    pair.pump()
    assert pair.client.state == "closed" and pair.server.state == "closed"
    assert pair.client_closes == [False] and pair.server_closes == [False]


@pairs
def test_alert_close_notify_is_finish(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    pair.handshake()
    pair.client.alert(AlertDescription.close_notify)
    pair.pump()
    assert pair.server.state == "peer_closed"


@pairs
def test_alert_level_the_code_does_not_allow(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    pair.handshake()
    with pytest.raises(InvalidAlertLevel, match="invalid alert level"):
        pair.client.alert(AlertDescription.decode_error, ALERT_WARNING)
    with pytest.raises(InvalidAlertLevel):
        pair.client.alert(AlertDescription.close_notify, ALERT_FATAL)
    with pytest.raises(InvalidAlertLevel):
        pair.client.alert(AlertDescription.user_canceled, 7)
    assert pair.client.state == "established"


@pairs
def test_fatal_alert_reaches_the_peer(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines))
    pair.handshake()
    if engines[0] == "openssl":
        # OpenSSL has no call that sends an arbitrary alert: refused, nothing changes.
        with pytest.raises(sanstls.UnsupportedError, match="OpenSSL"):
            pair.client.alert(AlertDescription.access_denied)
        assert pair.client.state == "established"
        return
    pair.client.alert(AlertDescription.access_denied)
    assert pair.client_closes == [False]
    with pytest.raises(InvalidatedError, match="access_denied"):
        pair.client.write_data(b"more")
    with pytest.raises(TLSAlertError) as raised:
        pair.pump()
    assert raised.value.alert_code == AlertDescription.access_denied
    assert raised.value.alert_level == ALERT_FATAL
    with pytest.raises(InvalidatedError):
        pair.server.receive_data(b"")


@pairs
def test_verify_callback_sees_the_chain_and_the_session(pki, make_pair, engines):
    seen = []

    def verify(certificates, session):
        seen.append((certificates, session))

    client, server = tls_pair(pki, engines)
    pair = make_pair(client, server, client_verify=verify)
    pair.handshake()
    assert len(seen) == 1
    certificates, session = seen[0]
    assert session is pair.client
    assert certificates[0].get_asn1_bytes() == pki.server.certificates()[0].get_asn1_bytes()


@pairs
def test_verify_callback_that_raises_rejects_the_peer(pki, make_pair, engines):
    class Pinned(Exception):
        pass

    def verify(certificates, session):
        raise Pinned("not the pinned key")

    client, server = tls_pair(pki, engines)
    pair = make_pair(client, server, client_verify=verify)
    with pytest.raises(CertificateRejectedError, match="not the pinned key") as raised:
        pair.pump()
    assert isinstance(raised.value.__cause__, Pinned)
    assert raised.value.certificate_problem == "rejected_by_callback"
    with pytest.raises(InvalidatedError):
        pair.client.write_data(b"x")


@pairs
def test_certificate_rejection_names_host_and_reason(pki, make_pair, engines):
    pair = make_pair(*tls_pair(pki, engines, name="wrong.example"))
    with pytest.raises(CertificateRejectedError) as raised:
        pair.pump()
    assert "wrong.example" in str(raised.value)
    assert raised.value.certificate_problem == "name_mismatch"


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_issuer(pki, make_pair, engine):
    client = ClientTLS("localhost", sanstls.TrustStore.from_pem(pki.other_ca.cert_pem),
                       backend=engine)
    server = ServerTLS(pki.server.certificates(), backend=engine)
    pair = make_pair(client, server)
    with pytest.raises(CertificateRejectedError) as raised:
        pair.pump()
    assert raised.value.certificate_problem == "unknown_issuer"


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_tls_data(pki, engine):
    server = ServerTLS(pki.server.certificates(), backend=engine)
    session = server.start(lambda data: None)
    with pytest.raises(BadTLSDataError):
        session.receive_data(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    with pytest.raises(InvalidatedError, match="earlier error"):
        session.receive_data(b"more")


@pytest.mark.parametrize("engine", ENGINES)
def test_server_hostname_as_bytes(pki, make_pair, engine):
    client = ClientTLS(b"localhost", pki.trust(), backend=engine)
    pair = make_pair(client, ServerTLS(pki.server.certificates(), backend=engine))
    pair.handshake()
    assert client.server_hostname == "localhost"


@pytest.mark.parametrize("engine", ENGINES)
def test_alpn(pki, make_pair, engine):
    client = ClientTLS("localhost", pki.trust(), backend=engine, alpn=["h2", "http/1.1"])
    server = ServerTLS(pki.server.certificates(), backend=engine, alpn=["http/1.1"])
    pair = make_pair(client, server)
    pair.handshake()
    assert pair.client.info.alpn == "http/1.1"


def test_configuration_errors(pki):
    with pytest.raises(sanstls.ConfigurationError, match="dh_params"):
        ServerTLS(pki.server.certificates(), dh_params=b"parameters")
    with pytest.raises(sanstls.ConfigurationError):
        ClientTLS("localhost", backend="schannel")


def test_every_exception_is_a_tls_error():
    for name in ("TLSAlertError", "BadTLSDataError", "InvalidatedError", "InvalidAlertLevel",
                 "LeafCertificateHasNoPrivateKeyError", "MoreThanOneLeafCertificateError",
                 "NoLeafCertificateError", "NoCertificateChainError",
                 "ExtraneousPrivateKeyError", "CertificateRejectedError", "ConfigurationError",
                 "UnsupportedError"):
        assert issubclass(getattr(sanstls, name), TLSError), name


@pairs
def test_write_callback_that_raises_reaches_the_caller(pki, make_pair, engines):
    client_engine, server_engine = engines
    client = ClientTLS("localhost", pki.trust(), backend=client_engine)

    class Broken(Exception):
        pass

    calls = []

    def write(data):
        calls.append(data)
        if len(calls) == 2:
            raise Broken("transport gone")

    server = ServerTLS(pki.server.certificates(), backend=server_engine)
    session = client.start(write, None)
    server_out = bytearray()
    server_session = server.start(server_out.extend)
    server_session.receive_data(calls[0])
    with pytest.raises(Broken, match="transport gone"):
        session.receive_data(bytes(server_out))
