# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Certificate stores: answering later, exactly once, SNI, client certificates."""

import pytest

import sanstls
from sanstls import (AlertDescription, ClientCertificateStore, ClientTLS, InvalidatedError,
                     ServerCertificateChain, ServerCertificates, ServerTLS,
                     SNIServerCertificates, TLSAlertError)

from conftest import ENGINE_PAIRS, ENGINES, pair_id

pairs = pytest.mark.parametrize("engines", ENGINE_PAIRS, ids=pair_id)


class Later(ServerCertificates):
    """Remembers the question; the test answers it later, from "the event loop"."""

    def __init__(self):
        self.asked = []

    def get_certificate_chain_for_server_name(self, server_name, certificate_chain_callback):
        self.asked.append((server_name, certificate_chain_callback))


@pairs
def test_server_store_answers_later(pki, make_pair, engines):
    store = Later()
    client = ClientTLS("localhost", pki.trust(), backend=engines[0])
    server = ServerTLS(store, backend=engines[1])
    pair = make_pair(client, server)
    pair.pump()
    assert [name for name, _ in store.asked] == ["localhost"]
    assert not pair.server_out and pair.server.state == "waiting_for_certificate"
    pair.server.write_data(b"queued while waiting")
    callback = store.asked[0][1]
    callback(pki.server.certificates())  # drives the handshake: the ServerHello goes out now
    assert pair.server_out
    pair.handshake()
    assert pair.client_data == b"queued while waiting"
    with pytest.raises(InvalidatedError, match="twice"):
        callback(pki.server.certificates())


@pytest.mark.parametrize("engine", ENGINES)
def test_no_chain_fails_the_handshake_with_an_alert(pki, make_pair, engine):
    store = Later()
    pair = make_pair(ClientTLS("localhost", pki.trust(), backend=engine),
                     ServerTLS(store, backend=engine))
    pair.pump()
    store.asked[0][1](None)
    with pytest.raises(TLSAlertError) as raised:
        pair.pump()
    assert raised.value.alert_code == AlertDescription.unrecognized_name
    with pytest.raises(InvalidatedError):
        pair.server.receive_data(b"")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_store_that_raises_fails_the_session_with_its_exception(pki, make_pair, engine):
    class Broken(ServerCertificates):
        def get_certificate_chain_for_server_name(self, server_name, callback):
            raise LookupError("the database is down")

    pair = make_pair(ClientTLS("localhost", pki.trust(), backend=engine),
                     ServerTLS(Broken(), backend=engine))
    with pytest.raises(sanstls.TLSError) as raised:
        pair.pump()
    assert isinstance(raised.value.__cause__, LookupError)


@pytest.mark.parametrize("engine", ENGINES)
def test_answer_inside_the_question(pki, make_pair, engine):
    class Now(ServerCertificates):
        def get_certificate_chain_for_server_name(self, server_name, callback):
            callback(ServerCertificateChain(pki.server.certificates()))

    pair = make_pair(ClientTLS("localhost", pki.trust(), backend=engine),
                     ServerTLS(Now(), backend=engine))
    pair.handshake()


@pairs
def test_sni_server_certificates(pki, make_pair, engines):
    sni = SNIServerCertificates([pki.other.certificates()], default=pki.server.certificates())
    for name, leaf in (("other.example", pki.other), ("localhost", pki.server)):
        pair = make_pair(ClientTLS(name, pki.trust(), backend=engines[0]),
                         ServerTLS(sni, backend=engines[1]))
        pair.handshake()
        assert pair.client.info.peer_certificates[0] == leaf.certificates()[0]


@pairs
def test_client_certificate_store(pki, make_pair, engines):
    class Store(ClientCertificateStore):
        def __init__(self):
            self.roots = None

        def get_certificate_chain_for_roots(self, roots, callback):
            self.roots = roots
            callback(pki.client.certificates())

        def get_default_certificate_chain(self, callback):
            callback(pki.client.certificates())

    store = Store()
    client = ClientTLS("localhost", pki.trust(), store, backend=engines[0])
    server = ServerTLS(pki.server.certificates(), backend=engines[1], client_auth="required",
                       client_trust=pki.trust())
    pair = make_pair(client, server)
    pair.handshake()
    peer = pair.server.info.peer_certificates
    assert peer and "client.example" in peer[0].dns_names
    if store.roots is not None:
        assert any("sanstls python test CA" in root for root in store.roots)


@pytest.mark.parametrize("engine", ENGINES)
def test_client_without_a_certificate_is_refused(pki, make_pair, engine):
    client = ClientTLS("localhost", pki.trust(), ClientCertificateStore(), backend=engine)
    server = ServerTLS(pki.server.certificates(), backend=engine, client_auth="required",
                       client_trust=pki.trust())
    pair = make_pair(client, server)
    with pytest.raises(sanstls.TLSError):
        pair.pump()


@pytest.mark.parametrize("engine", ENGINES)
def test_sni_from_one_set_of_certificates(pki, make_pair, engine):
    everything = set(pki.server.certificates()) | set(pki.other.certificates())
    sni = SNIServerCertificates(everything)
    pair = make_pair(ClientTLS("other.example", pki.trust(), backend=engine),
                     ServerTLS(sni, backend=engine))
    pair.handshake()
    assert pair.client.info.peer_certificates[0].subject == "CN=other.example"
