// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file tls.hpp
/// ClientTLS and ServerTLS: immutable configurations that start sessions.
///
/// Configuration mistakes (an invalid host name, a policy outside sanstls's, an engine that
/// cannot do what is asked) are reported as values, like every other error: the constructor
/// records the problem, configuration_error() shows it, and start() returns it.
/// A configuration may start any number of sessions, from any number of threads at once.

#include <sanstls/certificate_stores.hpp>
#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>
#include <sanstls/resumption.hpp>
#include <sanstls/session.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sanstls {

namespace hazmat {
struct Settings;
}
namespace core {
struct ClientContext;
struct ServerContext;
}  // namespace core

/// The clock used for certificate validity. Default: the system clock. Tests inject one.
using Clock = std::function<std::chrono::system_clock::time_point()>;

/// How a ClientTLS connects. Every field has a secure default; options can only narrow.
struct ClientOptions {
  /// The roots the server's chain must lead to. Default: TrustStore::system().
  std::optional<TrustStore> trust;
  /// ALPN protocols to offer, most preferred first (e.g. {"h2", "http/1.1"}).
  std::vector<std::string> alpn;
  /// Versions, suites and groups: a subset of sanstls's policy (default: all of it).
  Policy policy;
  /// The TLS engine that runs the sessions.
  Backend backend = Backend::openssl;
  /// Asked for a certificate when a server requests one. Default: none (send no certificate).
  std::shared_ptr<ClientCertificateStore> client_certificates;
  /// The time certificates are checked at. Default: the system clock.
  Clock clock;
  /// Settings that can weaken security; see <sanstls/hazmat/hazmat.hpp>. Default: none.
  std::shared_ptr<const hazmat::Settings> hazmat;
  /// Where sessions to resume are kept. Empty: this configuration keeps its own
  /// MemorySessionStore, so a reconnect through the same ClientTLS resumes. Share one store
  /// between configurations only if they trust the same certificate authorities (a stored
  /// session is only offered by a configuration with the same trust, policy and engine).
  std::shared_ptr<SessionStore> session_store;
  /// False: never resume (every connection makes a full handshake; tickets are ignored).
  bool resumption = true;
  /// Added to the host name to key the session store: distinguishes servers that share a
  /// host name (a port, a tenant). Empty by default.
  std::string session_identity;
};

/// Whether a server asks clients for certificates.
enum class ClientAuth : std::uint8_t {
  none,
  /// Ask; a client that sends none is accepted, one that sends a bad chain is refused.
  optional,
  /// Ask and refuse clients without a valid certificate (certificate_required alert).
  required,
};

/// How a ServerTLS accepts clients. Every field has a secure default; options can only narrow.
struct ServerOptions {
  /// ALPN protocols the server speaks, most preferred first. When the client offers ALPN and
  /// nothing overlaps, the handshake fails with no_application_protocol.
  std::vector<std::string> alpn;
  /// Versions, suites and groups: a subset of sanstls's policy (default: all of it).
  Policy policy;
  /// The TLS engine that runs the sessions.
  Backend backend = Backend::openssl;
  /// Whether clients are asked for certificates.
  ClientAuth client_auth = ClientAuth::none;
  /// Roots for client certificates; required when client_auth is not none.
  std::optional<TrustStore> client_trust;
  /// The time client certificates are checked at. Default: the system clock.
  Clock clock;
  /// Settings that can weaken security; see <sanstls/hazmat/hazmat.hpp>. Default: none.
  std::shared_ptr<const hazmat::Settings> hazmat;
  /// Session tickets sent after each TLS 1.3 handshake (NewSessionTicket, RFC 8446 §4.6.1),
  /// or whether one is sent in TLS 1.2 (RFC 5077) when not 0. 0 turns resumption off.
  /// At most 8.
  std::uint8_t session_tickets = 2;
  /// The keys tickets are sealed with. Empty: this configuration makes its own. Share one
  /// TicketKeys between configurations (and engines of the same kind) that may resume each
  /// other's sessions.
  std::shared_ptr<TicketKeys> ticket_keys;
  /// 0-RTT early data: off by default (see EarlyDataOptions for what is safe).
  EarlyDataOptions early_data;
};

/// A TLS client configuration for one server name.
class SANSTLS_API ClientTLS {
 public:
  /// `server_hostname` is the name the server's certificate must hold: a DNS name (matched
  /// against DNS names in the certificate, wildcards per RFC 9525) or an IPv4/IPv6 literal
  /// (matched against IP addresses only). It is mandatory: verification cannot be skipped.
  explicit ClientTLS(std::string server_hostname, ClientOptions options = {});

  /// Starts a session and immediately hands its ClientHello to callbacks.write.
  [[nodiscard]] Result<Session> start(SessionCallbacks callbacks) const;
  /// start() that also sends `early_data` as 0-RTT data (RFC 8446 §2.3) when a stored session
  /// for this server allows it (at most its max_early_data_size bytes; otherwise nothing is sent
  /// early). Early data can be replayed by an attacker: send only requests that are safe to
  /// process twice. After the handshake, SessionInfo::early_data says `accepted`, or `rejected` /
  /// `none`: then the server did not process it, and the application sends it again with
  /// write_data() if it still wants to.
  [[nodiscard]] Result<Session> start(SessionCallbacks callbacks,
                                      std::span<const std::byte> early_data) const;

  /// The configuration problem found by the constructor, or nullptr.
  [[nodiscard]] const Error* configuration_error() const;
  /// The name given to the constructor.
  [[nodiscard]] const std::string& server_hostname() const { return server_hostname_; }

 private:
  std::string server_hostname_;
  std::shared_ptr<const core::ClientContext> context_;
  std::optional<Error> error_;
};

/// A TLS server configuration.
class SANSTLS_API ServerTLS {
 public:
  /// Chains chosen per client by `certificates` (e.g. SNIServerCertificates, or your own).
  ServerTLS(std::shared_ptr<ServerCertificates> certificates, ServerOptions options = {});
  /// One chain for every client.
  explicit ServerTLS(CertificateChain chain, ServerOptions options = {});

  /// Starts a session; it waits for the client's first bytes.
  [[nodiscard]] Result<Session> start(SessionCallbacks callbacks) const;

  /// The configuration problem found by the constructor, or nullptr.
  [[nodiscard]] const Error* configuration_error() const;

 private:
  std::shared_ptr<const core::ServerContext> context_;
  std::optional<Error> error_;
};

}  // namespace sanstls
