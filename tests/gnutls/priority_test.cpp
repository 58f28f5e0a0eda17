// SPDX-License-Identifier: Apache-2.0 OR MIT
// The GnuTLS priority string and the ClientHello/ServerHello reader.

#include "backends/gnutls/priority.hpp"

#include <sanstls/backends.hpp>
#include <sanstls/hazmat/hazmat.hpp>

#include "backends/gnutls/hello.hpp"
#include "wire/writer.hpp"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sanstls::gnutls_backend {
namespace {

core::CommonConfig default_config() {
  core::CommonConfig config;
  config.backend = Backend::gnutls;
  config.cipher_suites.assign(all_cipher_suites().begin(), all_cipher_suites().end());
  // What the core hands this engine: every group of its capabilities (no X25519MLKEM768).
  config.groups = backend_capabilities(Backend::gnutls).groups;
  return config;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(GnutlsPriority, StartsFromNoneAndNamesOnlyAllowedAlgorithms) {
  for (const bool server : {false, true}) {
    auto plan = make_priority(default_config(), server);
    ASSERT_TRUE(plan) << plan.error().to_string();
    const std::string& text = plan->text;
    EXPECT_EQ(text.rfind("NONE:", 0), 0U) << text;
    EXPECT_FALSE(contains(text, "SYSTEM")) << text;
    EXPECT_FALSE(contains(text, "NORMAL")) << text;
    EXPECT_FALSE(contains(text, "SECURE")) << text;
    EXPECT_FALSE(contains(text, "CBC")) << text;
    EXPECT_FALSE(contains(text, "+RSA:")) << text;  // RSA key transport
    EXPECT_FALSE(contains(text, ":+DHE-RSA")) << text;
    EXPECT_FALSE(contains(text, "+DHE")) << text;
    EXPECT_FALSE(contains(text, "SHA1")) << text;
    EXPECT_FALSE(contains(text, "VERS-TLS1.1")) << text;
    EXPECT_FALSE(contains(text, "VERS-TLS1.0")) << text;
    EXPECT_FALSE(contains(text, "GROUP-FFDHE")) << text;
    EXPECT_TRUE(contains(text, "+VERS-TLS1.3:+VERS-TLS1.2")) << text;
    EXPECT_TRUE(contains(text, "+AEAD")) << text;
    EXPECT_TRUE(contains(text, "+ECDHE-ECDSA")) << text;
    EXPECT_TRUE(contains(text, "+ECDHE-RSA")) << text;
    // RFC 5746: a client requires secure renegotiation indication from TLS 1.2 servers; a server
    // accepts clients without it (it never renegotiates). Issue 13.
    EXPECT_EQ(contains(text, ":%SAFE_RENEGOTIATION"), !server) << text;
    EXPECT_EQ(contains(text, ":%PARTIAL_RENEGOTIATION"), server) << text;
    EXPECT_FALSE(contains(text, "UNSAFE_RENEGOTIATION")) << text;
    EXPECT_FALSE(contains(text, "DISABLE_SAFE_RENEGOTIATION")) << text;
    EXPECT_EQ(contains(text, "%SERVER_PRECEDENCE"), server) << text;
    EXPECT_TRUE(plan->tls12);
    EXPECT_TRUE(plan->tls13);
    // GnuTLS accepts the string as it is.
    gnutls_priority_t cache = nullptr;
    const char* err_pos = nullptr;
    EXPECT_EQ(gnutls_priority_init2(&cache, text.c_str(), &err_pos, 0), 0)
        << (err_pos != nullptr ? err_pos : "");
    gnutls_priority_deinit(cache);
  }
}

TEST(GnutlsPriority, ServerSessionStringsAcceptClientsWithoutRenegotiationInfo) {
  // The per-session strings a server switches to after the ClientHello keep the same rule.
  auto plan = make_priority(default_config(), /*server=*/true);
  ASSERT_TRUE(plan) << plan.error().to_string();
  for (const bool tls13 : {true, false}) {
    const std::string text = server_session_priority(
        *plan, tls13,
        tls13 ? std::nullopt
              : std::optional<CipherSuite>{CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    EXPECT_TRUE(contains(text, ":%PARTIAL_RENEGOTIATION")) << text;
    EXPECT_FALSE(contains(text, "%SAFE_RENEGOTIATION")) << text;
  }
}

TEST(GnutlsPriority, GroupsFollowTheConfiguredOrder) {
  auto config = default_config();
  config.groups = {NamedGroup::secp384r1, NamedGroup::x25519};
  auto plan = make_priority(config, false);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(contains(plan->text, "+GROUP-SECP384R1:+GROUP-X25519:")) << plan->text;
  EXPECT_FALSE(contains(plan->text, "SECP256R1:")) << plan->text;
}

TEST(GnutlsPriority, Tls13OnlyHasNoTls12Parts) {
  auto config = default_config();
  config.min_version = ProtocolVersion::tls13;
  auto plan = make_priority(config, false);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(contains(plan->text, "VERS-TLS1.2")) << plan->text;
  EXPECT_FALSE(contains(plan->text, "ECDHE-")) << plan->text;
  EXPECT_FALSE(plan->tls12);
}

TEST(GnutlsPriority, HazmatCapAtTls12DropsTls13) {
  auto config = default_config();
  auto settings = std::make_shared<hazmat::Settings>();
  settings->max_version = ProtocolVersion::tls12;
  config.hazmat = settings;
  auto plan = make_priority(config, false);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(contains(plan->text, "VERS-TLS1.3")) << plan->text;
  config.min_version = ProtocolVersion::tls13;
  auto contradiction = make_priority(config, false);
  ASSERT_FALSE(contradiction);
  // The core refuses this configuration (bad_configuration, see the conformance HazmatTest)
  // before an engine sees it; reaching the engine would be a bug.
  EXPECT_EQ(contradiction.error().code, Errc::internal_error);
}

TEST(GnutlsPriority, ClientRefusesSuiteSetsGnutlsWouldWiden) {
  auto config = default_config();
  config.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256,
                          CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384};
  auto plan = make_priority(config, /*server=*/false);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, Errc::unsupported);
  EXPECT_TRUE(contains(plan.error().message, "TLS_AES_256_GCM_SHA384")) << plan.error().message;
  // A server narrows per session, so it accepts any subset.
  EXPECT_TRUE(make_priority(config, /*server=*/true));
}

TEST(GnutlsPriority, ServerNarrowsEachSessionToExactlyOneTls12Suite) {
  auto config = default_config();
  config.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256,
                          CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
                          CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384};
  auto plan = make_priority(config, true);
  ASSERT_TRUE(plan);
  const std::vector<std::uint16_t> offered{0xc02b, 0xc02c, 0xc030, 0xcca8};
  EXPECT_EQ(choose_tls12_suite(*plan, offered, KeyType::ecdsa_p256),
            CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
  EXPECT_EQ(choose_tls12_suite(*plan, offered, KeyType::rsa),
            CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256);
  EXPECT_EQ(choose_tls12_suite(*plan, {0xc02b}, KeyType::ecdsa_p256), std::nullopt);
  const std::string text =
      server_session_priority(*plan, false, CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
  EXPECT_TRUE(contains(text, "+AES-256-GCM:+AEAD:+ECDHE-ECDSA:")) << text;
  EXPECT_FALSE(contains(text, "AES-128-GCM")) << text;
  EXPECT_FALSE(contains(text, "ECDHE-RSA")) << text;
  const std::string tls13 = server_session_priority(*plan, true, std::nullopt);
  EXPECT_TRUE(contains(tls13, "+VERS-TLS1.3:+AES-128-GCM:+AEAD:")) << tls13;
  EXPECT_FALSE(contains(tls13, "VERS-TLS1.2")) << tls13;
}

// --- the hello reader --------------------------------------------------------------------

std::vector<std::uint8_t> client_hello_message(std::uint16_t legacy_version,
                                               const std::vector<std::uint8_t>& extensions) {
  wire::Writer writer;
  writer.u8(1, "HandshakeType");  // client_hello
  {
    auto body = writer.prefix24("ClientHello");
    writer.u16(legacy_version, "legacy_version");
    writer.bytes(std::vector<std::uint8_t>(32, 0x11), "random");
    writer.vec8({}, "legacy_session_id");
    writer.vec16(std::vector<std::uint8_t>{0x00, 0x2f, 0x0a, 0x0a}, "cipher_suites");  // + GREASE
    writer.vec8(std::vector<std::uint8_t>{0}, "legacy_compression_methods");
    if (!extensions.empty()) {
      writer.vec16(extensions, "extensions");
    }
  }
  auto message = std::move(writer).finish();
  return message ? *message : std::vector<std::uint8_t>{};
}

std::vector<std::byte> records(const std::vector<std::uint8_t>& message, std::size_t fragment) {
  std::vector<std::byte> out;
  for (std::size_t offset = 0; offset < message.size(); offset += fragment) {
    const std::size_t n = std::min(fragment, message.size() - offset);
    for (const std::uint8_t b :
         {std::uint8_t{22}, std::uint8_t{3}, std::uint8_t{1}, static_cast<std::uint8_t>(n >> 8),
          static_cast<std::uint8_t>(n & 0xff)}) {
      out.push_back(std::byte{b});
    }
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::byte{message[offset + i]});
  }
  return out;
}

TEST(GnutlsHello, ReadsVersionsSniAndEmsAcrossFragmentedRecords) {
  const std::vector<std::uint8_t> extensions{
      0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
      'L',  'o',  'c',  'a',  'l',  'h',  'o',  's',  't',    // server_name "Localhost"
      0x00, 0x17, 0x00, 0x00,                                 // extended_master_secret
      0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};  // supported_versions 1.3, 1.2
  const auto bytes = records(client_hello_message(0x0303, extensions), 7);
  HelloSniffer sniffer(/*client_hello=*/true);
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    ASSERT_EQ(sniffer.feed(std::span(bytes).subspan(i, 1)), HelloSniffer::Status::need_more) << i;
  }
  ASSERT_EQ(sniffer.feed(std::span(bytes).last(1)), HelloSniffer::Status::complete);
  const HelloSummary& hello = *sniffer.summary();
  EXPECT_EQ(hello.server_name, "localhost");
  EXPECT_EQ(hello.versions, (std::vector<std::uint16_t>{0x0304, 0x0303}));
  EXPECT_EQ(hello.cipher_suites, (std::vector<std::uint16_t>{0x002f}));
  EXPECT_TRUE(hello.extended_master_secret);
}

TEST(GnutlsHello, LegacyVersionListsEveryOlderVersion) {
  auto hello = parse_client_hello(client_hello_message(0x0302, {}));
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->versions, (std::vector<std::uint16_t>{0x0301, 0x0302}));
  EXPECT_FALSE(hello->extended_master_secret);
  EXPECT_TRUE(hello->server_name.empty());
}

