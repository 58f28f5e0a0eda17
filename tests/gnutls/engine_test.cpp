// SPDX-License-Identifier: Apache-2.0 OR MIT
// Sessions through the public API with the GnuTLS engine, and against raw GnuTLS peers that do
// what sanstls never does (no extended master secret, TLS 1.0 only).

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sanstls::test {
namespace {

class GnutlsEngine : public WithTestPki {
 protected:
  static ClientOptions client_options() {
    ClientOptions options;
    options.backend = Backend::gnutls;
    options.trust = pki().trust_store();
    return options;
  }
  static ServerOptions server_options() {
    ServerOptions options;
    options.backend = Backend::gnutls;
    return options;
  }
  static std::shared_ptr<const hazmat::Settings> tls12_cap() {
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    return settings;
  }
};

TEST_F(GnutlsEngine, HandshakeAndDataBothWaysTls13) {
  ClientOptions client_opts = client_options();
  client_opts.alpn = {"h2", "http/1.1"};
  ServerOptions server_opts = server_options();
  server_opts.alpn = {"http/1.1", "h2"};
  SessionPair pair(ClientTLS{"localhost", client_opts}, ServerTLS{pki().server(), server_opts});
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  const SessionInfo& info = pair.client().session->info();
  EXPECT_EQ(info.backend, Backend::gnutls);
  EXPECT_EQ(info.version, ProtocolVersion::tls13);
  EXPECT_EQ(info.cipher_suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_EQ(info.group, NamedGroup::x25519);
  EXPECT_EQ(info.alpn, "http/1.1");  // the server's preference decides
  EXPECT_TRUE(info.peer_verified);
  EXPECT_EQ(pair.server().session->info().server_name, "localhost");
  EXPECT_EQ(pair.server().session->info().alpn, "http/1.1");

  ASSERT_TRUE(pair.client().session->write_data("hello server"));
  ASSERT_TRUE(pair.server().session->write_data(std::string(40000, 'x')));  // several records
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "hello server");
  EXPECT_EQ(pair.client().received_text(), std::string(40000, 'x'));

  ASSERT_TRUE(pair.client().session->finish());
  pair.pump();
  EXPECT_EQ(pair.server().session->state(), SessionState::peer_closed);
}

TEST_F(GnutlsEngine, Tls12WithRsaAndOneByteAtATime) {
  ClientOptions client_opts = client_options();
  client_opts.hazmat = tls12_cap();
  ServerOptions server_opts = server_options();
  server_opts.policy.cipher_suites = {CipherSuite::tls_aes_256_gcm_sha384,
                                      CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
                                      CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256};
  SessionPair pair(ClientTLS{"localhost", client_opts},
                   ServerTLS{pki().server(testing::KeyAlgorithm::rsa_2048), server_opts});
  ASSERT_TRUE(pair.handshake([](std::size_t) { return std::size_t{1}; }))
      << pair.first_error()->to_string();
  const SessionInfo& info = pair.server().session->info();
  EXPECT_EQ(info.version, ProtocolVersion::tls12);
  // The only configured TLS 1.2 suite that suits an RSA key, although GnuTLS's cross product
  // of the configured ciphers and key exchanges would also allow ECDHE-RSA-AES128-GCM.
  EXPECT_EQ(info.cipher_suite, CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256);
  ASSERT_TRUE(pair.client().session->write_data("tls 1.2"));
  pair.pump([](std::size_t) { return std::size_t{1}; });
  EXPECT_EQ(pair.server().received_text(), "tls 1.2");
}

TEST_F(GnutlsEngine, NoSniForIpLiterals) {
  SessionPair pair(ClientTLS{"127.0.0.1", client_options()},
                   ServerTLS{pki().server(), server_options()});
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  // RFC 6066 §3: IP literals are not sent as HostName.
  EXPECT_EQ(pair.server().session->info().server_name, "");
  EXPECT_EQ(pair.client().session->info().server_name, "127.0.0.1");
}

TEST_F(GnutlsEngine, KeyLogLinesAreNssFormat) {
  std::vector<std::string> lines;
  auto settings = std::make_shared<hazmat::Settings>();
  settings->key_log = [&lines](std::string_view line) { lines.emplace_back(line); };
  ClientOptions client_opts = client_options();
  client_opts.hazmat = settings;
  SessionPair pair(ClientTLS{"localhost", client_opts},
                   ServerTLS{pki().server(), server_options()});
  ASSERT_TRUE(pair.handshake());
  ASSERT_GE(lines.size(), 4U);
  bool saw_handshake_secret = false;
  for (const std::string& line : lines) {
    const auto first = line.find(' ');
    const auto second = line.find(' ', first + 1);
    ASSERT_NE(second, std::string::npos) << line;
    EXPECT_EQ(second - first - 1, 64U) << line;  // 32-byte client random in hex
    saw_handshake_secret |= line.rfind("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 0) == 0;
  }
  EXPECT_TRUE(saw_handshake_secret);
}

/// A server store that answers only when told to.
class LaterCertificates final : public ServerCertificates {
 public:
  void select(const ServerCertificateQuery& query, CertificateResponder responder) override {
    queries.push_back(query);
    pending.emplace(std::move(responder));
  }
  std::vector<ServerCertificateQuery> queries;
  std::optional<CertificateResponder> pending;
};

TEST_F(GnutlsEngine, ServerCertificateStoreMayAnswerLater) {
  auto store = std::make_shared<LaterCertificates>();
  SessionPair pair(ClientTLS{"test.example", client_options()}, ServerTLS{store, server_options()});
  pair.pump();
  ASSERT_EQ(pair.server().session->state(), SessionState::waiting_for_certificate);
  ASSERT_EQ(store->queries.size(), 1U);
  EXPECT_EQ(store->queries[0].server_name, "test.example");
  ASSERT_TRUE(store->pending->provide(pki().server()));
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  EXPECT_EQ(store->queries.size(), 1U);  // asked exactly once
}

TEST_F(GnutlsEngine, DeclinedServerNameIsUnrecognizedName) {
  auto store = std::make_shared<LaterCertificates>();
  SessionPair pair(ClientTLS{"test.example", client_options()}, ServerTLS{store, server_options()});
  pair.pump();
  ASSERT_EQ(pair.server().session->state(), SessionState::waiting_for_certificate);
  // The answer drives the handshake on this thread, so decline() reports its outcome.
  auto declined = store->pending->decline();
  ASSERT_FALSE(declined);
  EXPECT_EQ(declined.error().code, Errc::handshake_failure);
  pair.pump();
  ASSERT_TRUE(pair.server().session->failure());
  EXPECT_EQ(pair.server().session->failure()->code, Errc::handshake_failure);
  EXPECT_EQ(pair.server().session->failure()->message,
            "no certificate for server name 'test.example'");
  EXPECT_EQ(pair.server().session->failure()->alert_sent, Alert::unrecognized_name);
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::unrecognized_name);
}

/// A client store that never answers at once.
class LaterClientCertificates final : public ClientCertificateStore {
 public:
  void select(const ClientCertificateQuery& query, CertificateResponder responder) override {
    queries.push_back(query);
    pending.emplace(std::move(responder));
  }
  std::vector<ClientCertificateQuery> queries;
  std::optional<CertificateResponder> pending;
};

TEST_F(GnutlsEngine, ClientCertificateStoreMustAnswerAtOnce) {
  auto store = std::make_shared<LaterClientCertificates>();
  ClientOptions client_opts = client_options();
  client_opts.client_certificates = store;
  ServerOptions server_opts = server_options();
  server_opts.client_auth = ClientAuth::required;
  server_opts.client_trust = pki().trust_store();
  SessionPair pair(ClientTLS{"localhost", client_opts}, ServerTLS{pki().server(), server_opts});
  EXPECT_FALSE(pair.handshake());
  ASSERT_EQ(store->queries.size(), 1U);
  // The CertificateRequest names the client CA (certificate_authorities).
  ASSERT_EQ(store->queries[0].acceptable_authorities.size(), 1U);
  EXPECT_EQ(store->queries[0].acceptable_authorities[0], pki().root().certificate().subject());
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::unsupported) << pair.client().error->to_string();
}

TEST_F(GnutlsEngine, MutualTlsAndMissingClientCertificate) {
  ServerOptions server_opts = server_options();
  server_opts.client_auth = ClientAuth::required;
  server_opts.client_trust = pki().trust_store();
  ClientOptions with_cert = client_options();
  with_cert.client_certificates = std::make_shared<ClientCertificateChain>(pki().client());
  SessionPair good(ClientTLS{"localhost", with_cert}, ServerTLS{pki().server(), server_opts});
  ASSERT_TRUE(good.handshake()) << good.first_error()->to_string();
  EXPECT_TRUE(good.server().session->info().peer_verified);
  EXPECT_EQ(good.server().session->info().peer_certificates.size(), 2U);

  SessionPair missing(ClientTLS{"localhost", client_options()},
                      ServerTLS{pki().server(), server_opts});
  EXPECT_FALSE(missing.handshake());
  ASSERT_TRUE(missing.server().error);
  EXPECT_EQ(missing.server().error->code, Errc::certificate_rejected);
  EXPECT_EQ(missing.server().error->certificate_problem, CertificateProblem::missing);
  EXPECT_EQ(missing.server().error->alert_sent, Alert::certificate_required);
  ASSERT_TRUE(missing.client().error);
  EXPECT_EQ(missing.client().error->alert_received, Alert::certificate_required);
}

TEST_F(GnutlsEngine, AlpnWithoutOverlapFailsOnBothSides) {
  ClientOptions client_opts = client_options();
  client_opts.alpn = {"h2"};
  ServerOptions server_opts = server_options();
  server_opts.alpn = {"http/1.1"};
  SessionPair pair(ClientTLS{"localhost", client_opts}, ServerTLS{pki().server(), server_opts});
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error);
  EXPECT_EQ(pair.server().error->code, Errc::no_application_protocol);
  EXPECT_EQ(pair.server().error->alert_sent, Alert::no_application_protocol);
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::no_application_protocol);

  // A client without ALPN still reaches a server that has some (RFC 7301 §3.1).
  SessionPair no_alpn(ClientTLS{"localhost", client_options()},
                      ServerTLS{pki().server(), server_opts});
  ASSERT_TRUE(no_alpn.handshake()) << no_alpn.first_error()->to_string();
  EXPECT_EQ(no_alpn.client().session->info().alpn, "");
}

