// SPDX-License-Identifier: Apache-2.0 OR MIT
// Hostile input (issue 13, "Error texts"): bytes no TLS peer sends, fed to every engine in both
// roles. Each row expects ONE Errc, ONE alert on the wire (or none, the same on every engine)
// and ONE message fragment in the user's words, whatever the engine; no message may leak a
// library's internals. docs/backends.md "Errors and alerts on hostile input" lists the rows.

#include <sanstls/sanstls.hpp>

#include "conformance.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule.hpp"
#include "native/record/protection.hpp"
#include "support/engines.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::test {
namespace {

using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::initializer_list<std::uint8_t> values) {
  Bytes out;
  for (auto v : values) out.push_back(std::byte{v});
  return out;
}

Bytes text(std::string_view s) {
  Bytes out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// A record header announcing `length` bytes of `type`.
Bytes header(std::uint8_t type, std::size_t length) {
  return bytes_of({type, 3, 1, static_cast<std::uint8_t>(length >> 8U),
                   static_cast<std::uint8_t>(length & 0xffU)});
}

enum class Role { server, client, both };

struct Row {
  std::string name;
  Role role;
  Bytes input;
  /// Call receive_eof() after the input.
  bool then_eof = false;
  Errc code;
  std::optional<Alert> alert;
  std::string fragment;
};

std::vector<Row> rows() {
  // An SSL 2.0-format CLIENT-HELLO (RFC 6101 Appendix E.2 layout) offering TLS 1.2.
  const Bytes sslv2 =
      bytes_of({0x80, 0x2e, 0x01, 0x03, 0x03, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x00,
                0x00, 0x2f, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x05, 0x00,
                0x00, 0x04, 0x00, 0x00, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01});
  // A ClientHello record cut short: the header announces 64 bytes, 8 arrive.
  const Bytes truncated = concat(header(22, 64), bytes_of({1, 0, 0, 60, 3, 3, 0, 0}));
  return {
      {"garbage", Role::both, bytes_of({0x9a, 0x41, 0x07, 0xee, 0x10, 0x00, 0x5c, 0x21, 0x99}),
       false, Errc::bad_tls_data, std::nullopt, "did not send TLS"},
      {"http_request", Role::server,
       text("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.0\r\n\r\n"), false,
       Errc::bad_tls_data, std::nullopt, "the peer sent plain HTTP, not TLS"},
      {"http_response", Role::client,
       text("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), false,
       Errc::bad_tls_data, std::nullopt, "the peer sent plain HTTP, not TLS"},
      {"sslv2_client_hello", Role::server, sslv2, false, Errc::forbidden_by_policy, std::nullopt,
       "SSL 2.0-format hello"},
      {"truncated_record_then_eof", Role::both, truncated, true, Errc::truncated, std::nullopt,
       "the transport closed during the handshake"},
      {"oversized_record", Role::both, concat(header(22, 16384 + 512), Bytes(600, std::byte{1})),
       false, Errc::bad_tls_data, Alert::record_overflow, "a TLS record holds at most 16384 bytes"},
      {"hello_announcing_16_mib", Role::server,
       concat(header(22, 8), bytes_of({1, 0xff, 0xff, 0xff, 3, 3, 0, 0})), false,
       Errc::bad_tls_data, Alert::illegal_parameter,
       "the peer's hello announces 16777215 bytes; a hello is at most 131396 bytes"},
      {"server_hello_announcing_16_mib", Role::client,
       concat(header(22, 8), bytes_of({2, 0xff, 0xff, 0xff, 3, 3, 0, 0})), false,
       Errc::bad_tls_data, Alert::illegal_parameter,
       "the peer's hello announces 16777215 bytes; a hello is at most 131396 bytes"},
      {"content_type_0x19", Role::both, concat(header(0x19, 2), bytes_of({1, 2})), false,
       Errc::bad_tls_data, std::nullopt, "did not send TLS"},
      {"content_type_0x30", Role::both, concat(header(0x30, 2), bytes_of({1, 2})), false,
       Errc::bad_tls_data, std::nullopt, "did not send TLS"},
      {"application_data_first", Role::both, concat(header(23, 3), bytes_of({1, 2, 3})), false,
       Errc::bad_tls_data, Alert::unexpected_message, "application data before its hello"},
      {"empty_handshake_record", Role::both, header(22, 0), false, Errc::bad_tls_data,
       Alert::decode_error, "empty handshake record"},
  };
}

/// What one row did to one engine in one role.
struct Outcome {
  std::optional<Error> error;
  Bytes written;  // what the session wrote after the input arrived
  SessionState state = SessionState::handshaking;
};

Outcome feed(Backend engine, bool as_server, const Row& row) {
  const TestPki& pki = TestPki::shared();
  Outcome outcome;
  bool input_arrived = false;
  SessionCallbacks callbacks;
  callbacks.write = [&](std::span<const std::byte> bytes) {
    if (input_arrived) outcome.written.insert(outcome.written.end(), bytes.begin(), bytes.end());
  };
  ServerTLS server_tls(pki.server(), ServerOptions{.backend = engine});
  ClientTLS client_tls("localhost", ClientOptions{.trust = pki.trust_store(), .backend = engine});
  auto session = as_server ? server_tls.start(callbacks) : client_tls.start(callbacks);
  EXPECT_TRUE(session.has_value());
  if (!session) return outcome;
  input_arrived = true;
  Bytes data;
  auto received = session->receive_data(row.input, data);
  if (received && row.then_eof) received = session->receive_eof();
  if (!received) outcome.error = received.error();
  outcome.state = session->state();
  return outcome;
}

/// Words of a library's own error texts that must never reach a sanstls message.
void expect_no_library_internals(const Error& error) {
  for (std::string_view leak : {"error:0A", "routines::", "GnuTLS", "OpenSSL failed", "(error "}) {
    EXPECT_EQ(error.message.find(leak), std::string::npos) << error.to_string();
  }
}

class HostileInput : public ::testing::TestWithParam<Backend> {};

TEST_P(HostileInput, EveryRowOneErrcOneAlertOneMessage) {
  for (const Row& row : rows()) {
    for (const bool as_server : {true, false}) {
      if ((row.role == Role::server && !as_server) || (row.role == Role::client && as_server)) {
        continue;
      }
      SCOPED_TRACE(row.name + (as_server ? " (to a server)" : " (to a client)"));
      const Outcome outcome = feed(GetParam(), as_server, row);
      ASSERT_TRUE(outcome.error.has_value()) << "the input was accepted";
      const Error& error = *outcome.error;
      EXPECT_EQ(error.code, row.code) << error.to_string();
      EXPECT_EQ(error.alert_sent, row.alert) << error.to_string();
      EXPECT_NE(error.message.find(row.fragment), std::string::npos) << error.to_string();
      EXPECT_EQ(outcome.state, SessionState::invalidated);
      expect_no_library_internals(error);
      // The alert the error names is the one on the wire, as a plaintext fatal alert; no alert
      // means no bytes at all.
      if (row.alert) {
        EXPECT_EQ(outcome.written,
                  bytes_of({21, 3, 3, 0, 2, 2, static_cast<std::uint8_t>(*row.alert)}));
      } else {
        EXPECT_TRUE(outcome.written.empty()) << outcome.written.size() << " bytes written";
      }
    }
  }
}

TEST_P(HostileInput, HostileStartSplitAcrossCalls) {
  // The classification does not depend on how the transport splits the bytes: plain HTTP
  // arriving one byte per call is refused on the byte that completes a record header, before
  // any engine saw a whole header.
  const Bytes request = text("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const TestPki& pki = TestPki::shared();
  SessionCallbacks callbacks;
  callbacks.write = [](std::span<const std::byte>) {};
  ServerTLS server_tls(pki.server(), ServerOptions{.backend = GetParam()});
  auto session = server_tls.start(callbacks);
  ASSERT_TRUE(session);
  std::optional<Error> error;
  std::size_t fed = 0;
  for (const std::byte b : request) {
    Bytes data;
    ++fed;
    if (auto received = session->receive_data(std::span{&b, 1}, data); !received) {
      error = received.error();
      break;
    }
  }
  ASSERT_TRUE(error);
  EXPECT_EQ(fed, 5U);
  EXPECT_SANSTLS_ERROR(error, Errc::bad_tls_data, "the peer sent plain HTTP, not TLS");
}

// ---------------------------------------------------------------------------------------------
// Renegotiation. sanstls never renegotiates: on every engine a TLS 1.2 renegotiation attempt
// (a ClientHello after the handshake, a HelloRequest from the server) is refused with the
// no_renegotiation alert (a warning, RFC 5246 §7.2.2) and ends the session with
// Errc::bad_tls_data. The peer is raw OpenSSL over memory BIOs, which renegotiates on request.

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

/// A raw OpenSSL endpoint capped at TLS 1.2, joined to a sanstls session through memory.
class RawTls12Peer {
 public:
  explicit RawTls12Peer(bool server) {
    ctx_.reset(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_.get(), TLS1_2_VERSION);
    if (server) {
      const auto& parts = TestPki::shared().server_parts();
      const std::string chain = parts.certificates_pem();
      const std::string key = parts.key_pem();
      BIO* chain_bio = BIO_new_mem_buf(chain.data(), static_cast<int>(chain.size()));
      X509* leaf = PEM_read_bio_X509(chain_bio, nullptr, nullptr, nullptr);
      EXPECT_EQ(SSL_CTX_use_certificate(ctx_.get(), leaf), 1);
      while (X509* extra = PEM_read_bio_X509(chain_bio, nullptr, nullptr, nullptr)) {
        SSL_CTX_add_extra_chain_cert(ctx_.get(), extra);  // takes ownership
      }
      X509_free(leaf);
      BIO_free(chain_bio);
      BIO* key_bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
      EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
      EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_.get(), pkey), 1);
      EVP_PKEY_free(pkey);
      BIO_free(key_bio);
      ERR_clear_error();  // the chain loop ends on a "no start line" error
    }
    ssl_.reset(SSL_new(ctx_.get()));
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_.get(), in_, out_);
    if (server) {
      SSL_set_accept_state(ssl_.get());
    } else {
      SSL_set_connect_state(ssl_.get());
      SSL_set_tlsext_host_name(ssl_.get(), "localhost");
    }
  }

  void receive(std::span<const std::byte> bytes) {
    BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
  }
  Bytes take_output() {
    Bytes out(static_cast<std::size_t>(BIO_ctrl_pending(out_)));
    if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
    return out;
  }
  /// Drives the handshake (or a renegotiation) one step; true once it is done.
  bool step() {
    const int result = SSL_do_handshake(ssl_.get());
    ERR_clear_error();
    return result == 1;
  }
  /// Reads whatever application data and alerts arrived.
  void read() {
    std::array<char, 256> buffer{};
    std::size_t read = 0;
    while (SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &read) == 1) {
    }
    ERR_clear_error();
  }
  SSL* ssl() { return ssl_.get(); }

 private:
  std::unique_ptr<SSL_CTX, SslFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
};

