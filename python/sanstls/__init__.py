# SPDX-License-Identifier: Apache-2.0 OR MIT
"""sanstls for Python: the 2014 PyCA TLS API proposal, on sanstls's engines.

No I/O: a Session consumes the bytes you received (``receive_data``) and hands the bytes to
send to your ``write_callback``. Any event loop drives it (see docs/python.md).

    from sanstls import ClientTLS
    tls = ClientTLS("example.org")
    session = tls.start(transport.write, close_callback)
    session.write_data(b"GET / HTTP/1.0\\r\\n\\r\\n")   # queued until the handshake completes
    data = session.receive_data(bytes_from_the_network)
"""

from __future__ import annotations

import enum
import threading
import weakref
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Union

from . import _sanstls

__all__ = [
    "ALERT_FATAL",
    "ALERT_WARNING",
    "AlertDescription",
    "BadTLSDataError",
    "Certificate",
    "CertificateRejectedError",
    "ClientCertificateStore",
    "ClientTLS",
    "ConfigurationError",
    "DEFAULT",
    "ExtraneousPrivateKeyError",
    "InvalidAlertLevel",
    "InvalidatedError",
    "LeafCertificateHasNoPrivateKeyError",
    "MoreThanOneLeafCertificateError",
    "NoCertificateChainError",
    "NoLeafCertificateError",
    "SNIServerCertificates",
    "ServerCertificateChain",
    "ServerCertificates",
    "ServerTLS",
    "Session",
    "SessionInfo",
    "TLSAlertError",
    "TLSError",
    "TrustStore",
    "UnsupportedError",
    "available_backends",
    "load_pem_chain",
]

#: Alert levels (RFC 5246 §7.2).
ALERT_WARNING = 1
ALERT_FATAL = 2


class AlertDescription(enum.IntEnum):
    """TLS alert descriptions, named as in RFC 8446 §6 (and RFC 5246 for no_renegotiation)."""

    close_notify = 0
    unexpected_message = 10
    bad_record_mac = 20
    record_overflow = 22
    handshake_failure = 40
    bad_certificate = 42
    unsupported_certificate = 43
    certificate_revoked = 44
    certificate_expired = 45
    certificate_unknown = 46
    illegal_parameter = 47
    unknown_ca = 48
    access_denied = 49
    decode_error = 50
    decrypt_error = 51
    protocol_version = 70
    insufficient_security = 71
    internal_error = 80
    inappropriate_fallback = 86
    user_canceled = 90
    no_renegotiation = 100
    missing_extension = 109
    unsupported_extension = 110
    unrecognized_name = 112
    bad_certificate_status_response = 113
    unknown_psk_identity = 115
    certificate_required = 116
    no_application_protocol = 120


# --- Exceptions ---------------------------------------------------------------------------