TEST_F(GnutlsEngine, TooManyAlpnProtocolsAreRefusedAtConfiguration) {
  ClientOptions options = client_options();
  options.alpn = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  ClientTLS tls{"localhost", options};
  ASSERT_NE(tls.configuration_error(), nullptr);
  EXPECT_EQ(tls.configuration_error()->code, Errc::unsupported);
}

TEST_F(GnutlsEngine, CapabilitiesAreHonest) {
  const BackendCapabilities caps = backend_capabilities(Backend::gnutls);
  EXPECT_TRUE(caps.available);
  EXPECT_EQ(caps.library_version, std::string("GnuTLS ") + gnutls_check_version(nullptr));
  EXPECT_TRUE(caps.async_server_certificates);
  EXPECT_FALSE(caps.async_client_certificates);
  // Tickets in TLS 1.3 and 1.2, 0-RTT; only the current TicketKeys key opens tickets.
  EXPECT_EQ(caps.resumption,
            (std::vector<ProtocolVersion>{ProtocolVersion::tls13, ProtocolVersion::tls12}));
  EXPECT_TRUE(caps.early_data);
  EXPECT_FALSE(caps.ticket_key_history);
  EXPECT_TRUE(caps.key_log);
}

// --- raw GnuTLS peers --------------------------------------------------------------------