/// `engine`, capped at TLS 1.2, started as server (`engine_is_server`) or client against a raw
/// OpenSSL peer in the other role; what the engine writes collects in `to_peer`. Not movable: the
/// session's write callback points into it.
class EngineAgainstRawTls12 {
 public:
  struct Parts {
    RawTls12Peer& peer;
    Bytes& to_peer;
    Result<Session>& session;
  };
  EngineAgainstRawTls12(Backend engine, bool engine_is_server)
      : peer_(/*server=*/!engine_is_server),
        settings_(capped_at_tls12()),
        server_tls_(TestPki::shared().server(),
                    ServerOptions{.backend = engine, .hazmat = settings_}),
        client_tls_("localhost", ClientOptions{.trust = TestPki::shared().trust_store(),
                                               .backend = engine,
                                               .hazmat = settings_}),
        session_(start_engine(engine_is_server)) {}
  EngineAgainstRawTls12(const EngineAgainstRawTls12&) = delete;
  EngineAgainstRawTls12& operator=(const EngineAgainstRawTls12&) = delete;

  Parts parts() { return Parts{peer_, to_peer_, session_}; }

 private:
  Result<Session> start_engine(bool engine_is_server) {
    SessionCallbacks callbacks;
    callbacks.write = [this](std::span<const std::byte> bytes) {
      to_peer_.insert(to_peer_.end(), bytes.begin(), bytes.end());
    };
    return engine_is_server ? server_tls_.start(callbacks) : client_tls_.start(callbacks);
  }
  static std::shared_ptr<hazmat::Settings> capped_at_tls12() {
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    return settings;
  }

