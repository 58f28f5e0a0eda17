// SPDX-License-Identifier: Apache-2.0 OR MIT
// Raw GnuTLS: sessions over push/pull functions to memory, with the priority string the
// sanstls GnuTLS engine builds for the same policy (TLS 1.3 only, one suite, X25519, the same
// signature schemes; a TLS 1.2 suite gives the TLS 1.2 variant), no tickets (resumed setups: one
// TLS 1.3 ticket per connection, offered once by the next), and the client verifying chain and
// host name (gnutls_session_set_verify_cert).

#include "drivers.hpp"

#include <fmt/format.h>
#include <gnutls/gnutls.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace sanstls::bench {
namespace {

constexpr std::string_view kSignatures =
    "+SIGN-ECDSA-SECP256R1-SHA256:+SIGN-ECDSA-SECP384R1-SHA384:+SIGN-ECDSA-SECP521R1-SHA512:"
    "+SIGN-EDDSA-ED25519:"
    "+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-PSS-RSAE-SHA512:"
    "+SIGN-RSA-PSS-SHA256:+SIGN-RSA-PSS-SHA384:+SIGN-RSA-PSS-SHA512";

// The TLS 1.2 signature schemes the engine adds for TLS 1.2 (src/backends/gnutls/priority.cpp).
constexpr std::string_view kTls12Signatures =
    "+SIGN-ECDSA-SHA256:+SIGN-ECDSA-SHA384:+SIGN-ECDSA-SHA512:"
    "+SIGN-RSA-SHA256:+SIGN-RSA-SHA384:+SIGN-RSA-SHA512";

std::string_view cipher_keyword(CipherSuite suite) {
  switch (suite) {
    case CipherSuite::tls_aes_256_gcm_sha384:
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
      return "+AES-256-GCM";
    case CipherSuite::tls_chacha20_poly1305_sha256:
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
      return "+CHACHA20-POLY1305";
    default:
      return "+AES-128-GCM";
  }
}

bool is_tls12(CipherSuite suite) { return cipher_suite_version(suite) == ProtocolVersion::tls12; }

/// TLS 1.3 with one suite, or (a TLS 1.2 suite) TLS 1.2 with ECDHE and that AEAD; extended master
/// secret and safe renegotiation are GnuTLS's defaults, as in the engine.
std::string priority(CipherSuite suite, bool server) {
  if (is_tls12(suite)) {
    return fmt::format(
        "NONE:+VERS-TLS1.2:{}:+AEAD:+ECDHE-ECDSA:+ECDHE-RSA:+GROUP-X25519:+GROUP-SECP256R1:{}:{}:"
        "+COMP-NULL:"
        "+CTYPE-X509{}",
        cipher_keyword(suite), kSignatures, kTls12Signatures, server ? ":%SERVER_PRECEDENCE" : "");
  }
  return fmt::format("NONE:+VERS-TLS1.3:{}:+AEAD:+GROUP-X25519:{}:+COMP-NULL:+CTYPE-X509{}",
                     cipher_keyword(suite), kSignatures, server ? ":%SERVER_PRECEDENCE" : "");
}

/// What a resumed setup shares between its connections: the server's ticket key and the
/// newest session the client received (offered once, by the next connection).
struct Resumption {
  gnutls_datum_t ticket_key{};
  std::vector<unsigned char> session;
};

/// One side's transport: pull reads `inbox` from `offset`; push appends to `outbox`.
struct Transport {
  Wire* inbox = nullptr;
  Wire* outbox = nullptr;
  std::size_t offset = 0;
  gnutls_session_t session = nullptr;
};

ssize_t push(gnutls_transport_ptr_t pointer, const void* data, std::size_t size) {
  auto* transport = static_cast<Transport*>(pointer);
  const auto* bytes = static_cast<const std::byte*>(data);
  transport->outbox->bytes.insert(transport->outbox->bytes.end(), bytes, bytes + size);
  return static_cast<ssize_t>(size);
}

ssize_t pull(gnutls_transport_ptr_t pointer, void* data, std::size_t size) {
  auto* transport = static_cast<Transport*>(pointer);
  auto& bytes = transport->inbox->bytes;
  const std::size_t left = bytes.size() - transport->offset;
  if (left == 0) {
    bytes.clear();
    transport->offset = 0;
    gnutls_transport_set_errno(transport->session, EAGAIN);
    return -1;
  }
  const std::size_t n = std::min(left, size);
  std::memcpy(data, bytes.data() + transport->offset, n);
  transport->offset += n;
  if (transport->offset == bytes.size()) {
    bytes.clear();
    transport->offset = 0;
  }
  return static_cast<ssize_t>(n);
}

class RawConnection final : public Connection {
 public:
  RawConnection() {
    const auto previous = alloc::set_side(alloc::Side::none);
    scratch_.resize(32 * 1024);
    alloc::set_side(previous);
  }
  ~RawConnection() override {
    if (client_.session != nullptr) {
      gnutls_deinit(client_.session);
    }
    if (server_.session != nullptr) {
      gnutls_deinit(server_.session);
    }
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool start(gnutls_certificate_credentials_t client_credentials,
             gnutls_certificate_credentials_t server_credentials, gnutls_priority_t client_priority,
             gnutls_priority_t server_priority, SideTimes* times, Resumption* resumption) {
    resumption_ = resumption;
    {
      SideScope scope(alloc::Side::server, times);
      if (!make(server_, GNUTLS_SERVER, server_credentials, server_priority, &to_server_,
                &to_client_)) {
        return false;
      }
      if (resumption_ != nullptr &&
          gnutls_session_ticket_enable_server(server_.session, &resumption_->ticket_key) < 0) {
        error = "raw GnuTLS: gnutls_session_ticket_enable_server failed";
        return false;
      }
    }
    SideScope scope(alloc::Side::client, times);
    if (!make(client_, GNUTLS_CLIENT, client_credentials, client_priority, &to_client_,
              &to_server_)) {
      return false;
    }
    if (resumption_ != nullptr && !resumption_->session.empty()) {
      // Offered once, as the sanstls engines and raw OpenSSL do.
      const gnutls_datum_t offered{resumption_->session.data(),
                                   static_cast<unsigned int>(resumption_->session.size())};
      if (gnutls_session_set_data(client_.session, offered.data, offered.size) < 0) {
        error = "raw GnuTLS: gnutls_session_set_data failed";
        return false;
      }
      resumption_->session.clear();
      expect_resumed_ = true;
    }
    if (gnutls_server_name_set(client_.session, GNUTLS_NAME_DNS, kHostname,
                               std::strlen(kHostname)) < 0) {
      error = "raw GnuTLS: gnutls_server_name_set failed";
      return false;
    }
    gnutls_session_set_verify_cert(client_.session, kHostname, 0);
    return true;
  }

  bool handshake(SideTimes* times) override {
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 16; ++round) {
      if (!client_done && !step(client_, alloc::Side::client, times, client_done)) {
        return false;
      }
      // After its handshake the client still reads what follows (a NewSessionTicket).
      if (client_done && !to_client_.bytes.empty() && !read_ticket(times)) {
        return false;
      }
      if (!server_done) {
        if (!step(server_, alloc::Side::server, times, server_done)) {
          return false;
        }
        if (server_done && resumption_ != nullptr) {
          SideScope scope(alloc::Side::server, times);
          if (const int ret = gnutls_session_ticket_send(server_.session, 1, 0); ret < 0) {
            error = fmt::format("raw GnuTLS: gnutls_session_ticket_send: {}", gnutls_strerror(ret));
            return false;
          }
        }
      }
      if (client_done && server_done && to_server_.bytes.empty() && to_client_.bytes.empty()) {
        return finish(times);
      }
    }
    error = "raw GnuTLS: the handshake did not finish";
    return false;
  }

