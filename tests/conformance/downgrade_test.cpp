// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: hostile peers built by hand. Old versions, CBC and static-RSA suites, SHA-1
// signatures and a missing extended master secret are refused by every engine with
// forbidden_by_policy and a message naming what the peer offered; oversized or garbage input is
// bad_tls_data, never a crash. Wire bytes are written with wire::Writer only.

#include "conformance/conformance.hpp"
#include "wire/writer.hpp"

#include <array>
#include <random>

namespace sanstls::test {
namespace {

constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kAlert = 21;

/// What a hand-made ClientHello holds. The defaults make a valid TLS 1.2 ClientHello that every
/// sanstls server accepts; each test breaks one thing.
struct HelloSpec {
  std::uint16_t legacy_version = 0x0303;
  std::vector<std::uint16_t> cipher_suites = {0xc02b, 0xc02f};
  /// The supported_versions extension; absent when empty.
  std::vector<std::uint16_t> supported_versions;
  std::vector<std::uint16_t> signature_algorithms = {0x0403, 0x0804, 0x0401};
  std::vector<std::uint16_t> supported_groups = {0x001d, 0x0017};
  bool extended_master_secret = true;
  std::string server_name = "localhost";
  /// A key_share extension with one share of this many key bytes (absent when nullopt).
  std::optional<std::size_t> x25519_share;
  /// The group of that share (X25519 unless set).
  std::uint16_t share_group = 0x001d;
};

std::vector<std::byte> to_std_bytes(const std::vector<std::uint8_t>& bytes) {
  std::vector<std::byte> out(bytes.size());
  std::transform(bytes.begin(), bytes.end(), out.begin(),
                 [](std::uint8_t b) { return static_cast<std::byte>(b); });
  return out;
}

std::vector<std::byte> finish(wire::Writer&& writer) {
  auto bytes = std::move(writer).finish();
  EXPECT_TRUE(bytes) << bytes.error().to_string();
  return bytes ? to_std_bytes(*bytes) : std::vector<std::byte>{};
}

std::array<std::uint8_t, 32> pattern32(std::uint8_t seed) {
  std::array<std::uint8_t, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(seed + i * 7U);
  }
  return bytes;
}

/// One plaintext handshake record holding a ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2).
std::vector<std::byte> client_hello_record(const HelloSpec& spec) {
  wire::Writer w;
  w.u8(kHandshake, "ContentType");
  w.u16(0x0301, "legacy_record_version");
  {
    auto record = w.prefix16("TLSPlaintext.fragment");
    w.u8(1, "HandshakeType");
    auto body = w.prefix24("ClientHello");
    w.u16(spec.legacy_version, "legacy_version");
    w.bytes(pattern32(1), "random");
    w.vec8(pattern32(2), "legacy_session_id");
    {
      auto suites = w.prefix16("cipher_suites");
      for (std::uint16_t suite : spec.cipher_suites) {
        w.u16(suite, "CipherSuite");
      }
    }
    const std::array<std::uint8_t, 1> null_compression{0};
    w.vec8(null_compression, "legacy_compression_methods");
    auto extensions = w.prefix16("extensions");
    if (!spec.server_name.empty()) {
      w.u16(0, "server_name");
      auto ext = w.prefix16("extension_data");
      auto list = w.prefix16("ServerNameList");
      w.u8(0, "NameType host_name");
      w.vec16(
          {reinterpret_cast<const std::uint8_t*>(spec.server_name.data()), spec.server_name.size()},
          "HostName");
    }
    {
      w.u16(10, "supported_groups");
      auto ext = w.prefix16("extension_data");
      auto list = w.prefix16("NamedGroupList");
      for (std::uint16_t group : spec.supported_groups) {
        w.u16(group, "NamedGroup");
      }
    }
    {
      w.u16(11, "ec_point_formats");
      auto ext = w.prefix16("extension_data");
      w.vec8(null_compression, "ECPointFormatList (uncompressed)");
    }
    {
      w.u16(13, "signature_algorithms");
      auto ext = w.prefix16("extension_data");
      auto list = w.prefix16("SignatureSchemeList");
      for (std::uint16_t scheme : spec.signature_algorithms) {
        w.u16(scheme, "SignatureScheme");
      }
    }
    if (spec.extended_master_secret) {
      w.u16(23, "extended_master_secret");
      w.u16(0, "extension_data length");
    }
    {
      w.u16(0xff01, "renegotiation_info");
      auto ext = w.prefix16("extension_data");
      w.u8(0, "renegotiated_connection (empty)");
    }
    if (spec.x25519_share) {
      w.u16(51, "key_share");
      auto ext = w.prefix16("extension_data");
      auto list = w.prefix16("client_shares");
      w.u16(spec.share_group, "KeyShareEntry.group");
      auto key = w.prefix16("key_exchange");
      for (std::size_t i = 0; i < *spec.x25519_share; ++i) {
        w.u8(static_cast<std::uint8_t>(9 + i), "key byte");  // any 32 bytes are an X25519 key
      }
    }
    if (!spec.supported_versions.empty()) {
      w.u16(43, "supported_versions");
      auto ext = w.prefix16("extension_data");
      auto list = w.prefix8("versions");
      for (std::uint16_t version : spec.supported_versions) {
        w.u16(version, "ProtocolVersion");
      }
    }
  }
  return finish(std::move(w));
}

/// The legacy_session_id of a ClientHello record (record header 5, handshake header 4,
/// legacy_version 2, random 32, then the vector).
std::vector<std::uint8_t> session_id_of(const std::vector<std::byte>& hello) {
  constexpr std::size_t at = 5 + 4 + 2 + 32;
  if (hello.size() <= at) {
    return {};
  }
  const auto length = std::to_integer<std::size_t>(hello[at]);
  std::vector<std::uint8_t> id;
  for (std::size_t i = 0; i < length && at + 1 + i < hello.size(); ++i) {
    id.push_back(std::to_integer<std::uint8_t>(hello[at + 1 + i]));
  }
  return id;
}

/// One plaintext handshake record holding a ServerHello with only legacy_version (no
/// supported_versions), as a TLS 1.0-1.2 server sends it.
std::vector<std::byte> legacy_server_hello_record(std::uint16_t version,
                                                  const std::vector<std::uint8_t>& session_id,
                                                  std::uint16_t suite) {
  wire::Writer w;
  w.u8(kHandshake, "ContentType");
  w.u16(version, "legacy_record_version");
  {
    auto record = w.prefix16("TLSPlaintext.fragment");
    w.u8(2, "HandshakeType");
    auto body = w.prefix24("ServerHello");
    w.u16(version, "legacy_version");
    w.bytes(pattern32(3), "random");  // not a downgrade sentinel
    w.vec8(session_id, "legacy_session_id_echo");
    w.u16(suite, "cipher_suite");
    w.u8(0, "legacy_compression_method");
    auto extensions = w.prefix16("extensions");
    w.u16(0xff01, "renegotiation_info");
    auto ext = w.prefix16("extension_data");
    w.u8(0, "renegotiated_connection (empty)");
  }
  return finish(std::move(w));
}

class DowngradeTest : public Conformance {
 protected:
  /// A server session fed `bytes` as if from a client; returns its error.
  std::optional<Error> server_receives(const std::vector<std::byte>& bytes, std::size_t chunk = 0) {
    auto started = default_server().start(server_.callbacks());
    EXPECT_TRUE(started);
    if (!started) {
      return started.error();
    }
    server_.session.emplace(std::move(*started));
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      const std::size_t n = chunk == 0 ? bytes.size() : std::min(chunk, bytes.size() - offset);
      auto received =
          server_.session->receive_data(std::span{bytes}.subspan(offset, n), server_.received);
      offset += n;
      if (!received) {
        server_.error = received.error();
        return received.error();
      }
    }
    return std::nullopt;
  }