  RawTls12Peer peer_;
  Bytes to_peer_;
  std::shared_ptr<hazmat::Settings> settings_;
  ServerTLS server_tls_;
  ClientTLS client_tls_;
  Result<Session> session_;
};

struct RenegotiationOutcome {
  bool handshake_done = false;
  std::optional<Error> error;
  std::string handshake_error;
};

/// A TLS 1.2 handshake between `engine` (capped at TLS 1.2) and raw OpenSSL, then the raw peer
/// asks to renegotiate: as a client (a new ClientHello) when `engine_is_server`, else as a
/// server (a HelloRequest).
RenegotiationOutcome renegotiate(Backend engine, bool engine_is_server) {
  RenegotiationOutcome outcome;
  EngineAgainstRawTls12 pair(engine, engine_is_server);
  auto [peer, to_peer, session] = pair.parts();  // references into `pair`
  if (!session) {
    outcome.handshake_error = session.error().to_string();
    return outcome;
  }
  Bytes data;
  bool peer_done = false;
  for (int round = 0; round < 20 && !(peer_done && session->established()); ++round) {
    peer.receive(to_peer);
    to_peer.clear();
    peer_done = peer.step();
    const Bytes from_peer = peer.take_output();
    if (!from_peer.empty()) {
      if (auto received = session->receive_data(from_peer, data); !received) {
        outcome.handshake_error = received.error().to_string();
        return outcome;
      }
    }
  }
  peer.receive(to_peer);  // the session's last flight, if any
  to_peer.clear();
  peer.read();
  if (!(peer_done && session->established())) {
    outcome.handshake_error = "the TLS 1.2 handshake with raw OpenSSL did not complete";
    return outcome;
  }
  outcome.handshake_done = true;
  EXPECT_EQ(SSL_renegotiate(peer.ssl()), 1);
  (void)peer.step();  // writes the ClientHello or the HelloRequest
  const Bytes attempt = peer.take_output();
  EXPECT_FALSE(attempt.empty());
  auto received = session->receive_data(attempt, data);
  if (received) {
    // The engine may have answered with a warning and gone on: let the peer react.
    peer.receive(to_peer);
    to_peer.clear();
    (void)peer.step();
    received = session->receive_data(peer.take_output(), data);
  }
  if (!received) outcome.error = received.error();
  return outcome;
}

