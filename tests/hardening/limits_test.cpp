// SPDX-License-Identifier: Apache-2.0 OR MIT
// Resource limits (docs/limits.md, src/core/limits.hpp): a peer that floods a session gets a
// clear error and a closed session, never unbounded memory or CPU. Every engine, both roles.
//
// Memory is measured with mallinfo2() (glibc's heap, which OpenSSL and GnuTLS use too): the
// growth of the heap while a flood is fed must stay under the documented per-session cap.
// Under ASan the allocator is ASan's and mallinfo2() reports nothing: the bound is then only
// checked for the bytes consumed before the error.
#include "core/limits.hpp"

#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <malloc.h>
#include <optional>
#include <string_view>
#include <vector>

namespace sanstls::test {
namespace {

namespace limits = core::limits;
using Bytes = std::vector<std::byte>;

/// Heap growth a flooded session may cause (docs/limits.md).
constexpr std::size_t memory_cap = 2 * 1024 * 1024;

Bytes record(std::uint8_t type, const Bytes& payload) {
  Bytes out{std::byte{type}, std::byte{0x03}, std::byte{0x03},
            std::byte{static_cast<std::uint8_t>(payload.size() >> 8U)},
            std::byte{static_cast<std::uint8_t>(payload.size() & 0xffU)}};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes bytes_of(std::initializer_list<std::uint8_t> values) {
  Bytes out;
  for (auto v : values) out.push_back(std::byte{v});
  return out;
}

/// A handshake message header: type and a 24-bit length.
Bytes handshake_header(std::uint8_t type, std::size_t length) {
  return bytes_of({type, static_cast<std::uint8_t>(length >> 16U),
                   static_cast<std::uint8_t>((length >> 8U) & 0xffU),
                   static_cast<std::uint8_t>(length & 0xffU)});
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

struct FloodResult {
  std::optional<Error> error;
  std::size_t fed = 0;
  std::size_t peak_heap_growth = 0;
  bool closed = false;
  SessionState state = SessionState::handshaking;
};

/// Feeds `next()` (one piece of the flood per call) to a fresh session until it fails or
/// `max_bytes` were fed.
FloodResult flood(Backend engine, bool server, const std::function<Bytes(std::size_t)>& next,
                  std::size_t max_bytes) {
  const TestPki& pki = TestPki::shared();
  FloodResult result;
  SessionCallbacks callbacks;
  callbacks.write = [](std::span<const std::byte>) {};
  callbacks.close = [&](CloseMode) { result.closed = true; };
  ServerTLS server_tls(pki.server(), ServerOptions{.backend = engine});
  ClientTLS client_tls("localhost", ClientOptions{.trust = pki.trust_store(), .backend = engine});
  auto session = server ? server_tls.start(callbacks) : client_tls.start(callbacks);
  EXPECT_TRUE(session.has_value());
  if (!session) return result;
  const std::size_t heap_before = heap_in_use();
  Bytes application_data;
  for (std::size_t i = 0; result.fed < max_bytes; ++i) {
    const Bytes piece = next(i);
    auto received = session->receive_data(piece, application_data);
    result.fed += piece.size();
    const std::size_t heap = heap_in_use();
    result.peak_heap_growth =
        std::max(result.peak_heap_growth, heap > heap_before ? heap - heap_before : 0);
    if (!received) {
      result.error = received.error();
      break;
    }
  }
  result.state = session->state();
  return result;
}

/// How a session ends a flood: the code, the alert it sent (none: std::nullopt) and a fragment
/// of the message.
struct Outcome {
  Errc code;
  std::optional<Alert> alert;
  std::string_view fragment;
};
/// The outcome on each engine, in Backend order (openssl, gnutls, native). Engines differ where
/// their TLS library checks the flood before the core's limits do: each then reports the first
/// violation it sees. Input that is not a TLS peer's first record never reaches an engine: the
/// core refuses it alike on every engine (core/hello_inspection.hpp, refuse_peer_start).
using PerEngine = std::array<Outcome, 3>;

/// What the core says when its handshake input budget (limits::max_handshake_input) stops a
/// flood that no engine refused earlier.
constexpr Outcome handshake_budget{Errc::limit_exceeded, std::nullopt,
                                   "more than 256 KiB without completing the handshake"};

void expect_bounded_failure(const FloodResult& result, std::size_t max_fed,
                            const Outcome& expected) {
  ASSERT_TRUE(result.error) << "the flood was accepted (" << result.fed << " bytes)";
  EXPECT_EQ(result.error->code, expected.code) << result.error->to_string();
  EXPECT_EQ(result.error->alert_sent, expected.alert) << result.error->to_string();
  EXPECT_NE(result.error->message.find(expected.fragment), std::string::npos)
      << result.error->to_string();
  EXPECT_EQ(result.state, SessionState::invalidated);
  EXPECT_TRUE(result.closed) << "the close callback must run";
  EXPECT_LE(result.fed, max_fed) << result.error->to_string();
  EXPECT_LE(result.peak_heap_growth, memory_cap) << result.error->to_string();
}

/// A TLS record header: type, version, length.
constexpr std::size_t kHeaderBytes = 5;

/// The most a flood can feed before the handshake budget stops it.
constexpr std::size_t handshake_bound = limits::max_handshake_input + 2 * limits::max_record_size;

class LimitsTest : public ::testing::TestWithParam<Backend> {
 protected:
  [[nodiscard]] Outcome expected(const PerEngine& outcomes) const {
    return outcomes.at(static_cast<std::size_t>(GetParam()));
  }
};

TEST_P(LimitsTest, OneMebibyteClientHello) {
  const Bytes start = record(22, [] {
    Bytes body = handshake_header(1, 1024 * 1024);
    body.resize(16384, std::byte{0});
    return body;
  }());
  const Bytes more = record(22, Bytes(16384, std::byte{0}));
  auto result = flood(
      GetParam(), true, [&](std::size_t i) { return i == 0 ? start : more; }, 1100 * 1024);
  // The core refuses the announced length before any engine buffers the hello.
  expect_bounded_failure(result, handshake_bound,
                         {Errc::bad_tls_data, Alert::illegal_parameter,
                          "the peer's hello announces 1048576 bytes; a hello is at most 131396 "
                          "bytes"});
}

TEST_P(LimitsTest, HandshakeMessageThatNeverCompletesInTinyRecords) {
  // A ClientHello announcing 60000 bytes (within every engine's own message limit), sent one
  // byte per record, in pieces of 600 records.
  auto piece = [](std::size_t i) {
    Bytes out;
    if (i == 0) {
      for (auto b : handshake_header(1, 60000)) {
        const Bytes r = record(22, Bytes{b});
        out.insert(out.end(), r.begin(), r.end());
      }
    }
    const Bytes tiny = record(22, Bytes{std::byte{0x03}});
    for (int k = 0; k < 600; ++k) out.insert(out.end(), tiny.begin(), tiny.end());
    return out;
  };
  auto result = flood(GetParam(), true, piece, 600 * 1024);
  expect_bounded_failure(result, handshake_bound, handshake_budget);
}

TEST_P(LimitsTest, ServerHelloThatNeverCompletes) {
  // The client's view: a ServerHello that announces 60000 bytes and then trickles.
  const Bytes start = record(22, handshake_header(2, 60000));
  const Bytes more = record(22, Bytes(1000, std::byte{0x01}));
  auto result = flood(
      GetParam(), false, [&](std::size_t i) { return i == 0 ? start : more; }, 600 * 1024);
  // Each engine reads the hello's fields as they arrive and stops at the first it cannot take:
  // a length (OpenSSL, said by the alert it sends), the version (0x0101, GnuTLS), the
  // extensions block (native, which names the field).
  expect_bounded_failure(
      result, handshake_bound,
      expected({{{Errc::bad_tls_data, Alert::decode_error,
                  "the peer sent a malformed TLS message (decode_error alert sent)"},
                 {Errc::forbidden_by_policy, Alert::protocol_version,
                  "the peer offered no protocol version sanstls accepts"},
                 {Errc::bad_tls_data, Alert::decode_error,
                  "Extension.extension_data: truncated (decode_error alert sent)"}}}));
}

TEST_P(LimitsTest, EmptyHandshakeRecords) {
  Bytes piece;
  const Bytes empty = record(22, {});
  for (int k = 0; k < 1000; ++k) piece.insert(piece.end(), empty.begin(), empty.end());
  auto result = flood(
      GetParam(), true, [&](std::size_t) { return piece; }, 2 * 1024 * 1024);
  // RFC 8446 §5.1: the core refuses the first empty handshake record on every engine.
  expect_bounded_failure(result, piece.size(),
                         {Errc::bad_tls_data, Alert::decode_error,
                          "the peer sent an empty handshake record, which TLS forbids"});
}

TEST_P(LimitsTest, WarningAlertsDuringTheHandshake) {
  Bytes piece;
  const Bytes warning = record(21, bytes_of({1, 90}));  // warning user_canceled
  for (int k = 0; k < 1000; ++k) piece.insert(piece.end(), warning.begin(), warning.end());
  for (bool server : {true, false}) {
    auto result = flood(
        GetParam(), server, [&](std::size_t) { return piece; }, 2 * 1024 * 1024);
    // An OpenSSL server refuses an alert before the ClientHello; an OpenSSL client and GnuTLS
    // end at the first user_canceled (GnuTLS reports it as fatal, whatever its level); the
    // native engine accepts 8 and refuses the 9th as a flood (RFC 8446 §6.1 lets a peer send
    // user_canceled; sanstls bounds them before the handshake completes).
    // The OpenSSL client answers the alert with unexpected_message (libssl's own choice, before
    // sanstls sees the error); GnuTLS sends nothing back.
    const Outcome user_canceled{Errc::alert_received,
                                GetParam() == Backend::openssl
                                    ? std::optional<Alert>{Alert::unexpected_message}
                                    : std::nullopt,
                                "the peer sent a fatal user_canceled alert"};
    const Outcome unexpected{Errc::bad_tls_data, Alert::unexpected_message,
                             "the peer sent an unexpected TLS message (one not allowed at this "
                             "point) (unexpected_message alert sent)"};
    expect_bounded_failure(
        result, handshake_bound,
        expected({{server ? unexpected : user_canceled, user_canceled,
                   Outcome{Errc::bad_tls_data, Alert::unexpected_message,
                           "user_canceled alerts: more than 8 before the handshake completed (a "
                           "flood) (unexpected_message alert sent)"}}}));
  }
}

TEST_P(LimitsTest, NonClosureWarningAlertsDuringTheHandshake) {
  // Warning unrecognized_name: TLS 1.2 lets a peer go on after it (RFC 5246 §7.2.2), TLS 1.3
  // makes it an error (RFC 8446 §6). A thousand of them in one call end the session with an
  // error that says so, not with an engine that thinks it is stuck.
  Bytes piece;
  const Bytes warning = record(21, bytes_of({1, 112}));
  for (int k = 0; k < 1000; ++k) piece.insert(piece.end(), warning.begin(), warning.end());
  for (bool server : {true, false}) {
    auto result = flood(
        GetParam(), server, [&](std::size_t) { return piece; }, 2 * 1024 * 1024);
    // An OpenSSL server refuses an alert before the ClientHello; everywhere else the first
    // unrecognized_name ends the handshake.
    // As above, the OpenSSL client answers with unexpected_message.
    const Outcome unrecognized_name{Errc::alert_received,
                                    GetParam() == Backend::openssl
                                        ? std::optional<Alert>{Alert::unexpected_message}
                                        : std::nullopt,
                                    "the peer sent a fatal unrecognized_name alert"};
    expect_bounded_failure(
        result, handshake_bound,
        expected({{server ? Outcome{Errc::bad_tls_data, Alert::unexpected_message,
                                    "the peer sent an unexpected TLS message (one not allowed at "
                                    "this point) (unexpected_message alert sent)"}
                          : unrecognized_name,
                   unrecognized_name, unrecognized_name}}));
  }
}

TEST_P(LimitsTest, ChangeCipherSpecFlood) {
  Bytes piece;
  const Bytes ccs = record(20, bytes_of({1}));
  for (int k = 0; k < 1000; ++k) piece.insert(piece.end(), ccs.begin(), ccs.end());
  for (bool server : {true, false}) {
    auto result = flood(
        GetParam(), server, [&](std::size_t) { return piece; }, 2 * 1024 * 1024);
    // RFC 8446 §5: a ChangeCipherSpec as the first record is unexpected; the core refuses it
    // before any engine reads it, in either role. (The native engine's own bound on dummy
    // ChangeCipherSpecs after the hello is the conformance suite's.)
    expect_bounded_failure(result, piece.size(),
                           {Errc::bad_tls_data, Alert::unexpected_message,
                            "the peer sent change_cipher_spec before its hello; a TLS peer "
                            "starts with a handshake message"});
  }
}

TEST_P(LimitsTest, RecordLongerThanTlsAllows) {
  const Bytes header = bytes_of({22, 3, 3, 0xff, 0xff});
  const Bytes filler(4096, std::byte{0});
  auto result = flood(
      GetParam(), true, [&](std::size_t i) { return i == 0 ? header : filler; }, 256 * 1024);
  // RFC 8446 §5.1: the core refuses the header alike on every engine (record_overflow).
  expect_bounded_failure(result, header.size(),
                         {Errc::bad_tls_data, Alert::record_overflow,
                          "the peer sent a record of 65535 bytes; a TLS record holds at most "
                          "16384 bytes before encryption"});
}

TEST_P(LimitsTest, ByteAtATimeGarbageNeverGrowsTheSession) {
  auto result = flood(
      GetParam(), true,
      [](std::size_t i) { return Bytes{std::byte{static_cast<std::uint8_t>(i * 131U)}}; },
      64 * 1024);
  // The first byte is 0, not a content type: the core refuses the first five bytes as not TLS,
  // with no alert (the peer would not understand one), alike on every engine.
  expect_bounded_failure(result, kHeaderBytes,
                         {Errc::bad_tls_data, std::nullopt,
                          "the peer did not send TLS: its first bytes (00 83 06 89 0c) are not "
                          "a TLS record"});
}

TEST_P(LimitsTest, RealHandshakesAndLargeTransfersStayWithinTheLimits) {
  // The limits must not bite real traffic: 1 MiB each way in records of every size, with tiny
  // receive_data() calls.
  const TestPki& pki = TestPki::shared();
  ClientTLS client("localhost", ClientOptions{.trust = pki.trust_store(), .backend = GetParam()});
  ServerTLS server(pki.server(testing::KeyAlgorithm::rsa_4096),
                   ServerOptions{.backend = GetParam()});
  SessionPair pair(client, server);
  ASSERT_TRUE(pair.handshake([](std::size_t) { return std::size_t{3}; }))
      << pair.first_error()->to_string();
  Bytes data(1024 * 1024);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::byte{static_cast<std::uint8_t>(i)};
  for (std::size_t offset = 0, n = 1; offset < data.size(); offset += n, n = n * 3 % 40000 + 1) {
    const auto piece =
        std::span<const std::byte>(data).subspan(offset, std::min(n, data.size() - offset));
    ASSERT_TRUE(pair.client().session->write_data(piece));
    ASSERT_TRUE(pair.server().session->write_data(piece));
  }
  pair.pump();
  ASSERT_EQ(pair.first_error(), nullptr) << pair.first_error()->to_string();
  EXPECT_EQ(pair.server().received, data);
  EXPECT_EQ(pair.client().received, data);
}

INSTANTIATE_TEST_SUITE_P(Engines, LimitsTest, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string(backend_name(param_info.param));
                         });

TEST(RecordCounter, CountsRecordsOverAnySplit) {
  Bytes stream;
  for (std::size_t size : {0U, 1U, 5U, 300U, 16384U}) {
    const Bytes r = record(23, Bytes(size, std::byte{7}));
    stream.insert(stream.end(), r.begin(), r.end());
  }
  for (std::size_t chunk : {1U, 2U, 5U, 7U, 1000U, 100000U}) {
    limits::RecordCounter counter;
    std::size_t records = 0;
    for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
      records += counter.feed(std::span<const std::byte>(stream).subspan(
          offset, std::min(chunk, stream.size() - offset)));
    }
    EXPECT_EQ(records, 5U) << chunk;
    EXPECT_FALSE(counter.oversized());
  }
  limits::RecordCounter counter;
  (void)counter.feed(bytes_of({23, 3, 3, 0xff, 0xff}));
  EXPECT_TRUE(counter.oversized());

  // The first handshake message's announced length, over records of one byte.
  limits::RecordCounter hello;
  for (auto b : handshake_header(1, 0x123456)) {
    EXPECT_EQ(hello.first_message_length(), 0U);
    (void)hello.feed(record(22, Bytes{b}));
  }
  EXPECT_EQ(hello.first_message_length(), 0x123456U);
}

}  // namespace
}  // namespace sanstls::test
