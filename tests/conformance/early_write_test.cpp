// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: write_data() right after start() (the proposal's callback style). The data is
// queued, bounded, and sent once the handshake completed, on every engine pair.

#include "conformance/conformance.hpp"

#include <string>

namespace sanstls::test {
namespace {

using EarlyWriteTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(EarlyWriteTest);

TEST_P(EarlyWriteTest, DataWrittenBeforeTheHandshakeArrivesAfterIt) {
  SessionPair pair(default_client(), default_server());
  const std::size_t client_hello = pair.client().outbox.size();
  ASSERT_TRUE(pair.client().session->write_data("GET / HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(pair.server().session->write_data("server speaks first"));
  EXPECT_EQ(pair.client().outbox.size(), client_hello) << "nothing sent before the handshake";
  EXPECT_TRUE(pair.server().outbox.empty());
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  EXPECT_EQ(pair.server().received_text(), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(pair.client().received_text(), "server speaks first");
  // Later writes follow the queued data in order.
  ASSERT_TRUE(pair.client().session->write_data(" and more"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "GET / HTTP/1.0\r\n\r\n and more");
}

TEST_P(EarlyWriteTest, TheQueueIsBounded) {
  SessionPair pair(default_client(), default_server());
  const std::string half(32 * 1024, 'a');
  ASSERT_TRUE(pair.client().session->write_data(half));
  ASSERT_TRUE(pair.client().session->write_data(half));  // exactly 64 KiB
  EXPECT_SANSTLS_ERROR(pair.client().session->write_data("x"), Errc::limit_exceeded,
                       "at most 64 KiB");
  // Not fatal: the handshake completes and the queued 64 KiB arrive.
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  EXPECT_EQ(pair.server().received.size(), 64U * 1024U);
  ASSERT_TRUE(pair.client().session->write_data("x"));
}

TEST_P(EarlyWriteTest, AFailedHandshakeDropsTheQueue) {
  SessionPair pair(client(client_options(), "wrong.example"), default_server());
  ASSERT_TRUE(pair.client().session->write_data("secret"));
  EXPECT_FALSE(pair.handshake());
  EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
  EXPECT_TRUE(pair.server().received.empty());
}

}  // namespace
}  // namespace sanstls::test