  /// The endpoint's output is exactly one fatal alert record with `alert`.
  static void expect_alert_record(const Endpoint& endpoint, Alert alert) {
    ASSERT_EQ(endpoint.outbox.size(), 7U) << "expected a single plaintext alert record";
    EXPECT_EQ(std::to_integer<int>(endpoint.outbox[0]), kAlert);
    EXPECT_EQ(std::to_integer<int>(endpoint.outbox[3]), 0);
    EXPECT_EQ(std::to_integer<int>(endpoint.outbox[4]), 2);
    EXPECT_EQ(std::to_integer<int>(endpoint.outbox[5]), 2) << "fatal";
    EXPECT_EQ(static_cast<Alert>(std::to_integer<std::uint8_t>(endpoint.outbox[6])), alert)
        << alert_name(static_cast<Alert>(std::to_integer<std::uint8_t>(endpoint.outbox[6])));
  }

  /// Our client refuses a legacy ServerHello choosing `version` (named `name`, e.g. "TLS 1.1")
  /// with `suite`: a protocol_version alert, and the session invalidated.
  void expect_client_refuses_server_version(std::uint16_t version, std::uint16_t suite,
                                            std::string_view name) {
    Endpoint client_end;
    auto started = default_client().start(client_end.callbacks());
    ASSERT_TRUE(started) << started.error().to_string();
    client_end.session.emplace(std::move(*started));
    const std::vector<std::byte> hello = std::exchange(client_end.outbox, {});
    auto received = client_end.session->receive_data(
        legacy_server_hello_record(version, session_id_of(hello), suite));
    ASSERT_FALSE(received) << "the client accepted " << name;
    const Error& error = received.error();
    EXPECT_EQ(error.code, Errc::forbidden_by_policy) << error.to_string();
    EXPECT_EQ(error.alert_sent, Alert::protocol_version) << error.to_string();
    EXPECT_EQ(error.message,
              "the server chose " + std::string{name} + "; sanstls requires TLS 1.2 or newer");
    EXPECT_EQ(client_end.session->state(), SessionState::invalidated);
    expect_alert_record(client_end, Alert::protocol_version);
  }

