// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine's resumption formats (src/native/handshake/session_ticket.hpp): the sealed
// server ticket and the client's stored session. Round trips, every truncation, trailing bytes,
// unknown formats, wrong key, tampered bytes.

#include "native/handshake/session_ticket.hpp"

#include "native/crypto/libcrypto_provider.hpp"

#include <gtest/gtest.h>

namespace sanstls::native::handshake {
namespace {

using ByteVec = std::vector<std::uint8_t>;

std::unique_ptr<crypto::LibcryptoProvider> make_provider() {
  auto p = crypto::LibcryptoProvider::create();
  EXPECT_TRUE(p);
  return std::move(*p);
}

TicketContents sample_contents() {
  TicketContents t;
  t.suite = CipherSuite::tls_aes_256_gcm_sha384;
  t.psk = SecretBytes(ByteVec(48, 0x42));
  t.ticket_age_add = 0x01020304;
  t.issued_ms = 1700000000123;
  t.max_early_data = 16384;
  t.alpn = "h2";
  t.context = {9, 8, 7, 6};
  return t;
}

TicketSealingKey sample_key(std::uint8_t name_byte = 0x11) {
  TicketSealingKey key;
  key.name.fill(name_byte);
  key.key = SecretBytes(ByteVec(32, 0x22));
  return key;
}

const std::array<std::uint8_t, 12> nonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

void expect_same(const TicketContents& a, const TicketContents& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.suite, b.suite);
  EXPECT_TRUE(std::equal(a.psk.span().begin(), a.psk.span().end(), b.psk.span().begin(),
                         b.psk.span().end()));
  EXPECT_EQ(a.ticket_age_add, b.ticket_age_add);
  EXPECT_EQ(a.issued_ms, b.issued_ms);
  EXPECT_EQ(a.max_early_data, b.max_early_data);
  EXPECT_EQ(a.alpn, b.alpn);
  EXPECT_EQ(a.context, b.context);
}

TEST(session_ticket, seal_and_open_round_trip) {
  auto p = make_provider();
  const auto key = sample_key();
  auto ticket = seal_ticket(*p, key, nonce, sample_contents());
  ASSERT_TRUE(ticket) << ticket.error().to_string();
  // name (16) || nonce (12) || ciphertext || tag (16)
  EXPECT_TRUE(std::equal(key.name.begin(), key.name.end(), ticket->begin()));
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), ticket->begin() + 16));
  auto name = ticket_key_name(*ticket);
  ASSERT_TRUE(name);
  EXPECT_TRUE(std::equal(name->begin(), name->end(), key.name.begin(), key.name.end()));
  auto opened = open_ticket(*p, key, *ticket);
  ASSERT_TRUE(opened) << opened.error().to_string();
  expect_same(*opened, sample_contents());
  // The PSK is not in the clear.
  const ByteVec psk(48, 0x42);
  EXPECT_EQ(std::search(ticket->begin(), ticket->end(), psk.begin(), psk.end()), ticket->end());
}

TEST(session_ticket, wrong_key_name_or_key_is_refused) {
  auto p = make_provider();
  auto ticket = seal_ticket(*p, sample_key(), nonce, sample_contents());
  ASSERT_TRUE(ticket);
  EXPECT_FALSE(open_ticket(*p, sample_key(0x12), *ticket));
  auto other = sample_key();
  other.key = SecretBytes(ByteVec(32, 0x23));
  EXPECT_FALSE(open_ticket(*p, other, *ticket));
}

TEST(session_ticket, every_tampered_byte_is_refused) {
  auto p = make_provider();
  auto ticket = seal_ticket(*p, sample_key(), nonce, sample_contents());
  ASSERT_TRUE(ticket);
  for (std::size_t i = 0; i < ticket->size(); ++i) {
    auto copy = *ticket;
    copy[i] ^= 0x01U;
    EXPECT_FALSE(open_ticket(*p, sample_key(), copy)) << "byte " << i;
  }
}

