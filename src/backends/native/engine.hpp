#pragma once
// The native engine: sanstls's own TLS 1.3 state machines (src/native/handshake) behind the
// core's Engine interface. The core still owns verification, certificate selection and the
// policy; this adapter turns the configuration into handshake parameters, the state machines'
// callbacks into EngineHooks calls, and their wire-level errors into the same Errors the
// OpenSSL and GnuTLS engines report.

#include "core/engine.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/certificate_selection.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/server_handshake.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::native_backend {

using native::msgs::ByteVec;

/// The provider's signing keys for the private keys a configuration presents, converted once
/// (a server shows the same few keys to every client; converting costs a PKCS#8 round trip).
/// Thread-safe; bounded: past max_entries the oldest entry goes.
class SigningKeyCache {
 public:
  static constexpr std::size_t max_entries = 16;
  Result<std::shared_ptr<const native::crypto::SigningKey>> get(
      const native::crypto::CryptoProvider& provider, const PrivateKey& key) const;

 private:
  mutable std::mutex mutex_;
  /// The PrivateKey copy keeps its Impl alive, so the address identifies it.
  mutable std::vector<std::pair<PrivateKey, std::shared_ptr<const native::crypto::SigningKey>>>
      entries_;
};

/// The peer certificates a configuration has parsed recently, by DER. A client meets the same
/// server chain (and a server the same client chains) over and over, and libcrypto 3.0's
/// d2i_X509 decodes the public key through its generic decoder framework on every parse — more
/// CPU than a signature verification. Certificates are immutable shared handles, so a hit gives
/// the core exactly what parsing the same bytes again would. Thread-safe; bounded (past
/// max_entries the oldest entry goes); parse failures are not kept.
class PeerCertificateCache {
 public:
  static constexpr std::size_t max_entries = 16;
  Result<Certificate> get(std::span<const std::uint8_t> der) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<Certificate> entries_;
};

/// What every session of one ClientTLS/ServerTLS shares. Immutable once built; the provider
/// is thread-safe (fetched algorithms and the library context are only read).
struct SharedConfig {
  std::unique_ptr<native::crypto::LibcryptoProvider> provider;
  /// TLS 1.3 suites and groups in preference order.
  std::vector<native::CipherSuite> cipher_suites;
  std::vector<native::NamedGroup> groups;
  /// Whether the policy refuses TLS 1.2 (only changes how refusals are worded).
  bool tls13_only = false;
  std::vector<std::string> alpn;
  /// Client: the expected server name (SNI is sent for DNS names only, RFC 6066 §3).
  std::optional<x509::ServerName> server_name;
  /// Server: client authentication and the DER subject names of the client trust roots.
  ClientAuth client_auth = ClientAuth::none;
  std::vector<ByteVec> client_certificate_authorities;
  SigningKeyCache signing_keys;
  PeerCertificateCache peer_certificates;
};

/// The native engine's Error for a state machine's failure (shared refusal wording where the
/// state machine tagged one).
Error core_error(const wire::Error& error, bool server);

/// Keeps a copy of the peer's first record (bounded by the record size limit), so a refusal of
/// the peer's versions can name them as the other engines do.
class FirstRecord {
 public:
  void feed(std::span<const std::byte> bytes);
  /// The first handshake message's bytes (header included) once the record is complete.
  [[nodiscard]] std::optional<std::span<const std::uint8_t>> handshake_message() const;
  /// Frees the copy (once the handshake is done it can no longer be needed); later feeds are
  /// ignored.
  void release() {
    ByteVec().swap(bytes_);
    complete_ = true;
  }

 private:
  ByteVec bytes_;
  bool complete_ = false;
};

/// The error for a peer that offered (client) or chose (server) only versions older than
/// TLS 1.2, worded by the core from the peer's first message.
Error forbidden_versions(const FirstRecord& first, bool peer_is_server, bool tls13_only);

/// Converts the private key of a chain into the provider's signing key (through PKCS#8 DER,
/// wiped afterwards).
Result<std::shared_ptr<const native::crypto::SigningKey>> signing_key(
    const native::crypto::CryptoProvider& provider, const PrivateKey& key);