  void expect_refusal(const std::optional<Error>& error, Errc code, Alert alert,
                      std::string_view fragment) {
    ASSERT_TRUE(error) << "the server accepted the hello";
    EXPECT_EQ(error->code, code) << error->to_string();
    EXPECT_EQ(error->alert_sent, alert) << error->to_string();
    EXPECT_NE(error->message.find(fragment), std::string::npos) << error->to_string();
    EXPECT_EQ(server_.session->state(), SessionState::invalidated);
    EXPECT_EQ(server_.closes, std::vector<CloseMode>{CloseMode::after_flush});
    expect_alert_record(server_, alert);
  }

  /// For the cases that need the server to speak TLS 1.2: true when it does; otherwise checks
  /// that the hand-made TLS 1.2 hello is refused naming the engine's limit (reported by
  /// capability, never skipped silently) and returns false.
  bool server_speaks_tls12_or_reported(const HelloSpec& spec) {
    if (speaks_tls12(GetParam().server)) return true;
    const auto error = server_receives(client_hello_record(spec));
    expect_tls13_only_refusal(error);
    expect_alert_record(server_, Alert::protocol_version);
    return false;
  }

  Endpoint server_;
};
SANSTLS_INSTANTIATE_CONFORMANCE(DowngradeTest);

TEST_P(DowngradeTest, ValidHandMadeTls12HelloIsAccepted) {
  // The baseline every other test breaks one thing of.
  if (!server_speaks_tls12_or_reported(HelloSpec{})) return;
  const auto error = server_receives(client_hello_record(HelloSpec{}));
  EXPECT_FALSE(error) << error->to_string();
  EXPECT_EQ(server_.session->state(), SessionState::handshaking);
  ASSERT_GE(server_.outbox.size(), 6U);
  EXPECT_EQ(std::to_integer<int>(server_.outbox[0]), kHandshake) << "a ServerHello";
  EXPECT_EQ(std::to_integer<int>(server_.outbox[5]), 2) << "a ServerHello";
}

TEST_P(DowngradeTest, ClientOfferingOnlyTls10AndTls11) {
  HelloSpec spec;
  spec.legacy_version = 0x0302;
  spec.cipher_suites = {0xc013, 0x002f};
  const auto error = server_receives(client_hello_record(spec));
  expect_refusal(error, Errc::forbidden_by_policy, Alert::protocol_version,
                 "peer offered only TLS 1.0 and TLS 1.1");
  EXPECT_EQ(error->message,
            "the peer offered only TLS 1.0 and TLS 1.1; sanstls requires TLS 1.2 or newer");
}

