# Type stubs of the sanstls package (the 2014 PyCA TLS API proposal on sanstls).
import enum
from dataclasses import dataclass
from os import PathLike
from typing import Callable, List, Optional, Sequence, Union

ALERT_WARNING: int
ALERT_FATAL: int

class AlertDescription(enum.IntEnum):
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

class TLSError(Exception):
    message: str
    code: str
    certificate_problem: str
    credential_problem: str
    alert_sent: Union[AlertDescription, int, None]
    alert_received: Union[AlertDescription, int, None]
    def __init__(self, message: str, code: str = ..., certificate_problem: str = ...,
                 credential_problem: str = ..., alert_sent: Optional[int] = ...,
                 alert_received: Optional[int] = ...) -> None: ...

class TLSAlertError(TLSError):
    @property
    def alert_code(self) -> Union[AlertDescription, int, None]: ...
    @property
    def alert_level(self) -> int: ...

class BadTLSDataError(TLSError): ...
class InvalidatedError(TLSError): ...
class InvalidAlertLevel(TLSError, ValueError): ...
class CertificateRejectedError(TLSError): ...
class UnsupportedError(TLSError): ...
class ConfigurationError(TLSError, ValueError): ...
class LeafCertificateHasNoPrivateKeyError(TLSError, ValueError): ...
class MoreThanOneLeafCertificateError(TLSError, ValueError): ...
class NoLeafCertificateError(TLSError, ValueError): ...
class NoCertificateChainError(TLSError, ValueError): ...
class ExtraneousPrivateKeyError(TLSError, ValueError): ...

def available_backends() -> List[str]: ...

class Certificate:
    @classmethod
    def from_pem(cls, data: Union[str, bytes],
                 private_key: Union[str, bytes, None] = ...) -> Certificate: ...
    @classmethod
    def from_der(cls, data: bytes, private_key: Union[str, bytes, None] = ...) -> Certificate: ...
    def get_asn1_bytes(self) -> bytes: ...
    @property
    def has_private_key(self) -> bool: ...
    @property
    def subject(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def dns_names(self) -> List[str]: ...

def load_pem_chain(chain_pem: Union[str, bytes], key_pem: Union[str, bytes]) -> List[Certificate]: ...

class TrustStore:
    def __init__(self, certificates: Sequence[Certificate]) -> None: ...
    @classmethod
    def from_pem(cls, data: Union[str, bytes]) -> TrustStore: ...
    @classmethod
    def from_pem_file(cls, path: Union[str, PathLike]) -> TrustStore: ...
    @classmethod
    def system(cls) -> TrustStore: ...
    @property
    def certificates(self) -> List[Certificate]: ...

class _Default: ...
DEFAULT: _Default

_ChainCallback = Callable[[Union[Sequence[Certificate], ServerCertificateChain, None]], None]

class ServerCertificates:
    def get_certificate_chain_for_server_name(self, server_name: Optional[str],
                                              certificate_chain_callback: _ChainCallback) -> None: ...

class ServerCertificateChain(ServerCertificates):
    chain: List[Certificate]
    def __init__(self, chain: Sequence[Certificate]) -> None: ...

class SNIServerCertificates(ServerCertificates):
    def __init__(self, certificates: Sequence[Union[Sequence[Certificate], ServerCertificateChain]],
                 default: Union[Sequence[Certificate], ServerCertificateChain, None] = ...) -> None: ...

class ClientCertificateStore:
    def get_certificate_chain_for_roots(self, roots: List[str], callback: _ChainCallback) -> None: ...
    def get_default_certificate_chain(self, callback: _ChainCallback) -> None: ...

@dataclass
class SessionInfo:
    backend: str
    version: Optional[str]
    cipher_suite: Optional[str]
    group: Optional[str]
    alpn: str
    server_name: str
    peer_certificates: List[Certificate]
    peer_verified: bool
    resumed: bool

_VerifyCallback = Callable[[List[Certificate], "Session"], object]

class ClientTLS:
    server_hostname: str
    def __init__(self, server_hostname: Union[str, bytes], trust_root: Union[TrustStore, _Default] = ...,
                 client_certificate_store: Optional[ClientCertificateStore] = ..., *,
                 backend: str = ..., alpn: Sequence[str] = ..., tls13_only: bool = ...) -> None: ...
    def start(self, write_callback: Callable[[bytes], object],
              close_callback: Optional[Callable[[bool], object]] = ...,
              verify_callback: Optional[_VerifyCallback] = ...) -> Session: ...

class ServerTLS:
    certificates: ServerCertificates
    def __init__(self, certificates: Union[ServerCertificates, Sequence[Certificate]],
                 dh_params: None = ..., *, backend: str = ..., alpn: Sequence[str] = ...,
                 tls13_only: bool = ..., client_auth: Optional[str] = ...,
                 client_trust: Optional[TrustStore] = ...) -> None: ...
    def start(self, write_callback: Callable[[bytes], object],
              verify_callback: Optional[_VerifyCallback] = ...,
              close_callback: Optional[Callable[[bool], object]] = ...) -> Session: ...

class Session:
    def receive_data(self, data: bytes) -> bytes: ...
    def receive_eof(self) -> None: ...
    def write_data(self, data: bytes) -> None: ...
    def finish(self) -> None: ...
    def alert(self, alert_code: int, level: Optional[int] = ...) -> None: ...
    def export_keying_material(self, length: int, label: str) -> bytes: ...
    @property
    def handshake_complete(self) -> bool: ...
    @property
    def state(self) -> str: ...
    @property
    def info(self) -> SessionInfo: ...
