// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: Session::update_keys() (TLS 1.3 KeyUpdate, RFC 8446 §4.6.3) from either side,
// the peer's answer, and the calls it refuses.

#include "conformance/conformance.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <tuple>
#include <utility>

namespace sanstls::test {
namespace {

using KeyUpdateTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(KeyUpdateTest);

/// One round trip after the update: both sides must have switched keys in step, or the
/// records would not decrypt.
void expect_round_trip(SessionPair& pair, const std::string& tag) {
  auto ping = pair.client().session->write_data("ping " + tag);
  ASSERT_TRUE(ping) << tag << ": " << ping.error().to_string();
  auto pong = pair.server().session->write_data("pong " + tag);
  ASSERT_TRUE(pong) << tag << ": " << pong.error().to_string();
  pair.pump();
  ASSERT_FALSE(pair.first_error()) << tag << ": " << pair.first_error()->to_string();
  EXPECT_NE(pair.server().received_text().find("ping " + tag), std::string::npos) << tag;
  EXPECT_NE(pair.client().received_text().find("pong " + tag), std::string::npos) << tag;
}

TEST_P(KeyUpdateTest, ClientUpdatesItsKeysAndTheServerFollows) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  pair.client().outbox.clear();
  ASSERT_TRUE(pair.client().session->update_keys());
  EXPECT_FALSE(pair.client().outbox.empty()) << "the KeyUpdate goes out at once";
  pair.pump();
  // The server answered update_requested with a KeyUpdate of its own (RFC 8446 §4.6.3).
  expect_round_trip(pair, "after the client's update");
  EXPECT_EQ(pair.client().session->state(), SessionState::established);
  EXPECT_EQ(pair.server().session->state(), SessionState::established);
}

TEST_P(KeyUpdateTest, ServerUpdatesItsKeysAndTheClientFollows) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.server().session->update_keys());
  pair.pump();
  expect_round_trip(pair, "after the server's update");
}

TEST_P(KeyUpdateTest, ManyUpdatesFromBothSidesWithDataInBetween) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  // GnuTLS 3.7 accepts at most 8 KeyUpdates per second from its peer (each update_requested
  // also brings the answer back): 6 rounds stay within every engine's flood bound.
  for (int i = 0; i < 6; ++i) {
    Session& side = i % 2 == 0 ? *pair.client().session : *pair.server().session;
    auto updated = side.update_keys();
    ASSERT_TRUE(updated) << i << ": " << updated.error().to_string();
    pair.pump();
    expect_round_trip(pair, std::to_string(i));
  }
}

TEST_P(KeyUpdateTest, TheAnswerToAnUpdateRequestGoesOutWithTheNextWriteInOneCallback) {
  // An engine may answer update_requested only when it next sends (GnuTLS does): its KeyUpdate
  // then comes first, with the data under the new keys after it, in one write callback. Writes
  // of a size seen before first, so that an engine sending known one-record writes another way
  // (the GnuTLS engine, without a copy) is on that path.
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  for (int i = 0; i < 4; ++i) {
    Endpoint& updater = i % 2 == 0 ? pair.client() : pair.server();
    Endpoint& answerer = i % 2 == 0 ? pair.server() : pair.client();
    const std::string data(16384, static_cast<char>('a' + i));
    for (int warm = 0; warm < 2; ++warm) {
      ASSERT_TRUE(answerer.session->write_data(data));
      pair.pump();
    }
    ASSERT_TRUE(updater.session->update_keys());
    pair.pump();
    updater.received.clear();
    for (int write = 0; write < 2; ++write) {
      answerer.write_calls = 0;
      ASSERT_TRUE(answerer.session->write_data(data));
      EXPECT_EQ(answerer.write_calls, 1U) << "round " << i << ", write " << write;
    }
    pair.pump();
    ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
    EXPECT_EQ(updater.received_text(), data + data) << "round " << i;
    expect_round_trip(pair, std::to_string(i));
  }
}