TEST(GnutlsHello, MalformedOrForeignInputIsNotAHello) {
  auto message = client_hello_message(0x0303, {});
  message.pop_back();  // truncated body, but the header still claims the full length
  auto bytes = records(message, 1000);
  bytes[8] = std::byte{static_cast<std::uint8_t>(static_cast<std::uint8_t>(bytes[8]) - 1)};
  HelloSniffer truncated(true);
  EXPECT_EQ(truncated.feed(bytes), HelloSniffer::Status::not_a_hello);

  HelloSniffer alert(true);
  const std::vector<std::byte> alert_record{std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                                            std::byte{2},  std::byte{2}, std::byte{40}};
  EXPECT_EQ(alert.feed(alert_record), HelloSniffer::Status::not_a_hello);

  HelloSniffer server_side(/*client_hello=*/false);  // a ClientHello is not a ServerHello
  EXPECT_EQ(server_side.feed(records(client_hello_message(0x0303, {}), 1000)),
            HelloSniffer::Status::not_a_hello);
}

TEST(GnutlsHello, PlaintextAlertWatchFollowsRecordBoundaries) {
  PlaintextAlertWatch watch;
  // An encrypted-looking record whose body contains alert-like bytes, then a real alert split
  // across two feeds.
  const std::vector<std::byte> app{std::byte{23}, std::byte{3},  std::byte{3}, std::byte{0},
                                   std::byte{7},  std::byte{21}, std::byte{3}, std::byte{3},
                                   std::byte{0},  std::byte{2},  std::byte{2}, std::byte{42}};
  watch.feed(app);
  EXPECT_FALSE(watch.alert());
  const std::vector<std::byte> alert{std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                                     std::byte{2},  std::byte{2}, std::byte{48}};
  watch.feed(std::span(alert).first(6));
  EXPECT_FALSE(watch.alert());
  watch.feed(std::span(alert).last(1));
  EXPECT_EQ(watch.alert(), std::uint8_t{48});
}