TEST_P(DowngradeTest, ClientOfferingOnlyOldVersionsInSupportedVersions) {
  HelloSpec spec;
  spec.supported_versions = {0x0302, 0x0301};
  const auto error = server_receives(client_hello_record(spec));
  expect_refusal(error, Errc::forbidden_by_policy, Alert::protocol_version,
                 "sanstls requires TLS 1.2 or newer");
  EXPECT_EQ(error->message,
            "the peer offered only TLS 1.1 and TLS 1.0; sanstls requires TLS 1.2 or newer");
}

TEST_P(DowngradeTest, ClientOfferingOnlySsl3) {
  HelloSpec spec;
  spec.legacy_version = 0x0300;
  spec.cipher_suites = {0x002f};
  const auto error = server_receives(client_hello_record(spec));
  expect_refusal(error, Errc::forbidden_by_policy, Alert::protocol_version,
                 "sanstls requires TLS 1.2 or newer");
  EXPECT_EQ(error->message, "the peer offered only SSL 3.0; sanstls requires TLS 1.2 or newer");
}

TEST_P(DowngradeTest, Tls13HelloWithLegacyVersionBelowTls12IsRefused) {
  // RFC 8446 §4.1.2: "the legacy_version field MUST be set to 0x0303"; §D.5: "Any endpoint
  // receiving a Hello message with ClientHello.legacy_version or ServerHello.legacy_version set
  // to 0x0300 MUST abort the handshake with a "protocol_version" alert." A hello that is a valid
  // TLS 1.3 hello but for its legacy_version; refused by the core (hello_inspection) before any
  // engine answers (OpenSSL alone would accept 0x0301 and 0x0302), in one byte per call too.
  const std::vector<std::pair<std::uint16_t, std::string>> cases = {
      {0x0300, "SSL 3.0"},
      {0x0000, "0x0000"},
      {0x0301, "TLS 1.0"},
      {0x0302, "TLS 1.0 and TLS 1.1"}};
  for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}}) {
    for (const auto& [legacy, announced] : cases) {
      SCOPED_TRACE(::testing::Message() << "legacy_version " << legacy << ", chunk " << chunk);
      server_ = Endpoint{};
      HelloSpec spec;
      spec.legacy_version = legacy;
      spec.cipher_suites = {0x1301, 0x1302, 0x1303};
      spec.supported_versions = {0x0304};
      spec.x25519_share = 32;
      const auto error = server_receives(client_hello_record(spec), chunk);
      expect_refusal(error, Errc::forbidden_by_policy, Alert::protocol_version,
                     "sanstls requires TLS 1.2 or newer");
      EXPECT_EQ(error->message,
                "the peer offered only " + announced + "; sanstls requires TLS 1.2 or newer");
    }
  }
}

TEST_P(DowngradeTest, Tls13HelloWithLegacyVersionTls12IsAnswered) {
  // The same hello with legacy_version 0x0303 is a valid TLS 1.3 hello: answered with a
  // ServerHello (the check above refuses only the legacy_version).
  HelloSpec spec;
  spec.cipher_suites = {0x1301, 0x1302, 0x1303};
  spec.supported_versions = {0x0304};
  spec.x25519_share = 32;
  const auto error = server_receives(client_hello_record(spec));
  EXPECT_FALSE(error) << error->to_string();
  ASSERT_GE(server_.outbox.size(), 6U);
  EXPECT_EQ(std::to_integer<int>(server_.outbox[0]), kHandshake) << "a ServerHello";
  EXPECT_EQ(std::to_integer<int>(server_.outbox[5]), 2) << "a ServerHello";
}

