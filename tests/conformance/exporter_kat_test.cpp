// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: exported keying material against an independent computation. exporter_test.cpp
// compares engines with each other, so a bug every engine shares (e.g. one in the core that
// mangles the context before any engine sees it) passes there. Here the expected bytes come from
// the RFC formulas, computed in support/tls_oracle.* with OpenSSL's HMAC over the secrets the
// hazmat key log reveals and the randoms as they went over the wire:
//
//   TLS 1.3, RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
//       HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value),
//                         key_length), Secret = exporter_master_secret (EXPORTER_SECRET)
//   TLS 1.2, RFC 5705 §4: PRF(master_secret, label, client_random + server_random
//                             [+ context_value_length + context_value])

#include "conformance/conformance.hpp"
#include "support/tls_oracle.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace sanstls::test {
namespace {

using oracle::KeyLogRecorder;
using oracle::Octets;

constexpr std::string_view label = "EXPORTER-sanstls-known-answer";

struct ContextCase {
  std::string name;
  std::optional<Octets> context;
};

/// No context, an empty one, a short one, one just past a one-byte length, two around 1 KiB,
/// the longest.
std::vector<ContextCase> context_cases() {
  auto pattern = [](std::size_t length) {
    Octets bytes(length);
    for (std::size_t i = 0; i < length; ++i) bytes[i] = static_cast<std::uint8_t>(i % 251 + 1);
    return bytes;
  };
  return {{"no context", std::nullopt},
          {"empty context", Octets{}},
          {"short context", Octets{'c', 't', 'x'}},
          {"256-byte context", pattern(256)},
          // Either side of the OpenSSL engine's switch to its own TLS 1.2 PRF (OpenSSL 3.0's
          // TLS1-PRF holds label + randoms + context in 1024 bytes).
          {"context filling OpenSSL's PRF buffer", pattern(1024 - 66 - label.size())},
          {"context one byte past OpenSSL's PRF buffer", pattern(1024 - 66 - label.size() + 1)},
          {"65535-byte context", pattern(65535)}};
}

Octets exported(Session& session, const ContextCase& c, std::size_t length) {
  std::vector<std::byte> out(length);
  auto done = c.context
                  ? session.export_keying_material(out, label, std::as_bytes(std::span{*c.context}))
                  : session.export_keying_material(out, label);
  EXPECT_TRUE(done) << c.name << ": " << done.error().to_string();
  Octets bytes(length);
  std::memcpy(bytes.data(), out.data(), length);
  return bytes;
}

class ExporterKatTest : public Conformance {
 protected:
  /// Both ends of `pair` export what `expected(context, length)` computes, for every case.
  template <class Expected>
  static void expect_known_answers(SessionPair& pair, const Expected& expected) {
    for (const ContextCase& c : context_cases()) {
      for (std::size_t length : {std::size_t{32}, std::size_t{100}}) {
        const Octets want = expected(c.context, length);
        EXPECT_EQ(exported(*pair.client().session, c, length), want)
            << "client (" << backend_name(GetParam().client) << "), " << c.name << ", " << length
            << " bytes";
        EXPECT_EQ(exported(*pair.server().session, c, length), want)
            << "server (" << backend_name(GetParam().server) << "), " << c.name << ", " << length
            << " bytes";
      }
    }
  }

  void tls13_known_answers(std::optional<CipherSuite> suite) {
    KeyLogRecorder log;
    ClientOptions client_opts = client_options();
    client_opts.hazmat = log.settings();
    ServerOptions server_opts = server_options();
    if (suite) server_opts.policy.cipher_suites = {*suite};
    SessionPair pair(client(client_opts), server(server_opts));
    ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
    const SessionInfo& info = pair.client().session->info();
    ASSERT_EQ(info.version, ProtocolVersion::tls13);
    ASSERT_TRUE(info.cipher_suite);
    if (suite) {
      ASSERT_EQ(*info.cipher_suite, *suite);
    }
    const auto secret = log.secret("EXPORTER_SECRET");
    ASSERT_TRUE(secret) << "no EXPORTER_SECRET in the client's key log";
    const oracle::Hash hash = oracle::suite_hash(static_cast<std::uint16_t>(*info.cipher_suite));
    ASSERT_EQ(secret->size(), oracle::hash_length(hash));
    expect_known_answers(pair, [&](const std::optional<Octets>& context, std::size_t length) {
      // RFC 8446 §7.5: "If no context is provided, the context_value is zero length."
      return oracle::tls13_exporter(hash, *secret, label, context ? *context : Octets{}, length);
    });
  }

  void tls12_known_answers(std::optional<CipherSuite> suite) {
    if (!tls12_supported_or_reported()) return;
    KeyLogRecorder log;
    ClientOptions client_opts = client_options();
    auto settings = log.settings();
    settings->max_version = ProtocolVersion::tls12;
    client_opts.hazmat = settings;
    ServerOptions server_opts = server_options();
    if (suite) {
      // A TLS 1.3 suite must stay in the list (sanstls never disables TLS 1.3); the capped
      // client can only take the TLS 1.2 one.
      server_opts.policy.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256, *suite};
    }
    SessionPair pair(client(client_opts), server(server_opts));
    ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
    // The randoms as they go over the wire: the ClientHello, then the ServerHello in the answer.
    const auto client_hello = oracle::parse_hello(pair.client().outbox);
    ASSERT_TRUE(client_hello) << "no ClientHello";
    std::vector<std::byte> waiting;
    waiting.swap(pair.client().outbox);
    ASSERT_TRUE(pair.server().session->receive_data(waiting, pair.server().received));
    const auto server_hello = oracle::parse_hello(pair.server().outbox);
    ASSERT_TRUE(server_hello) << "no ServerHello";
    ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
    const SessionInfo& info = pair.client().session->info();
    ASSERT_EQ(info.version, ProtocolVersion::tls12);
    ASSERT_TRUE(info.cipher_suite);
    if (suite) {
      ASSERT_EQ(*info.cipher_suite, *suite);
    }
    ASSERT_EQ(server_hello->cipher_suite, static_cast<std::uint16_t>(*info.cipher_suite));
    const auto master_secret = log.secret("CLIENT_RANDOM");
    ASSERT_TRUE(master_secret) << "no CLIENT_RANDOM line in the client's key log";
    ASSERT_EQ(master_secret->size(), 48U);
    ASSERT_EQ(log.client_random("CLIENT_RANDOM"), client_hello->random);
    const oracle::Hash hash = oracle::suite_hash(server_hello->cipher_suite);
    expect_known_answers(pair, [&](const std::optional<Octets>& context, std::size_t length) {
      std::optional<std::span<const std::uint8_t>> given;
      if (context) given = *context;
      return oracle::tls12_exporter(hash, *master_secret, client_hello->random,
                                    server_hello->random, label, given, length);
    });
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(ExporterKatTest);

TEST_P(ExporterKatTest, Tls13MatchesRfc8446Section7_5) { tls13_known_answers(std::nullopt); }

TEST_P(ExporterKatTest, Tls13Sha384SuiteMatchesRfc8446Section7_5) {
  tls13_known_answers(CipherSuite::tls_aes_256_gcm_sha384);
}

TEST_P(ExporterKatTest, Tls12MatchesRfc5705) { tls12_known_answers(std::nullopt); }

TEST_P(ExporterKatTest, Tls12Sha384SuiteMatchesRfc5705) {
  tls12_known_answers(CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
}

}  // namespace
}  // namespace sanstls::test