/// A GnuTLS session over memory with a priority string of the test's choosing.
class RawPeer {
 public:
  RawPeer(bool server, const char* priority) {
    gnutls_init(&session_, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK);
    const char* err = nullptr;
    EXPECT_EQ(gnutls_priority_set_direct(session_, priority, &err), 0) << (err ? err : "");
    gnutls_certificate_allocate_credentials(&credentials_);
    if (server) {
      const auto& parts = TestPki::shared().server_parts();
      std::string certs = parts.certificates_pem();
      std::string key = parts.key_pem();
      const gnutls_datum_t cert_datum{reinterpret_cast<unsigned char*>(certs.data()),
                                      static_cast<unsigned>(certs.size())};
      const gnutls_datum_t key_datum{reinterpret_cast<unsigned char*>(key.data()),
                                     static_cast<unsigned>(key.size())};
      EXPECT_EQ(gnutls_certificate_set_x509_key_mem(credentials_, &cert_datum, &key_datum,
                                                    GNUTLS_X509_FMT_PEM),
                0);
    } else {
      gnutls_server_name_set(session_, GNUTLS_NAME_DNS, "localhost", 9);
    }
    gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, credentials_);
    gnutls_transport_set_ptr(session_, this);
    gnutls_transport_set_pull_function(session_, &RawPeer::pull);
    gnutls_transport_set_push_function(session_, &RawPeer::push);
    gnutls_transport_set_pull_timeout_function(
        session_, [](gnutls_transport_ptr_t p, unsigned) -> int {
          return static_cast<RawPeer*>(p)->in.empty() ? 0 : 1;
        });
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  ~RawPeer() {
    gnutls_deinit(session_);
    gnutls_certificate_free_credentials(credentials_);
  }
  /// One handshake step; on a fatal error sends the alert GnuTLS suggests, as applications
  /// of GnuTLS do (GnuTLS never sends one by itself).
  int handshake() {
    last = gnutls_handshake(session_);
    if (last < 0 && gnutls_error_is_fatal(last) != 0 && last != GNUTLS_E_FATAL_ALERT_RECEIVED) {
      gnutls_alert_send_appropriate(session_, last);
    }
    return last;
  }

