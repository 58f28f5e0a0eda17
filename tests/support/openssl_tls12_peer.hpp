// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// An in-process OpenSSL peer capped at TLS 1.2 (or up to a given version), over memory BIOs,
// for the native TLS 1.2 client and server tests: the test moves the bytes (take() from one
// side, feed() to the other) and steps the handshake itself.
//
//   auto server = sanstls::test::OpensslTls12Peer::server(/*rsa=*/false, "ECDHE-ECDSA-...");
//   auto client = sanstls::test::OpensslTls12Peer::client("ECDHE-ECDSA-...");

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sanstls::test {

/// A self-signed certificate and its key (PKCS#8), both DER.
struct Tls12Credential {
  std::vector<std::uint8_t> cert_der;
  std::vector<std::uint8_t> pkcs8_der;
};

/// A fresh self-signed certificate for `common_name` (valid from an hour ago to an hour from
/// now) with a new RSA 2048 or ECDSA P-256 key.
Tls12Credential make_self_signed_credential(const char* common_name, bool rsa);

/// The process-wide credential for "tls12.test" of each kind, made on first use.
const Tls12Credential& tls12_credential(bool rsa);

class OpensslTls12Peer {
 public:
  /// A server presenting tls12_credential(rsa), TLS 1.0 to 1.2, no tickets, picking "http/1.1"
  /// when the client offers it.
  static OpensslTls12Peer server(bool rsa, const char* ciphers, long options = 0);
  /// A client for "tls12.test" offering ALPN "h2" and "http/1.1", TLS 1.0 to `max_version`, no
  /// tickets.
  static OpensslTls12Peer client(const char* ciphers, long options = 0,
                                 int max_version = TLS1_2_VERSION);

  /// Server: asks for a client certificate and requires one (any is accepted).
  void request_client_certificate();
  /// Client: presents `c` when the server asks for a certificate.
  void use_certificate(const Tls12Credential& c);

  /// Bytes from the other side.
  void feed(const std::vector<std::uint8_t>& bytes);
  /// Everything this side has written so far.
  std::vector<std::uint8_t> take();
  /// One handshake step: true once the handshake is complete.
  bool step();
  /// All application data readable now.
  std::string read();
  void write(const std::string& s);
  SSL* ssl() { return ssl_.get(); }

 private:
  OpensslTls12Peer(const SSL_METHOD* method, const char* ciphers, long options, int max_version);

  struct Free {
    void operator()(SSL* s) const { SSL_free(s); }
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
  std::unique_ptr<SSL, Free> ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
};

}  // namespace sanstls::test