TEST_P(KeyUpdateTest, BothSidesUpdateAtTheSameTime) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  if (GetParam().client == Backend::gnutls || GetParam().server == Backend::gnutls) {
    // RFC 8446 §4.6.3 allows crossed updates, but GnuTLS 3.7 refuses an update_requested that
    // arrives while its own is unanswered (illegal_parameter; docs/backends.md). The session
    // must still end cleanly with that error, never hang or accept garbage.
    ASSERT_TRUE(pair.client().session->update_keys());
    ASSERT_TRUE(pair.server().session->update_keys());
    pair.pump();
    ASSERT_TRUE(pair.first_error()) << "GnuTLS accepted crossed KeyUpdates: update this test";
    EXPECT_TRUE(pair.client().session->state() == SessionState::invalidated ||
                pair.server().session->state() == SessionState::invalidated);
    return;
  }
  auto client_updated = pair.client().session->update_keys();
  ASSERT_TRUE(client_updated) << client_updated.error().to_string();
  auto server_updated = pair.server().session->update_keys();
  ASSERT_TRUE(server_updated) << server_updated.error().to_string();
  pair.pump();
  expect_round_trip(pair, "crossed updates");
}

TEST_P(KeyUpdateTest, RefusedBeforeTheHandshakeAndAfterFinish) {
  SessionPair pair(default_client(), default_server());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::api_misuse,
                       "before the handshake finished");
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->finish());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::closed, "after finish()");
}

TEST_P(KeyUpdateTest, Tls12HasNoKeyUpdate) {
  if (!tls12_supported_or_reported()) return;
  ClientOptions options = tls12_client_options();
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::unsupported,
                       "TLS 1.2 has no KeyUpdate");
  EXPECT_SANSTLS_ERROR((pair.server().session->update_keys()), Errc::unsupported,
                       "TLS 1.2 has no KeyUpdate");
  // Refusing is not a failure of the session.
  expect_round_trip(pair, "TLS 1.2");
}

/// TLS 1.3 records in `bytes` whose size is that of an encrypted KeyUpdate: a 5-byte message,
/// the inner content type and a 16-byte tag (no engine pads its records). The application
/// records of these tests are far larger, so nothing else has this size.
std::size_t key_update_records(std::span<const std::byte> bytes) {
  constexpr std::size_t header = 5;
  constexpr std::size_t key_update_ciphertext = 5 + 1 + 16;
  std::size_t count = 0;
  while (bytes.size() >= header) {
    const std::size_t length =
        (std::to_integer<std::size_t>(bytes[3]) << 8U) | std::to_integer<std::size_t>(bytes[4]);
    if (length == key_update_ciphertext) ++count;
    bytes = bytes.subspan(std::min(bytes.size(), header + length));
  }
  return count;
}

/// hazmat settings that make automatic key changes happen every `records` records.
std::shared_ptr<hazmat::Settings> key_update_every(std::uint64_t records) {
  auto settings = std::make_shared<hazmat::Settings>();
  settings->key_update_interval_records = records;
  return settings;
}

/// Delivers outboxes both ways until nothing moves, counting the KeyUpdate records each side
/// sent on the way (SessionPair::pump would deliver them unseen).
void pump_counting(Endpoint& a, Endpoint& b, std::size_t& a_updates, std::size_t& b_updates) {
  while (!a.outbox.empty() || !b.outbox.empty()) {
    for (auto [from, to, updates] :
         {std::tuple{&a, &b, &a_updates}, std::tuple{&b, &a, &b_updates}}) {
      if (from->outbox.empty()) continue;
      *updates += key_update_records(from->outbox);
      const std::vector<std::byte> bytes = std::exchange(from->outbox, {});
      auto received = to->session->receive_data(bytes, to->received);
      ASSERT_TRUE(received) << received.error().to_string();
    }
  }
}