  bool transfer(bool client_to_server, std::span<const std::byte> chunk, std::size_t count,
                SideTimes* times) override {
    Transport& sender = client_to_server ? client_ : server_;
    Transport& receiver = client_to_server ? server_ : client_;
    const auto sending = client_to_server ? alloc::Side::client : alloc::Side::server;
    const auto receiving = client_to_server ? alloc::Side::server : alloc::Side::client;
    for (std::size_t i = 0; i < count; ++i) {
      {
        SideScope scope(sending, times);
        const ssize_t sent = gnutls_record_send(sender.session, chunk.data(), chunk.size());
        if (sent != static_cast<ssize_t>(chunk.size())) {
          error = fmt::format("raw GnuTLS: gnutls_record_send: {}",
                              gnutls_strerror(static_cast<int>(sent)));
          return false;
        }
      }
      std::size_t total = 0;
      {
        SideScope scope(receiving, times);
        for (;;) {
          const ssize_t read =
              gnutls_record_recv(receiver.session, scratch_.data(), scratch_.size());
          if (read == GNUTLS_E_AGAIN) {
            break;
          }
          if (read <= 0) {
            error = fmt::format("raw GnuTLS: gnutls_record_recv: {}",
                                gnutls_strerror(static_cast<int>(read)));
            return false;
          }
          total += static_cast<std::size_t>(read);
        }
      }
      if (total != chunk.size()) {
        error = fmt::format("raw GnuTLS: received {} bytes, expected {}", total, chunk.size());
        return false;
      }
    }
    return true;
  }

