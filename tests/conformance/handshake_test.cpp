// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: handshakes, negotiated parameters, data transfer, close and misuse.

#include "conformance/conformance.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>
#include <utility>

namespace sanstls::test {
namespace {

using HandshakeTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(HandshakeTest);

bool engine_has(Backend backend, NamedGroup group) {
  const auto groups = backend_capabilities(backend).groups;
  return std::ranges::find(groups, group) != groups.end();
}

/// The default group: X25519MLKEM768 when both engines have it (only the native engine does),
/// otherwise x25519.
NamedGroup default_group(const EnginePair& engines) {
  return engine_has(engines.client, NamedGroup::x25519mlkem768) &&
                 engine_has(engines.server, NamedGroup::x25519mlkem768)
             ? NamedGroup::x25519mlkem768
             : NamedGroup::x25519;
}

/// Delivers the client's first flight to the server and says whether the server answered with a
/// HelloRetryRequest (RFC 8446 §4.1.3: a ServerHello whose random is SHA-256 of
/// "HelloRetryRequest"). Later pump() calls continue the handshake.
bool server_asks_for_retry(SessionPair& pair) {
  constexpr std::array<std::uint8_t, 32> hrr_random = {
      0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
      0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
      0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
  const std::vector<std::byte> hello = std::exchange(pair.client().outbox, {});
  EXPECT_TRUE(pair.server().session->receive_data(hello).has_value());
  const auto& out = pair.server().outbox;
  // Record header (5), handshake header (4), legacy_version (2), then the random.
  EXPECT_GE(out.size(), 43U);
  EXPECT_EQ(out[0], std::byte{22});
  EXPECT_EQ(out[5], std::byte{2});  // ServerHello (or HelloRetryRequest)
  return out.size() >= 43 &&
         std::equal(hrr_random.begin(), hrr_random.end(), out.begin() + 11,
                    [](std::uint8_t a, std::byte b) { return std::byte{a} == b; });
}

TEST_P(HandshakeTest, DefaultsNegotiateTls13WithTheDefaultGroupAndVerifyTheServer) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  const SessionInfo& client = pair.client().session->info();
  const SessionInfo& server = pair.server().session->info();
  EXPECT_EQ(client.version, ProtocolVersion::tls13);
  EXPECT_EQ(server.version, ProtocolVersion::tls13);
  EXPECT_EQ(client.cipher_suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_EQ(client.cipher_suite, server.cipher_suite);
  EXPECT_EQ(client.group, default_group(GetParam()));
  EXPECT_EQ(server.group, default_group(GetParam()));
  EXPECT_TRUE(client.peer_verified);
  ASSERT_EQ(client.peer_certificates.size(), 2U);
  EXPECT_EQ(client.peer_certificates[0], pki().server().leaf());
  EXPECT_EQ(client.server_name, "localhost");
  EXPECT_EQ(server.server_name, "localhost");
  EXPECT_TRUE(server.peer_certificates.empty());
  EXPECT_FALSE(client.resumed);
  EXPECT_EQ(client.backend, GetParam().client);
  EXPECT_EQ(server.backend, GetParam().server);
}

TEST_P(HandshakeTest, ClientHelloGoesOutInOneWriteAtStart) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
  EXPECT_EQ(pair.client().write_calls, 1U);
  ASSERT_GE(pair.client().outbox.size(), 5U);
  EXPECT_EQ(pair.client().outbox[0], std::byte{22});  // a handshake record
  EXPECT_EQ(pair.client().session->state(), SessionState::handshaking);
}

TEST_P(HandshakeTest, Tls12WhenThePeerCapsAtTls12) {
  if (!tls12_supported_or_reported()) return;
  ClientOptions options = tls12_client_options();
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  EXPECT_EQ(pair.server().session->info().cipher_suite,
            CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256);
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(HandshakeTest, Tls13OnlyServerRefusesATls12OnlyClientNamingTheVersions) {
  if (!tls12_supported_or_reported(Tls12Needed::by_client)) return;
  ClientOptions options = tls12_client_options();
  ServerOptions server_opts = server_options();
  server_opts.policy = Policy::tls13_only();
  SessionPair pair(client(options), server(server_opts));
  EXPECT_FALSE(pair.handshake());
  EXPECT_SANSTLS_ERROR(pair.server().error, Errc::forbidden_by_policy,
                       "TLS 1.2; sanstls requires TLS 1.3");
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::forbidden_by_policy);
  EXPECT_EQ(pair.client().error->alert_received, Alert::protocol_version);
  EXPECT_NE(pair.client().error->message.find("the server refused TLS 1.2 (capped by "
                                              "hazmat::Settings) with a protocol_version alert"),
            std::string::npos)
      << pair.client().error->to_string();
}

TEST_P(HandshakeTest, EveryAllowedCipherSuiteNegotiates) {
  for (CipherSuite suite : all_cipher_suites()) {
    const bool tls12 = cipher_suite_version(suite) == ProtocolVersion::tls12;
    const std::string name{cipher_suite_name(suite)};
    const bool rsa = name.find("_RSA_") != std::string::npos;
    if (tls12 && !tls12_supported_or_reported()) continue;
    ClientOptions options = client_options();
    ServerOptions server_opts = server_options();
    if (tls12) {
      options.hazmat = tls12_cap();
      // A TLS 1.3 suite must stay in the list (sanstls never disables TLS 1.3).
      server_opts.policy.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256, suite};
    } else {
      server_opts.policy.cipher_suites = {suite};
    }
    SessionPair pair(client(options), server(server_opts, rsa ? testing::KeyAlgorithm::rsa_2048
                                                              : testing::KeyAlgorithm::ecdsa_p256));
    ASSERT_TRUE(pair.handshake()) << name << ": "
                                  << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_EQ(pair.client().session->info().cipher_suite, suite) << name;
    ASSERT_TRUE(pair.client().session->write_data("ping"));
    pair.pump();
    EXPECT_EQ(pair.server().received_text(), "ping") << name;
  }
}

TEST_P(HandshakeTest, EveryGroupNegotiates) {
  for (NamedGroup group : all_groups()) {
    if (!engine_has(GetParam().client, group) || !engine_has(GetParam().server, group)) {
      continue;  // X25519MLKEM768 without the native engine on both sides: see the next tests
    }
    ServerOptions server_opts = server_options();
    server_opts.policy.groups = {group};
    SessionPair pair(default_client(), server(server_opts));
    ASSERT_TRUE(pair.handshake()) << group_name(group) << ": "
                                  << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_EQ(pair.client().session->info().group, group);
    EXPECT_EQ(pair.server().session->info().group, group);
  }
}

// draft-ietf-tls-ecdhe-mlkem: the native client offers X25519MLKEM768 first and an X25519 share
// as well, so a server without ML-KEM picks X25519 at once; a native server picks the hybrid.
TEST_P(HandshakeTest, DefaultGroupNeedsNoHelloRetryRequest) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
  if (GetParam().client == Backend::native) {
    // The captured ClientHello: the first KeyShareEntry is 0x11EC with 1216 bytes (0x04c0), the
    // next one X25519 with 32.
    const auto& hello = pair.client().outbox;
    const std::array<std::byte, 4> hybrid{std::byte{0x11}, std::byte{0xec}, std::byte{0x04},
                                          std::byte{0xc0}};
    const std::array<std::byte, 4> x25519{std::byte{0x00}, std::byte{0x1d}, std::byte{0x00},
                                          std::byte{0x20}};
    const auto at = std::search(hello.begin(), hello.end(), hybrid.begin(), hybrid.end());
    ASSERT_NE(at, hello.end());
    ASSERT_GE(hello.end() - at, 4 + 1216 + 4);
    EXPECT_TRUE(std::equal(x25519.begin(), x25519.end(), at + 4 + 1216));
    // key_share's client_shares vector begins right before: its length is 4 + 1216 + 4 + 32.
    EXPECT_EQ(*(at - 2), std::byte{0x04});
    EXPECT_EQ(*(at - 1), std::byte{0xe8});
  }
  EXPECT_FALSE(server_asks_for_retry(pair));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().group, default_group(GetParam()));
  EXPECT_EQ(pair.server().session->info().group, default_group(GetParam()));
  EXPECT_NE(pair.client().session->info().summary().find(group_name(default_group(GetParam()))),
            std::string::npos);
}