  /// Reads every record waiting in `in`; appends application data to `data`. False on an
  /// error (other than "no more input").
  bool receive(std::vector<std::byte>& data) {
    std::array<std::byte, 32768> buffer{};
    while (true) {
      const ssize_t got = gnutls_record_recv(session_, buffer.data(), buffer.size());
      if (got == GNUTLS_E_AGAIN && in.empty()) return true;
      if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) continue;
      if (got <= 0) return false;
      data.insert(data.end(), buffer.begin(), buffer.begin() + got);
    }
  }
  [[nodiscard]] gnutls_session_t session() const { return session_; }

  std::vector<std::byte> in;
  std::vector<std::byte> out;
  int last = 0;

 private:
  static ssize_t pull(gnutls_transport_ptr_t p, void* data, size_t size) {
    auto* self = static_cast<RawPeer*>(p);
    if (self->in.empty()) {
      gnutls_transport_set_errno(self->session_, EAGAIN);
      return -1;
    }
    const std::size_t n = std::min(size, self->in.size());
    std::memcpy(data, self->in.data(), n);
    self->in.erase(self->in.begin(), self->in.begin() + static_cast<std::ptrdiff_t>(n));
    return static_cast<ssize_t>(n);
  }
  static ssize_t push(gnutls_transport_ptr_t p, const void* data, size_t size) {
    auto* self = static_cast<RawPeer*>(p);
    const auto* bytes = static_cast<const std::byte*>(data);
    self->out.insert(self->out.end(), bytes, bytes + size);
    return static_cast<ssize_t>(size);
  }
  gnutls_session_t session_ = nullptr;
  gnutls_certificate_credentials_t credentials_ = nullptr;
};

/// Drives a sanstls session against a raw peer until nothing moves; returns the session's
/// first error.
std::optional<Error> run(Endpoint& ours, RawPeer& peer) {
  for (int round = 0; round < 50; ++round) {
    if (peer.last == 0 || peer.last == GNUTLS_E_AGAIN) peer.handshake();
    bool moved = false;
    if (!peer.out.empty()) {
      auto bytes = std::move(peer.out);
      peer.out.clear();
      std::vector<std::byte> data;
      if (auto r = ours.session->receive_data(bytes, data); !r) {
        // Let the peer read our alert.
        peer.in.insert(peer.in.end(), ours.outbox.begin(), ours.outbox.end());
        ours.outbox.clear();
        peer.handshake();
        return r.error();
      }
      moved = true;
    }
    if (!ours.outbox.empty()) {
      peer.in.insert(peer.in.end(), ours.outbox.begin(), ours.outbox.end());
      ours.outbox.clear();
      moved = true;
    }
    if (!moved && peer.in.empty()) break;
  }
  return std::nullopt;
}

TEST_F(GnutlsEngine, ClientRefusesTls12ServerWithoutExtendedMasterSecret) {
  Endpoint client;
  client.session.emplace(*ClientTLS{"localhost", client_options()}.start(client.callbacks()));
  RawPeer server(true, "NORMAL:-VERS-TLS1.3:%NO_SESSION_HASH");
  const auto error = run(client, server);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::forbidden_by_policy);
  EXPECT_EQ(error->message,
            "the server does not support the extended master secret (RFC 7627), which sanstls "
            "requires for TLS 1.2");
  EXPECT_EQ(error->alert_sent, Alert::handshake_failure);
  EXPECT_EQ(server.last, GNUTLS_E_FATAL_ALERT_RECEIVED);
}