 private:
  bool make(Transport& transport, unsigned int role, gnutls_certificate_credentials_t credentials,
            gnutls_priority_t priority, Wire* inbox, Wire* outbox) {
    // Resumed setups: tickets on; the server sends its one ticket itself (as the engine does).
    unsigned int tickets = GNUTLS_NO_TICKETS;
    if (resumption_ != nullptr) {
      tickets = role == GNUTLS_SERVER ? static_cast<unsigned int>(GNUTLS_NO_AUTO_SEND_TICKET) : 0U;
    }
    if (gnutls_init(&transport.session, role | GNUTLS_NONBLOCK | tickets) < 0 ||
        gnutls_priority_set(transport.session, priority) < 0 ||
        gnutls_credentials_set(transport.session, GNUTLS_CRD_CERTIFICATE, credentials) < 0) {
      error = "raw GnuTLS: session setup failed";
      return false;
    }
    transport.inbox = inbox;
    transport.outbox = outbox;
    gnutls_transport_set_ptr(transport.session, &transport);
    gnutls_transport_set_push_function(transport.session, push);
    gnutls_transport_set_pull_function(transport.session, pull);
    return true;
  }

  bool read_ticket(SideTimes* times) {
    SideScope scope(alloc::Side::client, times);
    const ssize_t read = gnutls_record_recv(client_.session, scratch_.data(), scratch_.size());
    if (read != GNUTLS_E_AGAIN) {
      error = fmt::format("raw GnuTLS: after the handshake: {}",
                          gnutls_strerror(static_cast<int>(read)));
      return false;
    }
    return true;
  }

  bool finish(SideTimes* times) {
    if (gnutls_protocol_get_version(client_.session) != expect_version) {
      error = fmt::format("raw GnuTLS: negotiated {}",
                          gnutls_protocol_get_name(gnutls_protocol_get_version(client_.session)));
      return false;
    }
    if (expect_resumed_ && gnutls_session_is_resumed(client_.session) == 0) {
      error = "raw GnuTLS: the offered session was not resumed";
      return false;
    }
    if (resumption_ != nullptr) {
      SideScope scope(alloc::Side::client, times);
      gnutls_datum_t data{};
      if (gnutls_session_get_data2(client_.session, &data) < 0) {
        error = "raw GnuTLS: no session to resume";
        return false;
      }
      resumption_->session.assign(data.data, data.data + data.size);
      gnutls_free(data.data);
    }
    return true;
  }

 public:
  /// The version the setup must negotiate.
  gnutls_protocol_t expect_version = GNUTLS_TLS1_3;

 private:
  bool step(Transport& transport, alloc::Side side, SideTimes* times, bool& done) {
    SideScope scope(side, times);
    const int result = gnutls_handshake(transport.session);
    if (result == 0) {
      done = true;
    } else if (result != GNUTLS_E_AGAIN) {
      error = fmt::format("raw GnuTLS: gnutls_handshake: {}", gnutls_strerror(result));
      return false;
    }
    return true;
  }

