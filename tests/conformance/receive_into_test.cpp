// SPDX-License-Identifier: Apache-2.0 OR MIT
// Session::receive_data_into: application data into a caller-owned buffer, on every engine pair.
// Whatever the buffer's size, no byte is lost, none is repeated, and the order is the peer's.

#include "conformance.hpp"

#include <numeric>

namespace sanstls::test {
namespace {

class ReceiveIntoTest : public Conformance {};

/// `size` bytes of a pattern that shows a lost, repeated or reordered byte.
std::vector<std::byte> pattern(std::size_t size, std::size_t seed = 0) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::byte>((i * 7 + seed * 13 + i / 251) & 0xff);
  }
  return out;
}

/// Hands `input` to `session` through a buffer of `buffer_size` bytes, then calls again with no
/// input while data is held; returns everything received, in order.
std::vector<std::byte> receive_all(Session& session, std::span<const std::byte> input,
                                   std::size_t buffer_size, std::size_t* calls = nullptr) {
  std::vector<std::byte> buffer(buffer_size);
  std::vector<std::byte> all;
  std::span<const std::byte> next = input;
  for (std::size_t call = 0; call < 1'000'000; ++call) {
    auto got = session.receive_data_into(next, buffer);
    EXPECT_TRUE(got) << got.error().to_string();
    if (!got) break;
    EXPECT_LE(got->size, buffer.size());
    all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got->size));
    next = {};
    if (calls != nullptr) *calls = call + 1;
    if (got->pending == 0) break;
    // Held data means the buffer was filled.
    EXPECT_EQ(got->size, buffer.size());
  }
  return all;
}

TEST_P(ReceiveIntoTest, SmallBuffersGetEverythingInOrder) {
  // Several writes (full records, a partial one, one byte) received in one input through
  // buffers smaller, equal to and larger than a record: the same bytes, in order, every time.
  for (const std::size_t buffer_size : {std::size_t{1}, std::size_t{7}, std::size_t{1000},
                                        std::size_t{16384}, std::size_t{70000}}) {
    SCOPED_TRACE(buffer_size);
    SessionPair pair(default_client(), default_server());
    ASSERT_TRUE(pair.handshake());
    std::vector<std::byte> sent;
    for (const std::size_t size : {std::size_t{5000}, std::size_t{40000}, std::size_t{1}}) {
      const auto data = pattern(size, sent.size());
      ASSERT_TRUE(pair.server().session->write_data(data));
      sent.insert(sent.end(), data.begin(), data.end());
    }
    std::vector<std::byte> wire;
    wire.swap(pair.server().outbox);
    std::size_t calls = 0;
    const auto received = receive_all(*pair.client().session, wire, buffer_size, &calls);
    EXPECT_EQ(received, sent);
    // Every call but the last filled the buffer.
    EXPECT_EQ(calls, (sent.size() + buffer_size - 1) / buffer_size);
  }
}

TEST_P(ReceiveIntoTest, InputInPiecesWithHeldDataInBetween) {
  // The input arrives a few bytes at a time while data is still held: held data comes first,
  // then the new input's, in order.
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const auto sent = pattern(50000, 3);
  ASSERT_TRUE(pair.client().session->write_data(sent));
  std::vector<std::byte> wire;
  wire.swap(pair.client().outbox);
  std::vector<std::byte> received;
  std::vector<std::byte> buffer(333);
  std::size_t offset = 0;
  while (offset < wire.size()) {
    const std::size_t piece = std::min<std::size_t>(4099, wire.size() - offset);
    auto got = pair.server().session->receive_data_into(
        std::span<const std::byte>(wire).subspan(offset, piece), buffer);
    ASSERT_TRUE(got) << got.error().to_string();
    received.insert(received.end(), buffer.begin(),
                    buffer.begin() + static_cast<std::ptrdiff_t>(got->size));
    offset += piece;
  }
  const auto rest = receive_all(*pair.server().session, {}, 333);
  received.insert(received.end(), rest.begin(), rest.end());
  EXPECT_EQ(received, sent);
}

