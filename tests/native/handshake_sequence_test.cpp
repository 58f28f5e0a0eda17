// SPDX-License-Identifier: Apache-2.0 OR MIT
// The constexpr TLS 1.3 sequence table, checked against the RFC 8448 traces: the handshake
// messages each section shows, in order, are exactly the table's row for that kind.

#include "native/handshake_sequence.hpp"

#include "native/msgs/handshake.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>

namespace sanstls::native {
namespace {

using testing::Rfc8448;

std::vector<std::pair<Sender, HandshakeType>> table_handshake(const HandshakeFlags& f) {
  std::array<SequenceStep, tls13_full_sequence.size()> steps{};
  const std::size_t n = sequence_for(f, steps);
  std::vector<std::pair<Sender, HandshakeType>> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (steps[i].content == ContentType::handshake &&
        steps[i].message != HandshakeType::new_session_ticket) {
      out.emplace_back(steps[i].sender, steps[i].message);
    }
  }
  return out;
}

std::vector<std::pair<Sender, HandshakeType>> trace_handshake(int section) {
  std::vector<std::pair<Sender, HandshakeType>> out;
  for (const auto* step : Rfc8448::get().section(section)) {
    if (!step->starts_with("send handshake record")) continue;
    const auto& payload = *step->get("payload");
    wire::Reader r(payload);
    while (!r.empty()) {
      auto type = r.u8("type");
      auto body = r.vec24("body");
      if (!type || !body) return {};
      if (*type == static_cast<std::uint8_t>(HandshakeType::new_session_ticket)) continue;
      out.emplace_back(step->actor == "client" ? Sender::client : Sender::server,
                       static_cast<HandshakeType>(*type));
    }
  }
  return out;
}

TEST(rfc8448_sequence_table, matches_every_trace) {
  EXPECT_EQ(table_handshake({}), trace_handshake(3));
  EXPECT_EQ(table_handshake({.psk = true, .early_data = true}), trace_handshake(4));
  EXPECT_EQ(table_handshake({.hello_retry = true}), trace_handshake(5));
  EXPECT_EQ(table_handshake({.client_auth = true}), trace_handshake(6));
  EXPECT_EQ(table_handshake({.middlebox_compat = true}), trace_handshake(7));
}

TEST(native_sequence_table, compat_sends_one_ccs_per_side) {
  std::array<SequenceStep, tls13_full_sequence.size()> steps{};
  const std::size_t n = sequence_for({.hello_retry = true, .middlebox_compat = true}, steps);
  int client = 0;
  int server = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (steps[i].content == ContentType::change_cipher_spec) {
      (steps[i].sender == Sender::client ? client : server)++;
    }
  }
  EXPECT_EQ(client, 1);
  EXPECT_EQ(server, 1);
  static_assert(tls13_full_sequence.front().step.message == HandshakeType::client_hello);
}

}  // namespace
}  // namespace sanstls::native