TEST(GnutlsHello, PlaintextAlertWatchGivesTheSameAnswerWhateverTheChunking) {
  // A handshake record and an application_data record whose bodies hold alert-like bytes, then
  // a handshake_failure alert: the watch steps over whole bodies, so every split must agree.
  auto record = [](std::uint8_t type, std::size_t length, std::byte fill) {
    std::vector<std::byte> out{std::byte{type}, std::byte{3}, std::byte{3}, std::byte(length >> 8),
                               std::byte(length & 0xff)};
    out.insert(out.end(), length, fill);
    return out;
  };
  std::vector<std::byte> stream = record(22, 300, std::byte{21});
  const auto app = record(23, 1000, std::byte{2});
  stream.insert(stream.end(), app.begin(), app.end());
  const std::size_t before_alert = stream.size();
  stream.insert(stream.end(), {std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                               std::byte{2}, std::byte{2}, std::byte{40}});
  for (const std::size_t chunk :
       {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}, std::size_t{5000}}) {
    PlaintextAlertWatch watch;
    PlaintextAlertWatch without_alert;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const auto piece = std::span(stream).subspan(at, std::min(chunk, stream.size() - at));
      watch.feed(piece);
      if (at < before_alert) {
        without_alert.feed(piece.first(std::min(piece.size(), before_alert - at)));
      }
    }
    EXPECT_EQ(watch.alert(), std::uint8_t{40}) << "chunk " << chunk;
    EXPECT_FALSE(without_alert.alert()) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace sanstls::gnutls_backend