TEST_P(HandshakeTest, OptionsNarrowTheGroupsToX25519) {
  ClientOptions options = client_options();
  options.policy.groups = {NamedGroup::x25519};
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().group, NamedGroup::x25519);
  EXPECT_EQ(pair.server().session->info().group, NamedGroup::x25519);
}

// Only the native engine has ML-KEM: a policy naming nothing but X25519MLKEM768 cannot be met by
// the others (Errc::unsupported, naming the engine and the group), and leaves the native engine
// on the hybrid.
TEST_P(HandshakeTest, PolicyOfOnlyX25519MlKem768NeedsTheNativeEngine) {
  ClientOptions client_opts = client_options();
  client_opts.policy.groups = {NamedGroup::x25519mlkem768};
  ServerOptions server_opts = server_options();
  server_opts.policy.groups = {NamedGroup::x25519mlkem768};
  SessionPair pair(client(client_opts), server(server_opts));
  const bool client_has = engine_has(GetParam().client, NamedGroup::x25519mlkem768);
  const bool server_has = engine_has(GetParam().server, NamedGroup::x25519mlkem768);
  EXPECT_EQ(client_has, GetParam().client == Backend::native);
  EXPECT_EQ(server_has, GetParam().server == Backend::native);
  if (!client_has || !server_has) {
    EXPECT_SANSTLS_ERROR(pair.start_error, Errc::unsupported,
                         "supports none of the configured key-exchange groups (X25519MLKEM768)");
    return;
  }
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().group, NamedGroup::x25519mlkem768);
}