// TLS 1.3 has no renegotiation: a ClientHello after the handshake (from a client) or a
// HelloRequest (from a server) is an unexpected message (RFC 8446 §4). The test seals it as the
// peer: a native peer's hazmat key log gives its application traffic secret, and the native
// engine's key schedule and record protection encrypt the forged record (as in
// tests/hardening/post_handshake_flood_test.cpp).

/// The secret of an NSS key log line "LABEL <client_random> <secret>", or nothing.
std::optional<std::vector<std::uint8_t>> logged_secret(const std::vector<std::string>& lines,
                                                       std::string_view label) {
  const std::string prefix = std::string(label) + " ";
  for (const auto& line : lines) {
    if (!line.starts_with(prefix)) continue;
    const std::string hex = line.substr(line.rfind(' ') + 1);
    std::vector<std::uint8_t> secret;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      secret.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return secret;
  }
  return std::nullopt;
}

/// One handshake record sealed under `secret` (the peer's first application traffic secret).
std::optional<Bytes> seal_as_peer(CipherSuite suite, const std::vector<std::uint8_t>& secret,
                                  std::span<const std::uint8_t> message,
                                  native::ContentType type = native::ContentType::handshake) {
  auto params = native::suite_params(static_cast<native::CipherSuite>(suite));
  auto provider = native::crypto::LibcryptoProvider::create();
  if (!params || !provider) return std::nullopt;
  native::KeyDerivation derivation(**provider, params->hash);
  const native::SecretBytes traffic{std::span<const std::uint8_t>(secret)};
  auto keys = derivation.traffic_keys(traffic.span(), params->aead);
  if (!keys) return std::nullopt;
  auto protection = native::record::Protection::create(**provider, params->aead, *keys);
  if (!protection) return std::nullopt;
  auto sealed = protection->seal(type, message, 0);
  if (!sealed) return std::nullopt;
  Bytes out;
  for (std::uint8_t b : *sealed) out.push_back(std::byte{b});
  return out;
}