TEST_P(ReceiveIntoTest, ExactRecordSizedBuffer) {
  // A buffer of exactly one record's content: a full record (16 KiB of data) does not fit whole
  // with its content type byte, and is still handed out in full, in one call.
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const auto sent = pattern(16384, 5);
  ASSERT_TRUE(pair.client().session->write_data(sent));
  std::vector<std::byte> buffer(16384);
  auto got = pair.server().session->receive_data_into(pair.client().outbox, buffer);
  pair.client().outbox.clear();
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, sent.size());
  EXPECT_EQ(got->pending, 0U);
  EXPECT_EQ(buffer, sent);
}

TEST_P(ReceiveIntoTest, ZeroSizeBufferHoldsEverything) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const auto sent = pattern(20000, 1);
  ASSERT_TRUE(pair.server().session->write_data(sent));
  auto got = pair.client().session->receive_data_into(pair.server().outbox, {});
  pair.server().outbox.clear();
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, 0U);
  EXPECT_EQ(got->pending, sent.size());
  // Nothing new arrives: the held data is handed out from an empty input.
  std::vector<std::byte> buffer(sent.size());
  got = pair.client().session->receive_data_into({}, buffer);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, sent.size());
  EXPECT_EQ(got->pending, 0U);
  EXPECT_EQ(buffer, sent);
  // Nothing held, nothing received: an empty answer, not an error.
  got = pair.client().session->receive_data_into({}, buffer);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, 0U);
  EXPECT_EQ(got->pending, 0U);
}

TEST_P(ReceiveIntoTest, HeldDataComesFirstInTheVectorOverloadToo) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const auto first = pattern(3000, 1);
  ASSERT_TRUE(pair.server().session->write_data(first));
  std::vector<std::byte> buffer(1000);
  auto got = pair.client().session->receive_data_into(pair.server().outbox, buffer);
  pair.server().outbox.clear();
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_EQ(got->size, 1000U);
  ASSERT_EQ(got->pending, 2000U);
  const auto second = pattern(500, 2);
  ASSERT_TRUE(pair.server().session->write_data(second));
  std::vector<std::byte> rest;
  ASSERT_TRUE(pair.client().session->receive_data(pair.server().outbox, rest));
  pair.server().outbox.clear();
  std::vector<std::byte> expected(first.begin() + 1000, first.end());
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(rest, expected);
}

TEST_P(ReceiveIntoTest, HeldDataSurvivesCloseNotifyAndLaterInputIsIgnored) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const auto sent = pattern(10000, 4);
  ASSERT_TRUE(pair.server().session->write_data(sent));
  ASSERT_TRUE(pair.server().session->finish());
  std::vector<std::byte> wire;
  wire.swap(pair.server().outbox);
  std::vector<std::byte> buffer(4000);
  auto got = pair.client().session->receive_data_into(wire, buffer);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, 4000U);
  EXPECT_EQ(got->pending, 6000U);
  EXPECT_EQ(pair.client().session->state(), SessionState::peer_closed);
  std::vector<std::byte> received(buffer.begin(), buffer.end());
  // RFC 8446 §6.1: anything after the close_notify is ignored (here: the same records again,
  // which would be refused if they were read); the data before it is still handed out.
  for (int call = 0; call < 2; ++call) {
    got = pair.client().session->receive_data_into(wire, buffer);
    ASSERT_TRUE(got) << got.error().to_string();
    received.insert(received.end(), buffer.begin(),
                    buffer.begin() + static_cast<std::ptrdiff_t>(got->size));
  }
  EXPECT_EQ(got->pending, 0U);
  EXPECT_EQ(received, sent);
  got = pair.client().session->receive_data_into(wire, buffer);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->size, 0U);
  EXPECT_EQ(pair.client().session->state(), SessionState::peer_closed);
}

