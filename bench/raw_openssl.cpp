// SPDX-License-Identifier: Apache-2.0 OR MIT
// Raw OpenSSL: SSL objects over memory BIOs, configured as the sanstls OpenSSL engine
// configures its SSL_CTX (TLS 1.3 only, one suite, X25519, the same signature algorithms, no
// tickets, no session cache, SSL_MODE_RELEASE_BUFFERS; a TLS 1.2 suite gives the TLS 1.2-only
// variant; resumed setups: one ticket per connection), with the client verifying the chain and
// the host name (SSL_VERIFY_PEER, an X509_STORE holding the root, SSL_set1_host).

#include "drivers.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <utility>

namespace sanstls::bench {
namespace {

constexpr const char* kSignatureAlgorithms =
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:"
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
    "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512";

/// OpenSSL's name of the TLS 1.2 suites the bench uses.
const char* tls12_name(CipherSuite suite) {
  switch (suite) {
    case CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
      return "ECDHE-RSA-AES128-GCM-SHA256";
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
      return "ECDHE-RSA-AES256-GCM-SHA384";
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
      return "ECDHE-RSA-CHACHA20-POLY1305";
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
      return "ECDHE-ECDSA-AES256-GCM-SHA384";
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
      return "ECDHE-ECDSA-CHACHA20-POLY1305";
    default:
      return "ECDHE-ECDSA-AES128-GCM-SHA256";
  }
}

std::string openssl_error(std::string_view what) {
  char text[256] = {};
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  ERR_clear_error();
  return fmt::format("raw OpenSSL: {}: {}", what, text);
}

struct Endpoint {
  SSL* ssl = nullptr;
  BIO* in = nullptr;   // bytes from the peer
  BIO* out = nullptr;  // bytes for the peer
  ~Endpoint() { SSL_free(ssl); }
};

class RawConnection final : public Connection {
 public:
  RawConnection() {
    const auto previous = alloc::set_side(alloc::Side::none);
    scratch_.resize(32 * 1024);
    alloc::set_side(previous);
  }

  bool start(SSL_CTX* client_ctx, SSL_CTX* server_ctx, SideTimes* times,
             SSL_SESSION* resume = nullptr) {
    {
      SideScope scope(alloc::Side::server, times);
      if (!make(server_, server_ctx)) {
        return false;
      }
      SSL_set_accept_state(server_.ssl);
    }
    SideScope scope(alloc::Side::client, times);
    if (!make(client_, client_ctx)) {
      return false;
    }
    SSL_set_connect_state(client_.ssl);
    if (resume != nullptr && SSL_set_session(client_.ssl, resume) != 1) {
      error = openssl_error("SSL_set_session");
      return false;
    }
    expect_resumed_ = resume != nullptr;
    if (SSL_set_tlsext_host_name(client_.ssl, kHostname) != 1 ||
        SSL_set1_host(client_.ssl, kHostname) != 1) {
      error = openssl_error("the host name");
      return false;
    }
    return true;
  }

  bool handshake(SideTimes* times) override {
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 16; ++round) {
      // After its handshake the client still reads what follows (a NewSessionTicket).
      if ((!client_done || !to_client_.bytes.empty()) &&
          !step(client_, to_client_, to_server_, alloc::Side::client, times, client_done)) {
        return false;
      }
      if (!server_done &&
          !step(server_, to_server_, to_client_, alloc::Side::server, times, server_done)) {
        return false;
      }
      if (client_done && server_done && to_server_.bytes.empty() && to_client_.bytes.empty()) {
        if (SSL_version(client_.ssl) != expect_version_) {
          error = fmt::format("raw OpenSSL: negotiated {}", SSL_get_version(client_.ssl));
          return false;
        }
        if (expect_resumed_ && SSL_session_reused(client_.ssl) != 1) {
          error = "raw OpenSSL: the offered session was not resumed";
          return false;
        }
        return true;
      }
    }
    error = "raw OpenSSL: the handshake did not finish";
    return false;
  }