  Wire to_server_;
  Wire to_client_;
  Transport client_;
  Transport server_;
  std::vector<unsigned char> scratch_;
  Resumption* resumption_ = nullptr;
  bool expect_resumed_ = false;
};

class RawSetup final : public Setup {
 public:
  RawSetup(const Credentials& credentials, CipherSuite suite, bool resumed = false)
      : version_(is_tls12(suite) ? GNUTLS_TLS1_2 : GNUTLS_TLS1_3) {
    if (resumed) {
      resumption_.emplace();
      if (gnutls_session_ticket_key_generate(&resumption_->ticket_key) < 0) {
        error = "raw GnuTLS: cannot make a ticket key";
        return;
      }
    }
    if (gnutls_certificate_allocate_credentials(&client_) < 0 ||
        gnutls_certificate_allocate_credentials(&server_) < 0) {
      error = "raw GnuTLS: cannot allocate credentials";
      return;
    }
    gnutls_datum_t root{
        reinterpret_cast<unsigned char*>(const_cast<char*>(credentials.root_pem.data())),
        static_cast<unsigned int>(credentials.root_pem.size())};
    if (gnutls_certificate_set_x509_trust_mem(client_, &root, GNUTLS_X509_FMT_PEM) != 1) {
      error = "raw GnuTLS: the trust store";
      return;
    }
    gnutls_datum_t chain{
        reinterpret_cast<unsigned char*>(const_cast<char*>(credentials.chain_pem.data())),
        static_cast<unsigned int>(credentials.chain_pem.size())};
    gnutls_datum_t key{
        reinterpret_cast<unsigned char*>(const_cast<char*>(credentials.key_pem.data())),
        static_cast<unsigned int>(credentials.key_pem.size())};
    if (const int ret =
            gnutls_certificate_set_x509_key_mem(server_, &chain, &key, GNUTLS_X509_FMT_PEM);
        ret < 0) {
      error = fmt::format("raw GnuTLS: the server credentials: {}", gnutls_strerror(ret));
      return;
    }
    const std::string client_text = priority(suite, false);
    const std::string server_text = priority(suite, true);
    if (gnutls_priority_init(&client_priority_, client_text.c_str(), nullptr) < 0 ||
        gnutls_priority_init(&server_priority_, server_text.c_str(), nullptr) < 0) {
      error = "raw GnuTLS: the priority string";
    }
  }
  ~RawSetup() override {
    if (resumption_ && resumption_->ticket_key.data != nullptr) {
      gnutls_memset(resumption_->ticket_key.data, 0, resumption_->ticket_key.size);
      gnutls_free(resumption_->ticket_key.data);
    }
    if (client_priority_ != nullptr) gnutls_priority_deinit(client_priority_);
    if (server_priority_ != nullptr) gnutls_priority_deinit(server_priority_);
    if (client_ != nullptr) gnutls_certificate_free_credentials(client_);
    if (server_ != nullptr) gnutls_certificate_free_credentials(server_);
  }
  RawSetup(const RawSetup&) = delete;
  RawSetup& operator=(const RawSetup&) = delete;

  std::unique_ptr<Connection> connect(SideTimes* times) override {
    auto connection = std::make_unique<RawConnection>();
    connection->expect_version = version_;
    if (!connection->start(client_, server_, client_priority_, server_priority_, times,
                           resumption_ ? &*resumption_ : nullptr)) {
      error = connection->error;
      return nullptr;
    }
    return connection;
  }

 private:
  gnutls_certificate_credentials_t client_ = nullptr;
  gnutls_certificate_credentials_t server_ = nullptr;
  gnutls_priority_t client_priority_ = nullptr;
  gnutls_priority_t server_priority_ = nullptr;
  gnutls_protocol_t version_;
  std::optional<Resumption> resumption_;
};

}  // namespace

Implementation raw_gnutls_implementation() {
  Implementation implementation;
  implementation.name = "raw GnuTLS";
  implementation.kind = "raw";
  implementation.library = "gnutls";
  implementation.version = fmt::format("GnuTLS {}", gnutls_check_version(nullptr));
  implementation.make_setup = [](const Credentials& credentials, CipherSuite suite) {
    return std::unique_ptr<Setup>{std::make_unique<RawSetup>(credentials, suite)};
  };
  implementation.make_resumed_setup = [](const Credentials& credentials, CipherSuite suite) {
    return std::unique_ptr<Setup>{std::make_unique<RawSetup>(credentials, suite, true)};
  };
  return implementation;
}

}  // namespace sanstls::bench