TEST_P(ReceiveIntoTest, TamperedRecordFailsAndDropsHeldData) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->write_data(pattern(5000)));
  std::vector<std::byte> buffer(100);
  auto got = pair.server().session->receive_data_into(pair.client().outbox, buffer);
  pair.client().outbox.clear();
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_EQ(got->pending, 4900U);
  ASSERT_TRUE(pair.client().session->write_data("integrity"));
  std::vector<std::byte> record;
  record.swap(pair.client().outbox);
  record.back() ^= std::byte{1};
  got = pair.server().session->receive_data_into(record, buffer);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::bad_tls_data) << got.error().to_string();
  EXPECT_EQ(got.error().alert_sent, Alert::bad_record_mac);
  EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
  // Every later call fails, the held data with it.
  EXPECT_SANSTLS_ERROR((pair.server().session->receive_data_into({}, buffer)), Errc::invalidated,
                       "receive_data");
}

TEST_P(ReceiveIntoTest, CalledFromInsideACallbackIsRefused) {
  // The server's write callback (its first flight) calls back into its own session.
  std::optional<Result<Received>> inner;
  Session* self = nullptr;
  SessionCallbacks callbacks;
  callbacks.write = [&](std::span<const std::byte>) {
    if (self != nullptr && !inner) {
      std::array<std::byte, 8> buffer{};
      inner = self->receive_data_into({}, buffer);
    }
  };
  const ServerTLS server_tls = default_server();
  auto server = server_tls.start(callbacks);
  ASSERT_TRUE(server) << server.error().to_string();
  self = &*server;
  std::vector<std::byte> hello;
  SessionCallbacks client_callbacks;
  client_callbacks.write = [&](std::span<const std::byte> bytes) {
    hello.insert(hello.end(), bytes.begin(), bytes.end());
  };
  const ClientTLS client_tls = default_client();
  auto client = client_tls.start(client_callbacks);
  ASSERT_TRUE(client) << client.error().to_string();
  std::array<std::byte, 8> buffer{};
  ASSERT_TRUE(server->receive_data_into(hello, buffer));
  ASSERT_TRUE(inner.has_value());
  EXPECT_SANSTLS_ERROR(*inner, Errc::api_misuse, "receive_data");
}

TEST_P(ReceiveIntoTest, HandshakeAndDataThroughBuffersOnly) {
  // The whole connection driven with receive_data_into, including the handshake and data the
  // server writes before it completed (sent with its last flight).
  const ClientTLS client_tls = default_client();
  const ServerTLS server_tls = default_server();
  std::vector<std::byte> to_server;
  std::vector<std::byte> to_client;
  SessionCallbacks client_callbacks;
  client_callbacks.write = [&](std::span<const std::byte> bytes) {
    to_server.insert(to_server.end(), bytes.begin(), bytes.end());
  };
  SessionCallbacks server_callbacks;
  server_callbacks.write = [&](std::span<const std::byte> bytes) {
    to_client.insert(to_client.end(), bytes.begin(), bytes.end());
  };
  auto server = server_tls.start(server_callbacks);
  auto client = client_tls.start(client_callbacks);
  ASSERT_TRUE(server && client);
  const auto early = pattern(3000, 9);
  ASSERT_TRUE(server->write_data(early));
  std::vector<std::byte> at_client;
  for (int round = 0; round < 10 && (!to_server.empty() || !to_client.empty()); ++round) {
    std::vector<std::byte> in;
    in.swap(to_server);
    const auto at_server = receive_all(*server, in, 64);
    EXPECT_TRUE(at_server.empty());
    in.swap(to_client);
    to_client.clear();
    const auto got = receive_all(*client, in, 64);
    at_client.insert(at_client.end(), got.begin(), got.end());
  }
  EXPECT_TRUE(client->handshake_complete());
  EXPECT_TRUE(server->handshake_complete());
  EXPECT_EQ(at_client, early);
}

SANSTLS_INSTANTIATE_CONFORMANCE(ReceiveIntoTest);

}  // namespace
}  // namespace sanstls::test