class TLSError(Exception):
    """Base of every sanstls exception. ``code`` is the C++ Errc name ("bad_tls_data", ...);
    the text is sanstls's message: what failed and what to do."""

    def __init__(self, message: str, code: str = "", certificate_problem: str = "none",
                 credential_problem: str = "none", alert_sent: Optional[int] = None,
                 alert_received: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.certificate_problem = certificate_problem
        self.credential_problem = credential_problem
        self.alert_sent = _alert_or_int(alert_sent)
        self.alert_received = _alert_or_int(alert_received)


class TLSAlertError(TLSError):
    """The peer sent an alert that ended the session (``alert_code``, ``alert_level``)."""

    @property
    def alert_code(self) -> Union["AlertDescription", int, None]:
        return self.alert_received

    @property
    def alert_level(self) -> int:
        closure = (AlertDescription.close_notify, AlertDescription.user_canceled)
        return ALERT_WARNING if self.alert_received in closure else ALERT_FATAL


class BadTLSDataError(TLSError):
    """The peer sent bytes that are not valid TLS at this point."""


class InvalidatedError(TLSError):
    """The session was invalidated by an earlier error (or a callback was called twice)."""


class InvalidAlertLevel(TLSError, ValueError):
    """Session.alert() was given a level the alert does not allow (RFC 8446 §6)."""


class CertificateRejectedError(TLSError):
    """The peer's certificate failed a check (``certificate_problem`` says which); the text
    names the host, the certificate and the reason. Also raised when verify_callback raised."""


class UnsupportedError(TLSError):
    """The engine cannot do what was asked (e.g. the OpenSSL engine sending an arbitrary
    alert); nothing happened and the session goes on."""


class ConfigurationError(TLSError, ValueError):
    """A configuration sanstls refuses (unknown engine, dh_params, a policy it cannot meet)."""


class LeafCertificateHasNoPrivateKeyError(TLSError, ValueError):
    """A chain's leaf certificate has no private key."""


class MoreThanOneLeafCertificateError(TLSError, ValueError):
    """A chain holds more than one leaf (non-CA) certificate."""


class NoLeafCertificateError(TLSError, ValueError):
    """A chain holds no leaf (non-CA) certificate."""


class NoCertificateChainError(TLSError, ValueError):
    """The certificates do not form a chain from the leaf (each issued by the next)."""


class ExtraneousPrivateKeyError(TLSError, ValueError):
    """A private key where none belongs (on a CA certificate, in a chain file, in a trust
    store)."""


def _alert_or_int(code: Optional[int]) -> Union[AlertDescription, int, None]:
    if code is None:
        return None
    try:
        return AlertDescription(code)
    except ValueError:
        return code


_CREDENTIAL_ERRORS = {
    "leaf_has_no_private_key": LeafCertificateHasNoPrivateKeyError,
    "more_than_one_leaf": MoreThanOneLeafCertificateError,
    "no_leaf": NoLeafCertificateError,
    "no_chain_from_leaf": NoCertificateChainError,
    "extraneous_private_key": ExtraneousPrivateKeyError,
}

_CODE_ERRORS = {
    "alert_received": TLSAlertError,
    "bad_tls_data": BadTLSDataError,
    "invalidated": InvalidatedError,
    "invalid_alert_level": InvalidAlertLevel,
    "certificate_rejected": CertificateRejectedError,
    "bad_configuration": ConfigurationError,
    "unsupported": UnsupportedError,
}


def _exception(error: tuple) -> TLSError:
    """The proposal's exception for a C++ error tuple."""
    code, message, certificate_problem, credential_problem, alert_sent, alert_received = error
    cls = _CREDENTIAL_ERRORS.get(credential_problem) or _CODE_ERRORS.get(code, TLSError)
    if alert_received is not None and code not in ("invalidated",):
        cls = TLSAlertError
    return cls(message, code, certificate_problem, credential_problem, alert_sent,
               alert_received)


def _check(result: tuple):
    value, error = result
    if error is not None:
        raise _exception(error)
    return value


def _check_void(error: Optional[tuple]) -> None:
    if error is not None:
        raise _exception(error)


def available_backends() -> List[str]:
    """The engines of this build: "openssl", "gnutls", "native"."""
    return list(_sanstls.available_backends())


# --- Certificates -------------------------------------------------------------------------


class Certificate:
    """One X.509 certificate (DER), optionally with the private key of a leaf."""

    def __init__(self, native: "_sanstls.Certificate", private_key=None) -> None:
        self._native = native
        self._private_key = private_key

    @classmethod
    def from_pem(cls, data: Union[str, bytes], private_key: Union[str, bytes, None] = None
                 ) -> "Certificate":
        """One PEM CERTIFICATE block (nothing else); ``private_key``: its key as PEM."""
        native = _check(_sanstls.Certificate.from_pem(_text(data)))
        key = _check(_sanstls.PrivateKey.from_pem(_text(private_key))) if private_key else None
        return cls(native, key)

    @classmethod
    def from_der(cls, data: bytes, private_key: Union[str, bytes, None] = None) -> "Certificate":
        native = _check(_sanstls.Certificate.from_der(bytes(data)))
        key = _check(_sanstls.PrivateKey.from_pem(_text(private_key))) if private_key else None
        return cls(native, key)

    def get_asn1_bytes(self) -> bytes:
        """The DER encoding, exactly as parsed."""
        return self._native.der()

    @property
    def has_private_key(self) -> bool:
        return self._private_key is not None

    @property
    def subject(self) -> str:
        return self._native.subject()

    @property
    def issuer(self) -> str:
        return self._native.issuer()

    @property
    def dns_names(self) -> List[str]:
        return list(self._native.dns_names())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and self.get_asn1_bytes() == other.get_asn1_bytes()

    def __hash__(self) -> int:
        return hash(self.get_asn1_bytes())

    def __repr__(self) -> str:
        return f"<Certificate {self.subject}>"


def _text(data: Union[str, bytes]) -> str:
    return data.decode("ascii") if isinstance(data, (bytes, bytearray)) else data


def load_pem_chain(chain_pem: Union[str, bytes], key_pem: Union[str, bytes]) -> List[Certificate]:
    """The leaf then its intermediates from ``chain_pem`` (CERTIFICATE blocks only), the key
    from ``key_pem`` attached to the leaf. Raises the proposal's chain errors."""
    chain = _check(_sanstls.CertificateChain.from_pem(_text(chain_pem), _text(key_pem)))
    certificates = [Certificate(c) for c in chain.certificates()]
    certificates[0]._private_key = chain.key()
    return certificates


def _in_chain_order(leaf: Certificate, certificates: List[Certificate]) -> List[Certificate]:
    """Leaf first, then each certificate's issuer: the proposal passes chains as sets."""
    ordered = [leaf]
    rest = [c for c in certificates if c is not leaf]
    while rest:
        issuer = next((c for c in rest if c.subject == ordered[-1].issuer), None)
        if issuer is None or ordered[-1].subject == ordered[-1].issuer:
            break
        ordered.append(issuer)
        rest.remove(issuer)
    # Whatever is left does not continue the chain: the C++ check names it.
    return ordered + rest


def _native_chain(chain) -> "_sanstls.CertificateChain":
    """A C++ CertificateChain from a collection of Certificates (a list or a set, the key on
    the leaf) or a ServerCertificateChain."""
    if isinstance(chain, ServerCertificateChain):
        return chain._chain
    certificates = list(chain)
    if not certificates:
        raise NoLeafCertificateError("the chain is empty: it needs a leaf certificate",
                                     "bad_configuration", credential_problem="no_leaf")
    leaves = [c for c in certificates if not c._native.is_ca()]
    if not leaves:
        raise NoLeafCertificateError("the chain holds only CA certificates: it needs one leaf",
                                     "bad_configuration", credential_problem="no_leaf")
    if len(leaves) > 1:
        raise MoreThanOneLeafCertificateError(
            f"the chain holds {len(leaves)} leaf certificates "
            f"({', '.join(c.subject for c in leaves)}); a chain has exactly one",
            "bad_configuration", credential_problem="more_than_one_leaf")
    leaf = leaves[0]
    for certificate in certificates:
        if certificate.has_private_key and certificate is not leaf:
            raise ExtraneousPrivateKeyError(
                f"the CA certificate {certificate.subject} carries a private key; only the leaf "
                "may", "bad_configuration", credential_problem="extraneous_private_key")
    if not leaf.has_private_key:
        raise LeafCertificateHasNoPrivateKeyError(
            f"the leaf certificate {leaf.subject} has no private key; pass it as "
            "Certificate.from_pem(pem, private_key=...) or use load_pem_chain()",
            "bad_configuration", credential_problem="leaf_has_no_private_key")
    ordered = _in_chain_order(leaf, certificates)
    return _check(_sanstls.CertificateChain.create([c._native for c in ordered],
                                                   leaf._private_key))


def _split_chains(certificates) -> list:
    """SNIServerCertificates accepts a list of chains, or (as the proposal wrote it) one set of
    certificates holding several chains: each keyed leaf with the CA certificates that issue
    it, and those that issue them."""
    certificates = list(certificates)
    if not all(isinstance(c, Certificate) for c in certificates):
        return certificates
    cas = [c for c in certificates if c._native.is_ca()]
    chains = []
    for leaf in (c for c in certificates if not c._native.is_ca()):
        chain = [leaf]
        while True:
            issuer = next((c for c in cas if c.subject == chain[-1].issuer and c not in chain),
                          None)
            if issuer is None or chain[-1].subject == chain[-1].issuer:
                break
            chain.append(issuer)
        chains.append(chain)
    return chains


class TrustStore:
    """The root certificates a peer's chain must lead to. Refuses private keys."""

    def __init__(self, certificates: Sequence[Certificate]) -> None:
        for certificate in certificates:
            if certificate.has_private_key:
                raise ExtraneousPrivateKeyError(
                    f"a trust store holds certificates only; {certificate.subject} carries a "
                    "private key", "bad_configuration",
                    credential_problem="extraneous_private_key")
        self._native = _check(_sanstls.TrustStore.from_certificates(
            [c._native for c in certificates]))

    @classmethod
    def _wrap(cls, native) -> "TrustStore":
        store = cls.__new__(cls)
        store._native = native
        return store

    @classmethod
    def from_pem(cls, data: Union[str, bytes]) -> "TrustStore":
        return cls._wrap(_check(_sanstls.TrustStore.from_pem(_text(data))))

    @classmethod
    def from_pem_file(cls, path) -> "TrustStore":
        return cls._wrap(_check(_sanstls.TrustStore.from_file(str(path))))

    @classmethod
    def system(cls) -> "TrustStore":
        """The operating system's store (the DEFAULT)."""
        return cls._wrap(_check(_sanstls.TrustStore.system()))

    @property
    def certificates(self) -> List[Certificate]:
        return [Certificate(c) for c in self._native.certificates()]


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: The default trust root: the system's store (TrustStore.system()).
DEFAULT = _Default()


# --- Certificate stores -------------------------------------------------------------------


class _AnswerOnce:
    """The callback a certificate store answers through: once, now or later."""

    def __init__(self, responder, on_error: Callable[[BaseException], None]) -> None:
        self._responder = responder
        self._on_error = on_error
        self._called = False

    def __call__(self, chain=None) -> None:
        if self._called:
            raise InvalidatedError(
                "the certificate chain callback was called twice; only the first answer counts",
                "invalidated")
        self._called = True
        if chain is None:
            self._responder.decline()
            return
        try:
            native = _native_chain(chain)
        except TLSError as error:
            self._responder.decline()
            self._on_error(error)
            raise
        # A handshake failure that follows surfaces from the session's next call.
        self._responder.provide(native)


class ServerCertificates:
    """Subclass and implement get_certificate_chain_for_server_name(server_name, callback):
    call ``callback(chain)`` now or later (exactly once); ``callback(None)`` means no chain and
    the handshake fails with an unrecognized_name alert."""

    def get_certificate_chain_for_server_name(self, server_name: Optional[str],
                                              certificate_chain_callback) -> None:
        raise NotImplementedError

    def _native_store(self, tls: "ServerTLS"):
        def select(server_name: str, responder) -> None:
            session = tls._current_session()
            answer = _AnswerOnce(responder, session._record if session else _ignore)
            try:
                self.get_certificate_chain_for_server_name(server_name or None, answer)
            except BaseException as error:  # never into the engine: recorded, re-raised later
                if session is not None:
                    session._record(error)
                if not answer._called:
                    answer._called = True
                    responder.decline()
        return _sanstls.python_store(select)


class ServerCertificateChain(ServerCertificates):
    """One chain for every client (a list of Certificates, the key on the leaf)."""

    def __init__(self, chain: Sequence[Certificate]) -> None:
        self._chain = _native_chain(chain)
        self.chain = list(chain)

    def get_certificate_chain_for_server_name(self, server_name, certificate_chain_callback):
        certificate_chain_callback(self)

    def _native_store(self, tls: "ServerTLS"):
        return _sanstls.chain_store(self._chain)


class SNIServerCertificates(ServerCertificates):
    """Chains chosen by the client's SNI name (each serves its leaf's DNS names, wildcards
    included); ``default`` serves every other client (None: they get unrecognized_name)."""

    def __init__(self, certificates, default=None) -> None:
        self._chains = [_native_chain(chain) for chain in _split_chains(certificates)]
        self._default = _native_chain(default) if default else None

    def _native_store(self, tls: "ServerTLS"):
        return _sanstls.sni_store(self._chains, self._default)


class ClientCertificateStore:
    """Subclass to offer a client certificate when a server asks for one: implement
    get_certificate_chain_for_roots(roots, callback) (roots: the distinguished names of the CAs
    the server accepts) and get_default_certificate_chain(callback) (the server named none).
    Call the callback once, now or later; None continues without a certificate."""

    def get_certificate_chain_for_roots(self, roots: List[str], callback) -> None:
        callback(None)

    def get_default_certificate_chain(self, callback) -> None:
        callback(None)

    def _select(self, tls: "ClientTLS"):
        def select(server_name: str, authorities, responder) -> None:
            session = tls._current_session()
            answer = _AnswerOnce(responder, session._record if session else _ignore)
            try:
                if authorities:
                    self.get_certificate_chain_for_roots(list(authorities), answer)
                else:
                    self.get_default_certificate_chain(answer)
            except BaseException as error:
                if session is not None:
                    session._record(error)
                if not answer._called:
                    answer._called = True
                    responder.decline()
        return select


def _ignore(_error: BaseException) -> None:
    pass


# --- Configurations and sessions ----------------------------------------------------------


def _backend(name: str) -> str:
    error = _sanstls.parse_backend(name)
    if error is not None:
        raise ConfigurationError(error[1], error[0])
    return name


class _Configuration:
    def __init__(self) -> None:
        self._active = threading.local()

    def _current_session(self) -> Optional["Session"]:
        ref = getattr(self._active, "session", None)
        return ref() if ref is not None else None


class ClientTLS(_Configuration):
    """A client configuration: the server's name, the trust root, an optional client
    certificate store; keyword-only: backend ("openssl", "gnutls", "native"), alpn, and
    tls13_only."""

    def __init__(self, server_hostname: Union[str, bytes], trust_root=DEFAULT,
                 client_certificate_store: Optional[ClientCertificateStore] = None, *,
                 backend: str = "openssl", alpn: Sequence[str] = (),
                 tls13_only: bool = False) -> None:
        super().__init__()
        if isinstance(server_hostname, (bytes, bytearray)):
            server_hostname = bytes(server_hostname).decode("ascii")
        self.server_hostname = server_hostname
        trust = None if trust_root is DEFAULT else trust_root._native
        store = client_certificate_store._select(self) if client_certificate_store else None
        self._native = _sanstls.ClientTLS(server_hostname, trust, store, _backend(backend),
                                          list(alpn), tls13_only)
        _check_void(self._native.configuration_error())

    def start(self, write_callback: Callable[[bytes], object],
              close_callback: Optional[Callable[[bool], object]] = None,
              verify_callback=None) -> "Session":
        """A new session; its ClientHello goes to write_callback before this returns."""
        return Session._start(self, write_callback, close_callback, verify_callback)


class ServerTLS(_Configuration):
    """A server configuration: a ServerCertificates (or a chain: a list of Certificates with
    the key on the leaf). ``dh_params`` must be None: finite-field DH is outside the policy."""

    def __init__(self, certificates, dh_params=None, *, backend: str = "openssl",
                 alpn: Sequence[str] = (), tls13_only: bool = False,
                 client_auth: Optional[str] = None,
                 client_trust: Optional[TrustStore] = None) -> None:
        super().__init__()
        if dh_params is not None:
            raise ConfigurationError(
                "dh_params: sanstls does not use finite-field Diffie-Hellman (only ECDHE, "
                "which needs no parameters); leave dh_params as None", "bad_configuration")
        if not isinstance(certificates, ServerCertificates):
            certificates = ServerCertificateChain(certificates)
        self.certificates = certificates
        self._native = _sanstls.ServerTLS(certificates._native_store(self), _backend(backend),
                                          list(alpn), tls13_only, client_auth or "none",
                                          client_trust._native if client_trust else None)
        _check_void(self._native.configuration_error())

    def start(self, write_callback: Callable[[bytes], object], verify_callback=None,
              close_callback: Optional[Callable[[bool], object]] = None) -> "Session":
        return Session._start(self, write_callback, close_callback, verify_callback)


@dataclass
class SessionInfo:
    """What a session negotiated so far."""

    backend: str
    version: Optional[str]
    cipher_suite: Optional[str]
    group: Optional[str]
    alpn: str
    server_name: str
    peer_certificates: List[Certificate] = field(default_factory=list)
    peer_verified: bool = False
    resumed: bool = False


class Session:
    """A TLS session. Use it from one thread at a time."""

    def __init__(self) -> None:  # made by ClientTLS.start / ServerTLS.start
        self._native = None
        self._exceptions: List[BaseException] = []
        self._configuration: Optional[_Configuration] = None

    @classmethod
    def _start(cls, configuration: _Configuration, write_callback, close_callback,
               verify_callback) -> "Session":
        session = cls()
        session._configuration = configuration
        me = weakref.ref(session)

        def write(data: bytes) -> None:
            try:
                write_callback(data)
            except BaseException as error:
                _record(me, error)

        def close(immediate: bool) -> None:
            if close_callback is None:
                return
            try:
                close_callback(immediate)
            except BaseException as error:
                _record(me, error)

        verify = None
        if verify_callback is not None:
            def verify(certificates) -> Optional[str]:
                owner = me()
                try:
                    verify_callback([Certificate(c) for c in certificates], owner)
                    return None
                except BaseException as error:
                    _record(me, error)
                    return f"{type(error).__name__}: {error}"

        with session._active():
            session._native = _check(configuration._native.start(write, close, verify))
        session._raise_recorded()
        return session

    def _record(self, error: BaseException) -> None:
        self._exceptions.append(error)

    def _active(self):
        return _Active(self)

    def _raise_recorded(self, error: Optional[tuple] = None) -> None:
        recorded, self._exceptions = self._exceptions, []
        cause = recorded[0] if recorded else None
        if error is not None:
            raise _exception(error) from cause
        if cause is not None:
            raise cause

    def _call(self, method, *args):
        with self._active():
            result = method(*args)
        return result

    def receive_data(self, data: bytes) -> bytes:
        """Consumes bytes from the transport; returns the application data they carried.
        Raises TLSAlertError, BadTLSDataError, CertificateRejectedError, InvalidatedError, ..."""
        received, error = self._call(self._native.receive_data, bytes(data))
        self._raise_recorded(error)
        return received

    def receive_eof(self) -> None:
        """The transport reached end of stream (before the peer's close_notify: truncation)."""
        self._raise_recorded(self._call(self._native.receive_eof))

    def write_data(self, data: bytes) -> None:
        """Encrypts and sends ``data``; before the handshake completes it is queued (64 KiB at
        most) and sent once it does."""
        self._raise_recorded(self._call(self._native.write_data, bytes(data)))

    def finish(self) -> None:
        """Sends close_notify."""
        self._raise_recorded(self._call(self._native.finish))

    def alert(self, alert_code: int, level: Optional[int] = None) -> None:
        """Sends an alert. ``level`` (ALERT_WARNING or ALERT_FATAL) defaults to what the alert
        allows; InvalidAlertLevel when it does not fit (RFC 8446 §6: only close_notify and
        user_canceled are warnings). A fatal alert ends the session."""
        self._raise_recorded(self._call(self._native.alert, int(alert_code), level))

    def export_keying_material(self, length: int, label: str) -> bytes:
        """RFC 5705 / RFC 8446 §7.5 keying material (a secret)."""
        return _check(self._native.export_keying_material(length, label))

    @property
    def handshake_complete(self) -> bool:
        return self._native.handshake_complete()

    @property
    def state(self) -> str:
        return self._native.state()

    @property
    def info(self) -> SessionInfo:
        raw = dict(self._native.info())
        raw["peer_certificates"] = [Certificate(c) for c in raw["peer_certificates"]]
        return SessionInfo(**raw)


class _Active:
    """Marks the session whose call runs on this thread, so that certificate stores (shared by
    every session of a configuration) report their exceptions to it."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._previous = None

    def __enter__(self) -> None:
        active = self._session._configuration._active
        self._previous = getattr(active, "session", None)
        active.session = weakref.ref(self._session)

    def __exit__(self, *exc) -> None:
        self._session._configuration._active.session = self._previous


def _record(ref, error: BaseException) -> None:
    session = ref()
    if session is not None:
        session._record(error)