  bool transfer(bool client_to_server, std::span<const std::byte> chunk, std::size_t count,
                SideTimes* times) override {
    Endpoint& sender = client_to_server ? client_ : server_;
    Endpoint& receiver = client_to_server ? server_ : client_;
    Wire& wire = client_to_server ? to_server_ : to_client_;
    const auto sending = client_to_server ? alloc::Side::client : alloc::Side::server;
    const auto receiving = client_to_server ? alloc::Side::server : alloc::Side::client;
    for (std::size_t i = 0; i < count; ++i) {
      {
        SideScope scope(sending, times);
        std::size_t written = 0;
        if (SSL_write_ex(sender.ssl, chunk.data(), chunk.size(), &written) != 1 ||
            written != chunk.size()) {
          error = openssl_error("SSL_write_ex");
          return false;
        }
        drain(sender, wire);  // into the wire buffer, as a sans-IO caller would
      }
      std::size_t total = 0;
      {
        SideScope scope(receiving, times);
        feed(wire, receiver);
        for (;;) {
          std::size_t read = 0;
          if (SSL_read_ex(receiver.ssl, scratch_.data(), scratch_.size(), &read) != 1) {
            if (SSL_get_error(receiver.ssl, 0) == SSL_ERROR_WANT_READ) {
              break;
            }
            error = openssl_error("SSL_read_ex");
            return false;
          }
          total += read;
        }
      }
      if (total != chunk.size()) {
        error = fmt::format("raw OpenSSL: received {} bytes, expected {}", total, chunk.size());
        return false;
      }
    }
    return true;
  }

 private:
  bool make(Endpoint& endpoint, SSL_CTX* ctx) {
    endpoint.ssl = SSL_new(ctx);
    endpoint.in = BIO_new(BIO_s_mem());
    endpoint.out = BIO_new(BIO_s_mem());
    if (endpoint.ssl == nullptr || endpoint.in == nullptr || endpoint.out == nullptr) {
      BIO_free(endpoint.in);
      BIO_free(endpoint.out);
      error = openssl_error("SSL_new");
      return false;
    }
    BIO_set_mem_eof_return(endpoint.in, -1);
    SSL_set_bio(endpoint.ssl, endpoint.in, endpoint.out);
    return true;
  }

  bool step(Endpoint& endpoint, Wire& inbox, Wire& outbox, alloc::Side side, SideTimes* times,
            bool& done) {
    SideScope scope(side, times);
    feed(inbox, endpoint);
    if (done) {
      std::size_t read = 0;
      if (SSL_read_ex(endpoint.ssl, scratch_.data(), scratch_.size(), &read) != 1 &&
          SSL_get_error(endpoint.ssl, 0) != SSL_ERROR_WANT_READ) {
        error = openssl_error("SSL_read_ex");
        return false;
      }
      drain(endpoint, outbox);
      return true;
    }
    const int result = SSL_do_handshake(endpoint.ssl);
    if (result == 1) {
      done = true;
    } else if (SSL_get_error(endpoint.ssl, result) != SSL_ERROR_WANT_READ) {
      error = openssl_error("SSL_do_handshake");
      return false;
    }
    drain(endpoint, outbox);
    return true;
  }

  /// Copies what an endpoint wrote out of its BIO into the wire (the caller's transport).
  static void drain(Endpoint& from, Wire& wire) {
    const auto pending = BIO_ctrl_pending(from.out);
    if (pending == 0) {
      return;
    }
    const std::size_t offset = wire.bytes.size();
    wire.bytes.resize(offset + pending);
    BIO_read(from.out, wire.bytes.data() + offset, static_cast<int>(pending));
  }
  /// Hands the wire to an endpoint's input BIO.
  static void feed(Wire& wire, Endpoint& to) {
    if (wire.bytes.empty()) {
      return;
    }
    BIO_write(to.in, wire.bytes.data(), static_cast<int>(wire.bytes.size()));
    wire.bytes.clear();
  }

  Endpoint client_;
  Endpoint server_;
  Wire to_server_;
  Wire to_client_;
  std::vector<unsigned char> scratch_;
  bool expect_resumed_ = false;

