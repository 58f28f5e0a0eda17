// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file certificate_stores.hpp
/// Where certificates come from during a handshake. A server asks its ServerCertificates for
/// a chain given the client's SNI name; a client asks its ClientCertificateStore for a chain
/// given the certificate authorities the server named. Either may answer at once or later
/// (after a database lookup, say): the handshake waits, without blocking, until the answer
/// arrives through the responder, and then continues on the thread that answered.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sanstls {

namespace core {
class SessionCore;
}

/// How a certificate store answers one request. Copyable; only the first answer counts: a
/// second one returns Errc::invalidated. Answering after the session is gone is harmless and
/// returns Errc::closed. The answer drives the waiting handshake on the calling thread: the
/// session's write callback runs inside provide(), so call it where you drive the session.
class SANSTLS_API CertificateResponder {
 public:
  /// Answers with a chain; the handshake continues.
  Result<void> provide(CertificateChain chain) const;
  /// Answers "no certificate": a server refuses the handshake (unrecognized_name); a client
  /// continues without a certificate (the server decides whether that is acceptable).
  Result<void> decline() const;

  /// Made by the session that asks (internal); stores only receive it.
  explicit CertificateResponder(std::weak_ptr<core::SessionCore> session)
      : session_(std::move(session)) {}

 private:
  std::weak_ptr<core::SessionCore> session_;
};

/// What a server knows when it must choose its certificate.
struct ServerCertificateQuery {
  /// The SNI name the client sent (normalised to lower case), or "" if it sent none.
  std::string server_name;
};

/// A server's source of certificate chains. Implement it to choose chains yourself; it is
/// shared by every session of a ServerTLS, so select() may run on several threads at once.
class SANSTLS_API ServerCertificates {
 public:
  virtual ~ServerCertificates() = default;
  /// Must answer through `responder`, now or later, exactly once. Not answering at all
  /// leaves the session waiting (state waiting_for_certificate).
  virtual void select(const ServerCertificateQuery& query, CertificateResponder responder) = 0;
};

/// One chain for every client.
class SANSTLS_API ServerCertificateChain final : public ServerCertificates {
 public:
  /// Serves `chain` to every client.
  explicit ServerCertificateChain(CertificateChain chain) : chain_(std::move(chain)) {}
  /// Provides the chain at once.
  void select(const ServerCertificateQuery& query, CertificateResponder responder) override;

 private:
  CertificateChain chain_;
};

/// Chains chosen by the SNI name: each chain serves the DNS names of its leaf certificate
/// (exact names first, then wildcard names such as *.example.org); clients that send no name
/// or an unknown one get the default chain, or are refused with an unrecognized_name alert
/// when there is no default.
class SANSTLS_API SNIServerCertificates final : public ServerCertificates {
 public:
  /// `chains` serve the names of their leaves; `default_chain` serves every other client (none:
  /// such clients are refused with unrecognized_name).
  explicit SNIServerCertificates(std::vector<CertificateChain> chains,
                                 std::optional<CertificateChain> default_chain = std::nullopt);
  /// Provides the chain find() chooses, or declines.
  void select(const ServerCertificateQuery& query, CertificateResponder responder) override;
  /// The chain select() would choose for `server_name`, or nullptr.
  [[nodiscard]] const CertificateChain* find(std::string_view server_name) const;

 private:
  std::vector<CertificateChain> chains_;
  std::optional<CertificateChain> default_chain_;
};

/// What a client knows when the server asks for its certificate.
struct ClientCertificateQuery {
  /// The name of the server being connected to.
  std::string server_name;
  /// Distinguished names of the certificate authorities the server accepts (one-line form,
  /// "CN=Example CA,O=Example"), or empty if the server named none.
  std::vector<std::string> acceptable_authorities;
};

/// A client's source of its own certificate, asked only when a server requests one.
class SANSTLS_API ClientCertificateStore {
 public:
  virtual ~ClientCertificateStore() = default;
  /// Must answer through `responder`, now or later, exactly once: provide() a chain, or
  /// decline() to continue without a certificate.
  virtual void select(const ClientCertificateQuery& query, CertificateResponder responder) = 0;
};

/// Always offers the same client chain.
class SANSTLS_API ClientCertificateChain final : public ClientCertificateStore {
 public:
  /// Offers `chain` to every server that asks.
  explicit ClientCertificateChain(CertificateChain chain) : chain_(std::move(chain)) {}
  /// Provides the chain at once, whatever authorities the server named.
  void select(const ClientCertificateQuery& query, CertificateResponder responder) override;

 private:
  CertificateChain chain_;
};

}  // namespace sanstls