TEST_P(DowngradeTest, KeyShareOfTheWrongLengthIsIllegalParameter) {
  // RFC 8446 §4.2.8.1 (X25519: 32 bytes), §4.2.8.2 (P-256: a 65-byte uncompressed point): a
  // share that cannot be a key of its group, an empty one included, is a malformed public key:
  // illegal_parameter ("Peers MUST validate each other's public key"), on every engine.
  const std::vector<std::pair<std::uint16_t, std::size_t>> cases = {
      {0x001d, 0}, {0x001d, 31}, {0x001d, 33}, {0x0017, 0}, {0x0017, 64}};
  for (const auto& [group, length] : cases) {
    SCOPED_TRACE(::testing::Message() << "group " << group << ", " << length << " bytes");
    server_ = Endpoint{};
    HelloSpec spec;
    spec.cipher_suites = {0x1301, 0x1302, 0x1303};
    spec.supported_versions = {0x0304};
    spec.x25519_share = length;
    spec.share_group = group;
    if (length != 0) {
      // A server may ignore a share it would not choose (and ask for another by
      // HelloRetryRequest): the share's group is the only choice. An empty share is refused
      // whatever the choice.
      spec.supported_groups = {group};
    }
    const auto error = server_receives(client_hello_record(spec));
    ASSERT_TRUE(error) << "the server accepted the share";
    EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
    EXPECT_EQ(error->alert_sent, Alert::illegal_parameter) << error->to_string();
    expect_alert_record(server_, Alert::illegal_parameter);
  }
}