std::span<const std::uint8_t> as_u8(std::span<const std::byte> bytes);
void append(core::Bytes& to, const ByteVec& from);

/// Runs the core's checks (EngineHooks::verify_peer) on the peer's DER chain. On refusal,
/// `verdict` keeps the core's precise Error and the result carries its alert, tagged
/// Refusal::peer_chain_refused.
native::Status verify_peer_chain(core::EngineHooks& hooks, const PeerCertificateCache& cache,
                                 std::span<const ByteVec> chain, const SessionInfo& info,
                                 std::optional<Error>& verdict);

/// The chain's certificates as DER, leaf first.
std::vector<ByteVec> chain_der(const CertificateChain& chain);

/// An NSS key log line: "<label> <client_random hex> <secret hex>".
std::string key_log_line(std::string_view label, native::Bytes client_random, native::Bytes secret);

class ClientEngine final : public core::Engine {
 public:
  ClientEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks);
  ClientEngine(const ClientEngine&) = delete;
  ClientEngine& operator=(const ClientEngine&) = delete;

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  Result<core::EngineStatus> receive(std::span<const std::byte> bytes,
                                     core::Bytes& application_data, core::Bytes& to_peer) override;
  Result<core::EngineStatus> resume(core::Bytes& application_data, core::Bytes& to_peer) override;
  Result<void> write(std::span<const std::byte> data, core::Bytes& to_peer) override;
  Result<void> close_notify(core::Bytes& to_peer) override;
  Result<void> update_keys(core::Bytes& to_peer) override;
  [[nodiscard]] SessionInfo info() const override;

 private:
  native::handshake::ClientHandshakeEnvironment environment();
  native::Status verify_chain(std::span<const ByteVec> chain);
  native::handshake::CertificateSelection select_certificate(
      const native::handshake::CertificateQuery& query);
  /// Turns the driver's failure into the core's Error, sending the alert it carries.
  Error fail_with(const wire::Error& error, ByteVec& out);
  [[nodiscard]] core::EngineStatus status() const;
  /// status(), releasing what only the handshake needed once it is over.
  core::EngineStatus settled_status();

  std::shared_ptr<const SharedConfig> shared_;
  core::EngineHooks& hooks_;
  std::optional<native::handshake::ClientHandshake> driver_;
  /// The core's verdict when it refused the server's chain (more precise than the alert).
  std::optional<Error> verify_error_;
  /// Set when the client certificate store answered with a chain we cannot use.
  std::optional<Error> selection_error_;
  FirstRecord first_record_;
  bool failed_ = false;
};

class ServerEngine final : public core::Engine {
 public:
  ServerEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks);
  ServerEngine(const ServerEngine&) = delete;
  ServerEngine& operator=(const ServerEngine&) = delete;

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  Result<core::EngineStatus> receive(std::span<const std::byte> bytes,
                                     core::Bytes& application_data, core::Bytes& to_peer) override;
  Result<core::EngineStatus> resume(core::Bytes& application_data, core::Bytes& to_peer) override;
  Result<void> write(std::span<const std::byte> data, core::Bytes& to_peer) override;
  Result<void> close_notify(core::Bytes& to_peer) override;
  Result<void> update_keys(core::Bytes& to_peer) override;
  [[nodiscard]] SessionInfo info() const override;

 private:
  native::handshake::ServerHandshakeEnvironment environment();
  native::Status verify_chain(std::span<const ByteVec> chain);
  native::handshake::CertificateSelection select_certificate(
      const native::handshake::CertificateQuery& query);
  Error fail_with(const wire::Error& error, ByteVec& out);
  [[nodiscard]] core::EngineStatus status() const;
  /// status(), releasing what only the handshake needed once it is over.
  core::EngineStatus settled_status();

  std::shared_ptr<const SharedConfig> shared_;
  core::EngineHooks& hooks_;
  std::optional<native::handshake::ServerHandshake> driver_;
  std::optional<Error> verify_error_;
  std::optional<Error> selection_error_;
  /// The SNI name the client sent ("" when none), for messages and SessionInfo.
  std::string server_name_;
  FirstRecord first_record_;
  bool failed_ = false;
};

}  // namespace sanstls::native_backend