TEST(session_ticket, every_truncation_is_refused) {
  auto p = make_provider();
  auto ticket = seal_ticket(*p, sample_key(), nonce, sample_contents());
  ASSERT_TRUE(ticket);
  for (std::size_t n = 0; n < ticket->size(); ++n) {
    const ByteVec cut(ticket->begin(), ticket->begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(open_ticket(*p, sample_key(), cut)) << "length " << n;
  }
  EXPECT_FALSE(ticket_key_name(ByteVec(ticket_overhead - 1, 0)));
}

TEST(session_ticket, plaintext_round_trip_truncation_and_trailing_bytes) {
  const auto plain = sample_contents().encode();
  ASSERT_TRUE(plain);
  const ByteVec bytes(plain->span().begin(), plain->span().end());
  auto parsed = TicketContents::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  expect_same(*parsed, sample_contents());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const ByteVec cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(TicketContents::parse(cut)) << "length " << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(TicketContents::parse(longer));
}

TEST(session_ticket, plaintext_with_unknown_format_version_or_suite_is_refused) {
  const auto plain = sample_contents().encode();
  ASSERT_TRUE(plain);
  const ByteVec bytes(plain->span().begin(), plain->span().end());
  auto format = bytes;
  format[0] = 1;  // the format before version tags and flags
  EXPECT_FALSE(TicketContents::parse(format));
  auto version = bytes;
  version[2] = 0x03;  // 0x0303 with a TLS 1.3 suite
  EXPECT_FALSE(TicketContents::parse(version));
  version[2] = 0x02;  // 0x0302: neither TLS 1.3 nor TLS 1.2
  EXPECT_FALSE(TicketContents::parse(version));
  auto suite = bytes;
  suite[3] = 0xc0;  // 0xc002: not TLS 1.3
  EXPECT_FALSE(TicketContents::parse(suite));
  // A PSK whose length is not the suite's hash length.
  auto t = sample_contents();
  t.psk = SecretBytes(ByteVec(32, 0x42));  // SHA-384 suite, 32 bytes
  const auto wrong = t.encode();
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(TicketContents::parse(wrong->span()));
}

TicketContents sample_contents12() {
  TicketContents t;
  t.version = tls12_version;
  t.suite = CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
  t.psk = SecretBytes(ByteVec(48, 0x5a));  // a master secret (RFC 5246 §8.1)
  t.extended_master_secret = true;
  t.issued_ms = 1700000000123;
  t.alpn = "h2";
  t.context = {1, 2, 3};
  return t;
}

TEST(session_ticket, tls12_ticket_round_trip_and_never_opened_as_tls13) {
  auto p = make_provider();
  const auto key = sample_key();
  auto ticket = seal_ticket(*p, key, nonce, sample_contents12());
  ASSERT_TRUE(ticket) << ticket.error().to_string();
  auto opened = open_ticket(*p, key, *ticket, tls12_version);
  ASSERT_TRUE(opened) << opened.error().to_string();
  expect_same(*opened, sample_contents12());
  EXPECT_TRUE(opened->extended_master_secret);
  // The version tag keeps the two apart, both ways.
  EXPECT_FALSE(open_ticket(*p, key, *ticket, tls13_version));
  EXPECT_FALSE(open_ticket(*p, key, *ticket));
  auto ticket13 = seal_ticket(*p, key, nonce, sample_contents());
  ASSERT_TRUE(ticket13);
  EXPECT_FALSE(open_ticket(*p, key, *ticket13, tls12_version));
  EXPECT_TRUE(open_ticket(*p, key, *ticket13, tls13_version));
}

TEST(session_ticket, tls12_plaintext_with_wrong_secret_suite_or_flags_is_refused) {
  const auto plain = sample_contents12().encode();
  ASSERT_TRUE(plain);
  const ByteVec bytes(plain->span().begin(), plain->span().end());
  ASSERT_TRUE(TicketContents::parse(bytes));
  // A master secret is 48 bytes whatever the suite's hash.
  auto t = sample_contents12();
  t.psk = SecretBytes(ByteVec(32, 0x5a));
  const auto short_secret = t.encode();
  ASSERT_TRUE(short_secret);
  EXPECT_FALSE(TicketContents::parse(short_secret->span()));
  // A TLS 1.3 suite under the TLS 1.2 tag.
  auto suite = bytes;
  suite[3] = 0x13;
  suite[4] = 0x01;
  EXPECT_FALSE(TicketContents::parse(suite));
  // Flags: format (1) version (2) suite (2) secret (1 + 48), then the flags byte.
  const std::size_t flags_at = 1 + 2 + 2 + 1 + 48;
  ASSERT_EQ(bytes.at(flags_at), 1);
  auto flags = bytes;
  flags[flags_at] = 3;  // an unknown bit
  EXPECT_FALSE(TicketContents::parse(flags));
  // TLS 1.3 tickets carry no flags.
  auto t13 = sample_contents();
  t13.extended_master_secret = true;
  const auto flagged = t13.encode();
  ASSERT_TRUE(flagged);
  EXPECT_FALSE(TicketContents::parse(flagged->span()));
}

TEST(client_session_state, tls12_round_trip) {
  ClientSessionState s;
  s.version = tls12_version;
  s.suite = CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256;
  s.psk = SecretBytes(ByteVec(48, 0x66));
  s.extended_master_secret = true;
  s.ticket = ByteVec(80, 0x77);
  s.received_ms = 1700000000000;
  s.lifetime_seconds = 3600;
  s.alpn = "h2";
  const auto encoded = s.encode();
  ASSERT_TRUE(encoded);
  auto parsed = ClientSessionState::parse(encoded->span());
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->version, tls12_version);
  EXPECT_EQ(parsed->suite, s.suite);
  EXPECT_TRUE(parsed->extended_master_secret);
  EXPECT_EQ(parsed->psk.size(), 48U);
  EXPECT_EQ(parsed->ticket, s.ticket);
  // A TLS 1.3 suite with the TLS 1.2 tag is refused.
  s.suite = CipherSuite::tls_aes_128_gcm_sha256;
  const auto wrong = s.encode();
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(ClientSessionState::parse(wrong->span()));
}