TEST_F(GnutlsEngine, ServerRefusesTls12ClientWithoutExtendedMasterSecret) {
  Endpoint ours;
  ours.session.emplace(*ServerTLS{pki().server(), server_options()}.start(ours.callbacks()));
  RawPeer client(false, "NORMAL:-VERS-TLS1.3:%NO_SESSION_HASH");
  const auto error = run(ours, client);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::forbidden_by_policy);
  EXPECT_EQ(error->message,
            "the client does not support the extended master secret (RFC 7627), which sanstls "
            "requires for TLS 1.2");
  EXPECT_EQ(client.last, GNUTLS_E_FATAL_ALERT_RECEIVED);
}

TEST_F(GnutlsEngine, ServerNamesTheOldVersionsAClientOffered) {
  Endpoint ours;
  ours.session.emplace(*ServerTLS{pki().server(), server_options()}.start(ours.callbacks()));
  RawPeer client(false, "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1");
  const auto error = run(ours, client);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::forbidden_by_policy);
  EXPECT_EQ(error->message,
            "the peer offered only TLS 1.0 and TLS 1.1; sanstls requires TLS 1.2 or newer");
  EXPECT_EQ(error->alert_sent, Alert::protocol_version);
  EXPECT_EQ(client.last, GNUTLS_E_FATAL_ALERT_RECEIVED);
}

TEST_F(GnutlsEngine, WritesFollowThePeersRecordSizeLimitInOneCallbackEach) {
  // A client that accepts records of at most 512 bytes (RFC 8449 record_size_limit): our
  // server's GnuTLS sends smaller records, so a write of a size that was one record with another
  // peer is several here, and still goes out in one write callback (the engine hands only a
  // write it knows to be one record to the callback directly).
  Endpoint ours;
  ours.session.emplace(*ServerTLS{pki().server(), server_options()}.start(ours.callbacks()));
  RawPeer client(false, "NORMAL");
  ASSERT_EQ(gnutls_record_set_max_size(client.session(), 512), 0);
  for (int round = 0; round < 20 && !(client.last == 0 && ours.session->handshake_complete());
       ++round) {
    if (client.last != 0 || round == 0) client.handshake();
    if (!client.out.empty()) {
      ASSERT_TRUE(ours.session->receive_data(std::exchange(client.out, {})));
    }
    client.in.insert(client.in.end(), ours.outbox.begin(), ours.outbox.end());
    ours.outbox.clear();
  }
  ASSERT_EQ(client.last, 0) << gnutls_strerror(client.last);
  ASSERT_TRUE(ours.session->handshake_complete());
  std::vector<std::byte> received;
  ASSERT_TRUE(client.receive(received));  // the tickets
  std::vector<std::byte> expected;
  std::size_t most_records = 0;
  for (const std::size_t size :
       std::initializer_list<std::size_t>{500, 500, 1000, 1000, 300, 500, 3000, 3000, 1}) {
    std::vector<std::byte> data(size, static_cast<std::byte>(size & 0xffU));
    ours.write_calls = 0;
    ASSERT_TRUE(ours.session->write_data(data));
    EXPECT_EQ(ours.write_calls, 1U) << size;
    std::size_t records = 0;
    for (std::size_t at = 0; at + 5 <= ours.outbox.size(); ++records) {
      at += 5 + ((std::to_integer<std::size_t>(ours.outbox[at + 3]) << 8U) |
                 std::to_integer<std::size_t>(ours.outbox[at + 4]));
    }
    most_records = std::max(most_records, records);
    client.in.insert(client.in.end(), ours.outbox.begin(), ours.outbox.end());
    ours.outbox.clear();
    expected.insert(expected.end(), data.begin(), data.end());
    ASSERT_TRUE(client.receive(received)) << size;
  }
  EXPECT_GE(most_records, 6U) << "the peer's record size limit was not in effect";
  EXPECT_EQ(received, expected);
}

TEST_F(GnutlsEngine, OldServerRefusesOurAeadOnlyOffer) {
  Endpoint client;
  client.session.emplace(*ClientTLS{"localhost", client_options()}.start(client.callbacks()));
  RawPeer server(true, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0");
  const auto error = run(client, server);
  // A TLS 1.1 server has no AEAD suite, so it refuses before it could choose TLS 1.1 (the
  // client's own "the server chose TLS 1.1" message is covered in errors_test.cpp).
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::alert_received) << error->to_string();
  EXPECT_EQ(error->alert_received, Alert::handshake_failure);
  EXPECT_EQ(error->message, "the peer sent a fatal handshake_failure alert");
}

}  // namespace
}  // namespace sanstls::test
