// SPDX-License-Identifier: Apache-2.0 OR MIT
// The OpenSSL engine's per-configuration cache of decoded client sessions
// (openssl::Context::remember_session / take_session): a session comes back only for exactly
// the bytes it was kept for, once, and the cache stays bounded.

#include "backends/openssl/engine.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <vector>

namespace sanstls::openssl {
namespace {

Context::SessionPtr new_session() { return {SSL_SESSION_new(), SSL_SESSION_free}; }

std::vector<std::uint8_t> state_of(std::uint8_t tag, std::size_t size = 64) {
  std::vector<std::uint8_t> state(size, 0x5a);
  state[0] = tag;
  return state;
}

TEST(OpensslSessionCache, GivesBackOnlyTheSessionKeptForTheseExactBytesAndOnlyOnce) {
  const Context context;
  EXPECT_EQ(context.take_session(state_of(1)), nullptr);
  auto session = new_session();
  SSL_SESSION* kept = session.get();
  context.remember_session(state_of(1), std::move(session));
  EXPECT_EQ(context.take_session(state_of(2)), nullptr);      // other bytes
  EXPECT_EQ(context.take_session(state_of(1, 63)), nullptr);  // a prefix
  EXPECT_EQ(context.take_session(state_of(1, 65)), nullptr);  // longer
  const auto taken = context.take_session(state_of(1));
  EXPECT_EQ(taken.get(), kept);
  EXPECT_EQ(context.take_session(state_of(1)), nullptr);  // a ticket is offered once
}

TEST(OpensslSessionCache, StaysBoundedDroppingTheOldest) {
  const Context context;
  for (std::uint8_t tag = 0; tag < 20; ++tag) {
    context.remember_session(state_of(tag), new_session());
  }
  EXPECT_EQ(context.take_session(state_of(0)), nullptr);
  EXPECT_EQ(context.take_session(state_of(11)), nullptr);
  for (std::uint8_t tag = 12; tag < 20; ++tag) {
    EXPECT_NE(context.take_session(state_of(tag)), nullptr) << int{tag};
  }
}

}  // namespace
}  // namespace sanstls::openssl