/// One side writes `messages` records of 100 bytes, each delivered at once; returns how many
/// KeyUpdate records the writer and the reader sent meanwhile. Every message must arrive.
std::pair<std::size_t, std::size_t> stream(Endpoint& writer, Endpoint& reader, int messages) {
  std::size_t writer_updates = 0;
  std::size_t reader_updates = 0;
  std::string expected;
  for (int i = 0; i < messages; ++i) {
    std::string message = fmt::format("message {:03} ", i);
    message.resize(100, '.');
    expected += message;
    auto written = writer.session->write_data(message);
    EXPECT_TRUE(written) << i << ": " << written.error().to_string();
    pump_counting(writer, reader, writer_updates, reader_updates);
  }
  EXPECT_EQ(reader.received_text(), expected) << "data lost or reordered across key changes";
  return {writer_updates, reader_updates};
}

TEST_P(KeyUpdateTest, SendingKeysChangeOnTheirOwnAfterTheInterval) {
  ClientOptions options = client_options();
  options.hazmat = key_update_every(8);
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake());
  pair.client().outbox.clear();
  // 20 records with an interval of 8: our own KeyUpdates after records 8 and 16, not requested.
  const auto [client_updates, server_updates] = stream(pair.client(), pair.server(), 20);
  EXPECT_EQ(client_updates, 2U);
  EXPECT_EQ(server_updates, 0U) << "the client's own updates must not ask the server to update";
  expect_round_trip(pair, "after automatic updates");
}

TEST_P(KeyUpdateTest, AReceiverAsksThePeerToChangeKeysAfterTwiceTheInterval) {
  ServerOptions options = server_options();
  options.hazmat = key_update_every(8);
  SessionPair pair(default_client(), server(options));
  ASSERT_TRUE(pair.handshake());
  pair.client().outbox.clear();
  // The client (default interval) never updates on its own here; the server asks after 16
  // records, and the client answers with a KeyUpdate of its own (RFC 8446 §4.6.3).
  const auto [client_updates, server_updates] = stream(pair.client(), pair.server(), 20);
  EXPECT_EQ(server_updates, 1U) << "the server's update_requested";
  EXPECT_EQ(client_updates, 1U) << "the client's answer";
  expect_round_trip(pair, "after the requested update");
}

TEST_P(KeyUpdateTest, Tls12RefusesToSendBeyondTheAesGcmLimit) {
  if (!tls12_supported_or_reported()) return;
  auto settings = tls12_cap();
  settings->key_update_interval_records = 4;  // the TLS 1.2 limit is twice that
  ClientOptions options = client_options();
  options.hazmat = settings;
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  for (int i = 0; i < 8; ++i) {
    auto written = pair.client().session->write_data("within the limit");
    ASSERT_TRUE(written) << i << ": " << written.error().to_string();
  }
  EXPECT_SANSTLS_ERROR((pair.client().session->write_data("one too many")), Errc::limit_exceeded,
                       "TLS 1.2 cannot change keys");
  // Not fatal: what was written arrives, and the session still closes cleanly.
  EXPECT_EQ(pair.client().session->state(), SessionState::established);
  ASSERT_TRUE(pair.client().session->finish());
  pair.pump();
  EXPECT_FALSE(pair.first_error());
  EXPECT_NE(pair.server().received_text().find("within the limit"), std::string::npos);
  EXPECT_EQ(pair.server().session->state(), SessionState::peer_closed);
}

TEST_P(KeyUpdateTest, TheIntervalMayOnlyBeLowered) {
  for (const std::uint64_t records : {std::uint64_t{0}, (std::uint64_t{1} << 23U) + 1}) {
    ClientOptions options = client_options();
    options.hazmat = key_update_every(records);
    const ClientTLS refused = client(options);
    ASSERT_NE(refused.configuration_error(), nullptr) << records;
    EXPECT_EQ(refused.configuration_error()->code, Errc::bad_configuration);
    EXPECT_NE(refused.configuration_error()->message.find("key_update_interval_records"),
              std::string::npos);
  }
}

TEST_P(KeyUpdateTest, CapabilitiesSayKeyUpdate) {
  EXPECT_TRUE(backend_capabilities(GetParam().client).key_update);
  EXPECT_TRUE(backend_capabilities(GetParam().server).key_update);
}

}  // namespace
}  // namespace sanstls::test