ClientSessionState sample_session() {
  ClientSessionState s;
  s.suite = CipherSuite::tls_aes_128_gcm_sha256;
  s.psk = SecretBytes(ByteVec(32, 0x33));
  s.ticket = ByteVec(100, 0x44);
  s.ticket_age_add = 77;
  s.received_ms = 1700000000000;
  s.lifetime_seconds = 7200;
  s.max_early_data = 1000;
  s.alpn = "http/1.1";
  return s;
}

TEST(client_session_state, round_trip_truncation_trailing_bytes_and_format) {
  const auto encoded = sample_session().encode();
  ASSERT_TRUE(encoded);
  const ByteVec bytes(encoded->span().begin(), encoded->span().end());
  auto parsed = ClientSessionState::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const auto expected = sample_session();
  EXPECT_EQ(parsed->suite, expected.suite);
  EXPECT_EQ(ByteVec(parsed->psk.span().begin(), parsed->psk.span().end()), ByteVec(32, 0x33));
  EXPECT_EQ(parsed->ticket, expected.ticket);
  EXPECT_EQ(parsed->ticket_age_add, expected.ticket_age_add);
  EXPECT_EQ(parsed->received_ms, expected.received_ms);
  EXPECT_EQ(parsed->lifetime_seconds, expected.lifetime_seconds);
  EXPECT_EQ(parsed->max_early_data, expected.max_early_data);
  EXPECT_EQ(parsed->alpn, expected.alpn);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const ByteVec cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(ClientSessionState::parse(cut)) << "length " << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(ClientSessionState::parse(longer));
  auto format = bytes;
  format[0] = 9;
  EXPECT_FALSE(ClientSessionState::parse(format));
  auto empty_ticket = sample_session();
  empty_ticket.ticket.clear();
  const auto e = empty_ticket.encode();
  ASSERT_TRUE(e);
  EXPECT_FALSE(ClientSessionState::parse(e->span()));  // RFC 8446 §4.6.1: ticket<1..2^16-1>
}

}  // namespace
}  // namespace sanstls::native::handshake