/// `records` change_cipher_spec records, each holding `body`.
std::vector<std::byte> change_cipher_spec_records(std::size_t records,
                                                  const std::vector<std::uint8_t>& body) {
  wire::Writer w;
  for (std::size_t i = 0; i < records; ++i) {
    w.u8(20, "ContentType change_cipher_spec");
    w.u16(0x0303, "legacy_record_version");
    w.vec16(body, "fragment");
  }
  return finish(std::move(w));
}

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_P(DowngradeTest, ChangeCipherSpecAfterTheClientHello) {
  // RFC 8446 §5: "An implementation may receive an unencrypted record of type
  // change_cipher_spec consisting of the single byte value 0x01 at any time after the first
  // ClientHello message has been sent or received and before the peer's Finished message has
  // been received and MUST simply drop it without further processing. ... An implementation
  // which receives any other change_cipher_spec value ... MUST abort the handshake with an
  // "unexpected_message" alert." So a single-byte record is dropped, and a record "01 01" (two
  // CCS messages in one record) or "02" is refused. A second single-byte record: the native
  // engine refuses it with unexpected_message (a §D.4 peer sends one; TLS conformance suites
  // expect the refusal, multiple CCS being a flooding vector, CVE-2020-25648); libssl 3.0 and
  // GnuTLS 3.7 drop it and bound the count themselves (docs/backends.md).
  HelloSpec spec;
  spec.cipher_suites = {0x1301, 0x1302, 0x1303};
  spec.supported_versions = {0x0304};
  spec.x25519_share = 32;
  const auto hello = client_hello_record(spec);
  struct Case {
    const char* name;
    std::vector<std::byte> after_hello;
    bool refused;
  };
  const std::vector<Case> cases = {
      {"one CCS", change_cipher_spec_records(1, {0x01}), false},
      {"two CCS records", change_cipher_spec_records(2, {0x01}),
       GetParam().server == Backend::native},
      {"one record 01 01", change_cipher_spec_records(1, {0x01, 0x01}), true},
      {"one record 02", change_cipher_spec_records(1, {0x02}), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    server_ = Endpoint{};
    const auto error = server_receives(concat(hello, c.after_hello));
    if (!c.refused) {
      EXPECT_FALSE(error) << error->to_string();
      EXPECT_EQ(server_.session->state(), SessionState::handshaking);
      continue;
    }
    ASSERT_TRUE(error) << "accepted";
    EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
    // libssl 3.0 (ssl3_get_record) answers a TLS 1.3 change_cipher_spec of another value with
    // its own illegal_parameter alert (SSL_R_INVALID_CCS_MESSAGE); the adapter cannot change an
    // alert libssl writes. The GnuTLS and native engines send the unexpected_message RFC 8446 §5
    // names (docs/backends.md).
    const Alert expected = GetParam().server == Backend::openssl ? Alert::illegal_parameter
                                                                 : Alert::unexpected_message;
    EXPECT_EQ(error->alert_sent, expected) << error->to_string();
  }
}

TEST_P(DowngradeTest, Tls12ClientOfferingOnlyCbcSuites) {
  HelloSpec spec;
  spec.cipher_suites = {0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035};
  if (!server_speaks_tls12_or_reported(spec)) return;
  expect_refusal(server_receives(client_hello_record(spec)), Errc::forbidden_by_policy,
                 Alert::handshake_failure,
                 "no cipher suite in common: the peer offered none of the AEAD suites sanstls "
                 "allows");
}

TEST_P(DowngradeTest, Tls12ClientOfferingOnlyRsaKeyExchange) {
  HelloSpec spec;
  spec.cipher_suites = {0x009c, 0x009d, 0x003c};
  if (!server_speaks_tls12_or_reported(spec)) return;
  expect_refusal(server_receives(client_hello_record(spec)), Errc::forbidden_by_policy,
                 Alert::handshake_failure, "no cipher suite in common");
}

TEST_P(DowngradeTest, Tls12ClientOfferingOnlySha1Signatures) {
  HelloSpec spec;
  spec.signature_algorithms = {0x0201, 0x0203};
  if (!server_speaks_tls12_or_reported(spec)) return;
  expect_refusal(server_receives(client_hello_record(spec)), Errc::forbidden_by_policy,
                 Alert::handshake_failure, "no signature algorithm in common");
}

TEST_P(DowngradeTest, Tls12ClientWithoutExtendedMasterSecret) {
  HelloSpec spec;
  spec.extended_master_secret = false;
  if (!server_speaks_tls12_or_reported(spec)) return;
  expect_refusal(server_receives(client_hello_record(spec)), Errc::forbidden_by_policy,
                 Alert::handshake_failure,
                 "the client does not support the extended master secret (RFC 7627), which "
                 "sanstls requires for TLS 1.2");
}

TEST_P(DowngradeTest, OversizedRecordIsBadData) {
  // A record header announcing 65535 bytes (more than 2^14 + 2048, RFC 8446 §5.1).
  wire::Writer w;
  w.u8(kHandshake, "ContentType");
  w.u16(0x0301, "legacy_record_version");
  w.u16(0xffff, "length");
  w.zeros(0xffff, "fragment");
  const auto error = server_receives(finish(std::move(w)));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(error->alert_sent, Alert::record_overflow) << error->to_string();
  EXPECT_EQ(server_.session->state(), SessionState::invalidated);
}

TEST_P(DowngradeTest, OneMebibyteClientHelloIsBadData) {
  // A ClientHello announcing a 1 MiB body, sent in full-size records.
  constexpr std::size_t body_size = std::size_t{1} << 20U;
  std::vector<std::uint8_t> message;
  {
    wire::Writer w;
    w.u8(1, "HandshakeType");
    w.u24(static_cast<std::uint32_t>(body_size), "length");
    w.u16(0x0303, "legacy_version");
    w.zeros(body_size - 2, "body");
    auto bytes = std::move(w).finish();
    ASSERT_TRUE(bytes);
    message = std::move(*bytes);
  }
  wire::Writer records(message.size() * 2);
  for (std::size_t offset = 0; offset < message.size(); offset += 16384) {
    const std::size_t n = std::min<std::size_t>(16384, message.size() - offset);
    records.u8(kHandshake, "ContentType");
    records.u16(0x0301, "legacy_record_version");
    records.vec16(std::span{message}.subspan(offset, n), "fragment");
  }
  const auto error = server_receives(finish(std::move(records)), 65536);
  ASSERT_TRUE(error) << "a 1 MiB ClientHello was buffered without complaint";
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(server_.session->state(), SessionState::invalidated);
}

TEST_P(DowngradeTest, GarbageIsBadData) {
  std::mt19937 random(7);
  std::vector<std::byte> garbage(std::size_t{1} << 20U);
  for (auto& b : garbage) {
    b = static_cast<std::byte>(random() & 0xffU);
  }
  garbage[0] = std::byte{0x47};  // never a valid content type
  const auto error = server_receives(garbage, 4096);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
  EXPECT_EQ(server_.session->state(), SessionState::invalidated);
}

TEST_P(DowngradeTest, PlainHttpIsBadData) {
  const auto error = server_receives(to_bytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, Errc::bad_tls_data) << error->to_string();
}

TEST_P(DowngradeTest, ServerChoosingTls11) {
  expect_client_refuses_server_version(0x0302, 0xc013, "TLS 1.1");
}

TEST_P(DowngradeTest, ServerChoosingTls10) {
  expect_client_refuses_server_version(0x0301, 0x002f, "TLS 1.0");
}

}  // namespace
}  // namespace sanstls::test