TEST_P(HandshakeTest, EveryServerKeyTypeWorks) {
  for (auto key : {testing::KeyAlgorithm::ecdsa_p256, testing::KeyAlgorithm::ecdsa_p384,
                   testing::KeyAlgorithm::rsa_2048, testing::KeyAlgorithm::rsa_3072,
                   testing::KeyAlgorithm::rsa_4096, testing::KeyAlgorithm::ed25519}) {
    SessionPair pair(default_client(), server(server_options(), key));
    ASSERT_TRUE(pair.handshake()) << static_cast<int>(key) << ": "
                                  << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_TRUE(pair.client().session->info().peer_verified);
  }
}

TEST_P(HandshakeTest, HandshakeSurvivesOneByteAtATime) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake([](std::size_t) { return std::size_t{1}; }))
      << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_TRUE(pair.client().session->write_data("hello"));
  pair.pump([](std::size_t) { return std::size_t{1}; });
  EXPECT_EQ(pair.server().received_text(), "hello");
}

TEST_P(HandshakeTest, HandshakeSurvivesRandomChunks) {
  std::mt19937 random(20261126);  // seeded: failures reproduce
  for (int round = 0; round < 5; ++round) {
    SessionPair pair(default_client(), default_server());
    auto chunker = [&](std::size_t waiting) {
      return std::uniform_int_distribution<std::size_t>(
          1, std::min<std::size_t>(waiting, 700))(random);
    };
    ASSERT_TRUE(pair.handshake(chunker)) << round;
    ASSERT_TRUE(pair.server().session->write_data("reply"));
    pair.pump(chunker);
    EXPECT_EQ(pair.client().received_text(), "reply");
  }
}

TEST_P(HandshakeTest, DataOfEverySizeRoundTripsBothWays) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  for (std::size_t size : {std::size_t{1}, std::size_t{100}, std::size_t{16383}, std::size_t{16384},
                           std::size_t{16385}, std::size_t{1} << 20U, std::size_t{16} << 20U}) {
    std::vector<std::byte> data(size);
    for (std::size_t i = 0; i < size; ++i) {
      data[i] = static_cast<std::byte>((i * 131U + size) & 0xffU);
    }
    pair.client().received.clear();
    pair.server().received.clear();
    pair.client().write_calls = 0;
    ASSERT_TRUE(pair.client().session->write_data(data));
    EXPECT_EQ(pair.client().write_calls, 1U) << "output must be coalesced per call";
    ASSERT_TRUE(pair.server().session->write_data(data));
    pair.pump();
    EXPECT_EQ(pair.server().received, data) << size;
    EXPECT_EQ(pair.client().received, data) << size;
  }
}

/// `size` bytes of a pattern that differs per write (so reordered or repeated records show).
std::vector<std::byte> pattern(std::size_t size, std::size_t seed) {
  std::vector<std::byte> data(size);
  for (std::size_t i = 0; i < size; ++i) {
    data[i] = static_cast<std::byte>((i * 131U + seed * 7U + size) & 0xffU);
  }
  return data;
}

/// Writes of repeated sizes from both sides: each goes out in one write callback, as whole
/// application_data records, and arrives in order. Sizes repeat: an engine may send a write it
/// knows fits one record differently from the first of its size (the GnuTLS engine hands that
/// record to the callback without a copy).
void expect_repeated_writes_arrive(SessionPair& pair) {
  const std::size_t sizes[] = {1, 1,     16384, 16384, 100,   16385, 16384, 16384,
                               1, 40000, 16384, 40000, 16383, 16383, 1024,  1024};
  std::size_t seed = 0;
  for (Endpoint* side : {&pair.client(), &pair.server()}) {
    Endpoint& peer = side == &pair.client() ? pair.server() : pair.client();
    std::vector<std::byte> expected;
    peer.received.clear();
    for (const std::size_t size : sizes) {
      const std::vector<std::byte> data = pattern(size, ++seed);
      side->write_calls = 0;
      const std::size_t outbox_before = side->outbox.size();
      ASSERT_TRUE(side->session->write_data(data));
      EXPECT_EQ(side->write_calls, 1U) << "output must be coalesced per call (size " << size << ")";
      // Whole records: a 5-byte header, then a body of its stated length, up to the end.
      std::size_t at = outbox_before;
      std::size_t records = 0;
      while (at + 5 <= side->outbox.size()) {
        EXPECT_EQ(side->outbox[at], std::byte{23}) << "application_data records only";
        at += 5 + ((std::to_integer<std::size_t>(side->outbox[at + 3]) << 8U) |
                   std::to_integer<std::size_t>(side->outbox[at + 4]));
        ++records;
      }
      EXPECT_EQ(at, side->outbox.size()) << "size " << size;
      EXPECT_EQ(records, (size + 16383) / 16384) << "size " << size;
      expected.insert(expected.end(), data.begin(), data.end());
      if (seed % 3 == 0) {
        pair.pump();
      }
    }
    pair.pump();
    ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
    EXPECT_EQ(peer.received, expected);
  }
}