 public:
  /// The version the setup must negotiate.
  int expect_version_ = TLS1_3_VERSION;
};

class RawSetup final : public Setup {
 public:
  RawSetup(const Credentials& credentials, CipherSuite suite, bool resumed = false)
      : version_(cipher_suite_version(suite) == ProtocolVersion::tls12 ? TLS1_2_VERSION
                                                                       : TLS1_3_VERSION) {
    client_ = make_ctx(TLS_client_method(), suite);
    server_ = make_ctx(TLS_server_method(), suite);
    if (client_ == nullptr || server_ == nullptr) {
      return;
    }
    if (resumed) {
      // As the sanstls OpenSSL engine resumes: one stateless ticket per connection, no server
      // cache; the client keeps the newest session and offers it once.
      SSL_CTX_clear_options(server_, SSL_OP_NO_TICKET);
      SSL_CTX_set_num_tickets(server_, 1);
      SSL_CTX_clear_options(client_, SSL_OP_NO_TICKET);
      SSL_CTX_set_session_cache_mode(client_,
                                     SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      SSL_CTX_set_app_data(client_, this);
      SSL_CTX_sess_set_new_cb(client_, [](SSL* ssl, SSL_SESSION* session) {
        auto* self = static_cast<RawSetup*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
        // A copy: SSL_free() without a shutdown marks the connection's own session object
        // not resumable (the sanstls engine serialises it at once for the same reason).
        SSL_SESSION_free(self->session_);
        self->session_ = SSL_SESSION_dup(session);
        return 0;
      });
    }
    // Client: verify the chain against the root and the host name.
    SSL_CTX_set_verify(client_, SSL_VERIFY_PEER, nullptr);
    X509_STORE* store = X509_STORE_new();
    X509* root = read_certificate(credentials.root_pem, 0);
    if (store == nullptr || root == nullptr || X509_STORE_add_cert(store, root) != 1) {
      error = openssl_error("the trust store");
      X509_free(root);
      X509_STORE_free(store);
      return;
    }
    X509_free(root);
    SSL_CTX_set_cert_store(client_, store);
    // Server: leaf, intermediate, key.
    X509* leaf = read_certificate(credentials.chain_pem, 0);
    X509* intermediate = read_certificate(credentials.chain_pem, 1);
    BIO* key_bio =
        BIO_new_mem_buf(credentials.key_pem.data(), static_cast<int>(credentials.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
    BIO_free(key_bio);
    const bool ok = leaf != nullptr && intermediate != nullptr && key != nullptr &&
                    SSL_CTX_use_certificate(server_, leaf) == 1 &&
                    SSL_CTX_add1_chain_cert(server_, intermediate) == 1 &&
                    SSL_CTX_use_PrivateKey(server_, key) == 1;
    X509_free(leaf);
    X509_free(intermediate);
    EVP_PKEY_free(key);
    if (!ok) {
      error = openssl_error("the server credentials");
    }
  }
  ~RawSetup() override {
    SSL_SESSION_free(session_);
    SSL_CTX_free(client_);
    SSL_CTX_free(server_);
  }
  RawSetup(const RawSetup&) = delete;
  RawSetup& operator=(const RawSetup&) = delete;

  std::unique_ptr<Connection> connect(SideTimes* times) override {
    auto connection = std::make_unique<RawConnection>();
    connection->expect_version_ = version_;
    SSL_SESSION* resume = std::exchange(session_, nullptr);  // offered once
    const bool started = connection->start(client_, server_, times, resume);
    SSL_SESSION_free(resume);
    if (!started) {
      error = connection->error;
      return nullptr;
    }
    return connection;
  }

 private:
  SSL_CTX* make_ctx(const SSL_METHOD* method, CipherSuite suite) {
    SSL_CTX* ctx = SSL_CTX_new(method);
    if (ctx == nullptr) {
      error = openssl_error("SSL_CTX_new");
      return nullptr;
    }
    // A TLS 1.2 suite: TLS 1.2 only, that ECDHE + AEAD suite (extended master secret and
    // RFC 5746 signalling are OpenSSL's defaults, as in the engine).
    const bool tls12 = cipher_suite_version(suite) == ProtocolVersion::tls12;
    const int version = tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    SSL_CTX_set_security_level(ctx, 2);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    const std::string suites{tls12 ? "TLS_AES_128_GCM_SHA256" : cipher_suite_name(suite)};
    if (SSL_CTX_set_ciphersuites(ctx, suites.c_str()) != 1 ||
        (tls12 && SSL_CTX_set_cipher_list(ctx, tls12_name(suite)) != 1) ||
        // TLS 1.2: the ECDSA certificate's curve must be among the client's groups (RFC 8422).
        SSL_CTX_set1_groups_list(ctx, tls12 ? "X25519:P-256" : "X25519") != 1 ||
        SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1) {
      error = openssl_error("the SSL_CTX settings");
      SSL_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }

  static X509* read_certificate(const std::string& pem, int index) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* certificate = nullptr;
    for (int i = 0; i <= index; ++i) {
      X509_free(certificate);
      certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    }
    BIO_free(bio);
    return certificate;
  }

  SSL_CTX* client_ = nullptr;
  SSL_CTX* server_ = nullptr;
  /// Resumed setups: the newest session the client received.
  SSL_SESSION* session_ = nullptr;
  int version_;
};

}  // namespace

Implementation raw_openssl_implementation() {
  Implementation implementation;
  implementation.name = "raw OpenSSL";
  implementation.kind = "raw";
  implementation.library = "openssl";
  implementation.version = OpenSSL_version(OPENSSL_VERSION);
  implementation.make_setup = [](const Credentials& credentials, CipherSuite suite) {
    return std::unique_ptr<Setup>{std::make_unique<RawSetup>(credentials, suite)};
  };
  implementation.make_resumed_setup = [](const Credentials& credentials, CipherSuite suite) {
    return std::unique_ptr<Setup>{std::make_unique<RawSetup>(credentials, suite, true)};
  };
  return implementation;
}

}  // namespace sanstls::bench