/// A TLS 1.3 session between `engine` and a native peer, then one record of `type` holding
/// `content`, sealed as the peer. Returns the engine's error, if any.
std::optional<Error> tls13_forged_record(Backend engine, bool engine_is_server,
                                         native::ContentType type,
                                         std::span<const std::uint8_t> content) {
  const TestPki& pki = TestPki::shared();
  std::vector<std::string> key_log;
  auto settings = std::make_shared<hazmat::Settings>();
  settings->key_log = [&](std::string_view line) { key_log.emplace_back(line); };
  ClientOptions client_options{.trust = pki.trust_store(),
                               .policy = Policy::tls13_only(),
                               .backend = engine_is_server ? Backend::native : engine};
  ServerOptions server_options{.policy = Policy::tls13_only(),
                               .backend = engine_is_server ? engine : Backend::native};
  (engine_is_server ? client_options.hazmat : server_options.hazmat) = settings;
  // The forged record is sealed as the server's first under its application keys: no
  // NewSessionTicket may take that sequence number.
  server_options.session_tickets = 0;
  const ClientTLS client_tls("localhost", client_options);
  const ServerTLS server_tls(pki.server(), server_options);
  SessionPair pair(client_tls, server_tls);
  EXPECT_TRUE(pair.handshake());
  Endpoint& victim = engine_is_server ? pair.server() : pair.client();
  if (!victim.session || !victim.session->established()) return std::nullopt;
  const auto suite = victim.session->info().cipher_suite;
  const auto secret = logged_secret(
      key_log, engine_is_server ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0");
  EXPECT_TRUE(suite && secret);
  if (!suite || !secret) return std::nullopt;
  auto record = seal_as_peer(*suite, *secret, content, type);
  EXPECT_TRUE(record);
  if (!record) return std::nullopt;
  Bytes data;
  auto received = victim.session->receive_data(*record, data);
  if (received) return std::nullopt;
  return received.error();
}

/// A ClientHello (engine_is_server) or HelloRequest from the peer after a TLS 1.3 handshake.
std::optional<Error> tls13_renegotiation(Backend engine, bool engine_is_server) {
  // A ClientHello's first bytes suffice: the type alone makes it unexpected.
  const std::vector<std::uint8_t> client_hello = {1, 0, 0, 6, 3, 3, 0, 0, 0, 0};
  const std::vector<std::uint8_t> hello_request = {0, 0, 0, 0};
  return tls13_forged_record(engine, engine_is_server, native::ContentType::handshake,
                             engine_is_server ? client_hello : hello_request);
}

class Renegotiation : public Conformance {};

TEST_P(Renegotiation, Tls13EmptyProtectedAlertIsUnexpected) {
  // RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert records that have a
  // zero-length TLSInnerPlaintext.content; if such a message is received, the receiving
  // implementation MUST terminate the connection with an "unexpected_message" alert." Both
  // roles, after the handshake.
  for (const bool engine_is_server : {true, false}) {
    SCOPED_TRACE(engine_is_server ? "to a server" : "to a client");
    const auto error = tls13_forged_record(engine_is_server ? GetParam().server : GetParam().client,
                                           engine_is_server, native::ContentType::alert, {});
    ASSERT_TRUE(error) << "an empty protected alert record was accepted";
    EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
    EXPECT_EQ(error->alert_sent, Alert::unexpected_message) << error->to_string();
    expect_no_library_internals(*error);
  }
}

/// A TLS 1.2 renegotiation attempt by the peer of `engine` (a ClientHello when
/// `engine_is_server`, else a HelloRequest) is refused with no_renegotiation.
void expect_tls12_renegotiation_refused(Backend engine, bool engine_is_server) {
  const auto outcome = renegotiate(engine, engine_is_server);
  ASSERT_TRUE(outcome.handshake_done) << outcome.handshake_error;
  ASSERT_TRUE(outcome.error) << "the renegotiation attempt was not refused";
  EXPECT_EQ(outcome.error->code, Errc::bad_tls_data) << outcome.error->to_string();
  EXPECT_EQ(outcome.error->alert_sent, Alert::no_renegotiation) << outcome.error->to_string();
  EXPECT_NE(outcome.error->message.find("the peer tried to renegotiate"), std::string::npos)
      << outcome.error->to_string();
  expect_no_library_internals(*outcome.error);
}

/// The same after a TLS 1.3 handshake: an unexpected_message.
void expect_tls13_renegotiation_unexpected(Backend engine, bool engine_is_server) {
  const auto error = tls13_renegotiation(engine, engine_is_server);
  ASSERT_TRUE(error) << (engine_is_server ? "a ClientHello" : "a HelloRequest")
                     << " after a TLS 1.3 handshake was accepted";
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(error->alert_sent, Alert::unexpected_message) << error->to_string();
  // docs/backends.md: the wording differs (the native engine names the RFC step), the fact
  // does not.
  EXPECT_NE(error->message.find("unexpected"), std::string::npos) << error->to_string();
  expect_no_library_internals(*error);
}

TEST_P(Renegotiation, Tls12ClientHelloAfterTheHandshakeIsRefused) {
  if (!tls12_supported_or_reported(Tls12Needed::by_server)) return;
  expect_tls12_renegotiation_refused(GetParam().server, /*engine_is_server=*/true);
}

TEST_P(Renegotiation, Tls12HelloRequestIsRefused) {
  if (!tls12_supported_or_reported(Tls12Needed::by_client)) return;
  expect_tls12_renegotiation_refused(GetParam().client, /*engine_is_server=*/false);
}

TEST_P(Renegotiation, Tls13ClientHelloAfterTheHandshakeIsUnexpected) {
  expect_tls13_renegotiation_unexpected(GetParam().server, /*engine_is_server=*/true);
}

TEST_P(Renegotiation, Tls13HelloRequestIsUnexpected) {
  expect_tls13_renegotiation_unexpected(GetParam().client, /*engine_is_server=*/false);
}

SANSTLS_INSTANTIATE_CONFORMANCE(Renegotiation);

// RFC 5246 §6.2.1 and Appendix E.1: once TLS 1.2 is negotiated, every record carries {3,3}
// (only the ClientHello's record may say {03,00} to {03,03}). A plaintext record of the peer's
// handshake with {3,1} instead (the client's ClientKeyExchange, the server's Certificate) is
// refused with protocol_version by every engine (OpenSSL: "wrong version number"), in the same
// words (core::refusals::wrong_record_version).

/// A TLS 1.2 handshake between `engine` (capped at TLS 1.2) and raw OpenSSL in which the peer's
/// first record after the hellos has its version set to {3,1}. Returns the engine's error.
std::optional<Error> tls12_record_with_another_version(Backend engine, bool engine_is_server) {
  EngineAgainstRawTls12 pair(engine, engine_is_server);
  auto [peer, to_peer, session] = pair.parts();  // references into `pair`
  EXPECT_TRUE(session) << session.error().to_string();
  if (!session) return std::nullopt;
  Bytes data;
  int flights = 0;
  for (int round = 0; round < 20 && !session->established(); ++round) {
    peer.receive(to_peer);
    to_peer.clear();
    (void)peer.step();
    Bytes from_peer = peer.take_output();
    if (from_peer.empty()) continue;
    ++flights;
    // The engine as server: the client's second flight, its first record (ClientKeyExchange).
    // The engine as client: the server's first flight, its second record (Certificate).
    std::size_t at = 0;
    if (engine_is_server ? flights == 2 : flights == 1) {
      if (!engine_is_server) {
        at = 5 + ((std::to_integer<std::size_t>(from_peer[3]) << 8U) |
                  std::to_integer<std::size_t>(from_peer[4]));
      }
      EXPECT_LT(at + 5, from_peer.size());
      if (at + 5 >= from_peer.size()) return std::nullopt;
      EXPECT_EQ(from_peer[at + 2], std::byte{0x03});  // {3,3} before the change
      from_peer[at + 2] = std::byte{0x01};
    }
    if (auto received = session->receive_data(from_peer, data); !received) {
      return received.error();
    }
  }
  return std::nullopt;
}

class RecordVersion : public Conformance {};

TEST_P(RecordVersion, Tls12ClientRecordWithAnotherVersionIsProtocolVersion) {
  if (!tls12_supported_or_reported(Tls12Needed::by_server)) return;
  const auto error = tls12_record_with_another_version(GetParam().server, true);
  ASSERT_TRUE(error) << "a {3,1} record after TLS 1.2 was negotiated was accepted";
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(error->alert_sent, Alert::protocol_version) << error->to_string();
  EXPECT_EQ(error->message, "the peer sent a record with an invalid protocol version field")
      << error->to_string();
  expect_no_library_internals(*error);
}

TEST_P(RecordVersion, Tls12ServerRecordWithAnotherVersionIsProtocolVersion) {
  if (!tls12_supported_or_reported(Tls12Needed::by_client)) return;
  const auto error = tls12_record_with_another_version(GetParam().client, false);
  ASSERT_TRUE(error) << "a {3,1} record after TLS 1.2 was negotiated was accepted";
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(error->alert_sent, Alert::protocol_version) << error->to_string();
  EXPECT_EQ(error->message, "the peer sent a record with an invalid protocol version field")
      << error->to_string();
  expect_no_library_internals(*error);
}

SANSTLS_INSTANTIATE_CONFORMANCE(RecordVersion);

INSTANTIATE_TEST_SUITE_P(Engines, HostileInput, ::testing::ValuesIn(available_engines()),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return std::string{backend_name(param.param)};
                         });

}  // namespace
}  // namespace sanstls::test