TEST_P(HandshakeTest, RepeatedWritesGoOutInOneCallbackEachAndInOrder) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  expect_repeated_writes_arrive(pair);
}

TEST_P(HandshakeTest, RepeatedWritesGoOutInOneCallbackEachAndInOrderTls12) {
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client(tls12_client_options()), default_server());
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  ASSERT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  expect_repeated_writes_arrive(pair);
}

TEST_P(HandshakeTest, AThrowingWriteCallbackDoesNotBreakTheSession) {
  // The exception is dropped (the bytes were the callback's to send); it must never travel
  // through an engine's TLS library, whichever way the records reached the callback.
  std::vector<std::byte> hello;  // what the client writes before the pair exists
  Endpoint* client = nullptr;
  bool throw_now = false;
  SessionCallbacks callbacks;
  callbacks.write = [&](std::span<const std::byte> bytes) {
    std::vector<std::byte>& out = client != nullptr ? client->outbox : hello;
    out.insert(out.end(), bytes.begin(), bytes.end());
    if (client != nullptr) {
      ++client->write_calls;
    }
    if (throw_now) {
      throw std::runtime_error("transport gone");
    }
  };
  SessionPair pair(default_client(), default_server(), callbacks);
  client = &pair.client();
  client->outbox = std::move(hello);
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  std::vector<std::byte> expected;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::vector<std::byte> data = pattern(i < 3 ? 16384 : 300, i);
    throw_now = i % 2 == 1;
    client->write_calls = 0;
    auto written = client->session->write_data(data);
    throw_now = false;
    ASSERT_TRUE(written) << i << ": " << written.error().to_string();
    EXPECT_EQ(client->write_calls, 1U) << i;
    EXPECT_EQ(client->session->state(), SessionState::established);
    expected.insert(expected.end(), data.begin(), data.end());
  }
  pair.pump();
  ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
  EXPECT_EQ(pair.server().received, expected);
}

TEST_P(HandshakeTest, SmallMessageSplitAtEveryBoundary) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->write_data("split me anywhere"));
  const std::size_t record_size = pair.client().outbox.size();
  pair.pump();
  ASSERT_EQ(pair.server().received_text(), "split me anywhere");
  // Every two-part split of one record must give the same plaintext. The server session is
  // reused, so each split delivers a fresh record with the next sequence number.
  for (std::size_t cut = 1; cut < record_size; ++cut) {
    ASSERT_TRUE(pair.client().session->write_data("split me anywhere"));
    std::vector<std::byte> fresh;
    fresh.swap(pair.client().outbox);
    std::vector<std::byte> out;
    ASSERT_TRUE(pair.server().session->receive_data(std::span{fresh}.first(cut), out));
    EXPECT_TRUE(out.empty()) << "a partial record yields no data (cut " << cut << ")";
    ASSERT_TRUE(pair.server().session->receive_data(std::span{fresh}.subspan(cut), out));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), out.size()),
              "split me anywhere")
        << cut;
  }
}

TEST_P(HandshakeTest, InterleavedWritesFromBothSides) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  std::string expected_at_server;
  std::string expected_at_client;
  for (int i = 0; i < 50; ++i) {
    const std::string a = "c" + std::to_string(i) + ";";
    const std::string b = "s" + std::to_string(i) + ";";
    ASSERT_TRUE(pair.client().session->write_data(a));
    ASSERT_TRUE(pair.server().session->write_data(b));
    expected_at_server += a;
    expected_at_client += b;
    if (i % 7 == 0) {
      pair.pump();
    }
  }
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), expected_at_server);
  EXPECT_EQ(pair.client().received_text(), expected_at_client);
}

TEST_P(HandshakeTest, EmptyWriteSendsNothing) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const std::size_t calls = pair.client().write_calls;
  ASSERT_TRUE(pair.client().session->write_data(std::span<const std::byte>{}));
  EXPECT_EQ(pair.client().write_calls, calls);
  EXPECT_TRUE(pair.client().outbox.empty());
}

}  // namespace
}  // namespace sanstls::test
