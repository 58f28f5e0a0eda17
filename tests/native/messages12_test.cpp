// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.2 message codec: every message round-trips byte for byte, every truncation and
// trailing byte is refused, and each bound of RFC 5246 / RFC 8422 / RFC 5077 is enforced.

#include "native/msgs/messages12.hpp"

#include "native/msgs/extensions12.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sanstls::native::msgs {
namespace {

ByteVec body_of(const ByteVec& message) { return ByteVec(message.begin() + 4, message.end()); }

/// Encodes `m`, parses the body back through parse_message12, re-encodes: identical bytes; then
/// every strict prefix of the body and the body plus one byte are refused with decode_error.
template <class T>
void check_codec(const T& m, bool empty_body_ok = false) {
  auto bytes = m.encode();
  ASSERT_TRUE(bytes);
  auto view = parse_handshake(*bytes);
  ASSERT_TRUE(view);
  auto parsed = parse_message12(*view);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_TRUE(std::holds_alternative<T>(*parsed));
  auto again = encode_message12(*parsed);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *bytes);
  const ByteVec body = body_of(*bytes);
  for (std::size_t n = 0; n < body.size(); ++n) {
    if (n == 0 && empty_body_ok) continue;
    auto r = T::parse(Bytes(body).first(n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(r.error().alert, Alert::decode_error);
  }
  ByteVec longer = body;
  longer.push_back(0);
  auto r = T::parse(longer);
  ASSERT_FALSE(r) << "trailing byte accepted";
  EXPECT_EQ(r.error().alert, Alert::decode_error);
}

ServerKeyExchange12 sample_ske() {
  ServerKeyExchange12 ske;
  ske.group = NamedGroup::x25519;
  ske.point = ByteVec(32, 0x42);
  ske.algorithm = SignatureScheme::ecdsa_secp256r1_sha256;
  ske.signature = ByteVec(71, 0x30);
  return ske;
}

TEST(native_messages12, server_key_exchange_round_trip) { check_codec(sample_ske()); }

TEST(native_messages12, server_key_exchange_wire_layout) {
  auto bytes = sample_ske().encode();
  ASSERT_TRUE(bytes);
  // type 12, length, curve_type 3, x25519 (0x001d), point length 32.
  EXPECT_EQ(ByteVec(bytes->begin(), bytes->begin() + 8),
            (ByteVec{12, 0x00, 0x00, 0x6f, 0x03, 0x00, 0x1d, 0x20}));
  auto params = sample_ske().params();
  ASSERT_TRUE(params);
  EXPECT_EQ(params->size(), 4U + 32U);
  std::array<std::uint8_t, 32> cr{};
  std::array<std::uint8_t, 32> sr{};
  cr.fill(1);
  sr.fill(2);
  auto content = sample_ske().signed_content(cr, sr);
  ASSERT_TRUE(content);
  ASSERT_EQ(content->size(), 64U + params->size());
  EXPECT_EQ((*content)[0], 1);
  EXPECT_EQ((*content)[32], 2);
  EXPECT_EQ(ByteVec(content->begin() + 64, content->end()), *params);
}

TEST(native_messages12, server_key_exchange_explicit_curves_are_refused) {
  auto bytes = sample_ske().encode();
  ASSERT_TRUE(bytes);
  ByteVec body = body_of(*bytes);
  for (const int type : {0, 1, 2, 4, 255}) {
    body[0] = static_cast<std::uint8_t>(type);
    auto r = ServerKeyExchange12::parse(body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().alert, Alert::illegal_parameter);
  }
}

TEST(native_messages12, server_key_exchange_empty_point_is_refused) {
  ServerKeyExchange12 ske = sample_ske();
  ske.point.clear();
  auto bytes = ske.encode();
  ASSERT_TRUE(bytes);
  auto r = ServerKeyExchange12::parse(body_of(*bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::decode_error);
  EXPECT_EQ(r.error().field, "ECPoint.point");
}

TEST(native_messages12, client_key_exchange) {
  check_codec(ClientKeyExchange12{ByteVec(65, 0x04)});
  // RFC 8422 §5.7: point<1..2^8-1>: empty is refused.
  auto r = ClientKeyExchange12::parse(ByteVec{0x00});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::decode_error);
}

TEST(native_messages12, server_hello_done_and_hello_request_are_empty) {
  check_codec(ServerHelloDone{}, true);
  check_codec(HelloRequest{}, true);
  EXPECT_FALSE(ServerHelloDone::parse(ByteVec{0}));
  EXPECT_FALSE(HelloRequest::parse(ByteVec{0}));
  auto done = ServerHelloDone{}.encode();
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, (ByteVec{14, 0, 0, 0}));
}

TEST(native_messages12, certificate_request) {
  CertificateRequest12 cr;
  cr.certificate_types = {static_cast<std::uint8_t>(ClientCertificateType::ecdsa_sign),
                          static_cast<std::uint8_t>(ClientCertificateType::rsa_sign)};
  cr.supported_signature_algorithms = {SignatureScheme::ecdsa_secp256r1_sha256,
                                       SignatureScheme::rsa_pss_rsae_sha256};
  cr.certificate_authorities = {ByteVec{0x30, 0x00}, ByteVec(100, 0x31)};
  check_codec(cr);
  cr.certificate_authorities.clear();
  check_codec(cr);
}

TEST(native_messages12, certificate_request_bounds) {
  // certificate_types<1..2^8-1>: empty refused.
  EXPECT_FALSE(CertificateRequest12::parse(ByteVec{0x00, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00}));
  // supported_signature_algorithms<2..2^16-2>: empty and odd lengths refused.
  EXPECT_FALSE(CertificateRequest12::parse(ByteVec{0x01, 0x40, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(
      CertificateRequest12::parse(ByteVec{0x01, 0x40, 0x00, 0x03, 0x04, 0x03, 0x05, 0x00, 0x00}));
  // DistinguishedName<1..2^16-1>: an empty name refused.
  EXPECT_FALSE(CertificateRequest12::parse(
      ByteVec{0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x02, 0x00, 0x00}));
  auto ok = CertificateRequest12::parse(ByteVec{0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->supported_signature_algorithms.at(0), SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST(native_messages12, certificate) {
  check_codec(Certificate12{{ByteVec(300, 0x30), ByteVec(5, 0x31)}});
  check_codec(Certificate12{});
  // ASN.1Cert<1..2^24-1>: an empty certificate refused.
  auto r = Certificate12::parse(ByteVec{0x00, 0x00, 0x03, 0x00, 0x00, 0x00});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ASN.1Cert");
  // A TLS 1.3 Certificate (context byte first) does not parse as a TLS 1.2 one.
  EXPECT_FALSE(Certificate12::parse(ByteVec{0x00, 0x00, 0x00, 0x00}));
}

TEST(native_messages12, finished_is_exactly_12_bytes) {
  Finished12 f;
  for (std::size_t i = 0; i < f.verify_data.size(); ++i) {
    f.verify_data[i] = static_cast<std::uint8_t>(i);
  }
  check_codec(f);
  EXPECT_FALSE(Finished12::parse(ByteVec(32, 0)));  // a TLS 1.3-sized Finished
}

TEST(native_messages12, new_session_ticket) {
  check_codec(NewSessionTicket12{7200, ByteVec(160, 0x55)});
  // RFC 5077 §3.3: a zero-length ticket is allowed.
  check_codec(NewSessionTicket12{0, {}});
  // A TLS 1.3 NewSessionTicket does not parse as a TLS 1.2 one.
  EXPECT_FALSE(NewSessionTicket12::parse(ByteVec{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0x55, 0, 0}));
}

TEST(native_messages12, tls13_only_messages_are_unexpected) {
  for (auto type : {HandshakeType::encrypted_extensions, HandshakeType::key_update,
                    HandshakeType::end_of_early_data, HandshakeType::message_hash}) {
    const ByteVec m{static_cast<std::uint8_t>(type), 0, 0, 0};
    auto view = parse_handshake(m);
    ASSERT_TRUE(view);
    auto r = parse_message12(*view);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().alert, Alert::unexpected_message);
  }
}

TEST(native_messages12, hello_extensions) {
  auto reneg = renegotiation_info_extension();
  ASSERT_TRUE(reneg);
  const auto* raw = std::get_if<RawExtension>(&reneg->body);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->data, ByteVec{0x00});
  auto parsed = parse_renegotiation_info(raw->data);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->empty());
  EXPECT_FALSE(parse_renegotiation_info(ByteVec{}));
  EXPECT_FALSE(parse_renegotiation_info(ByteVec{0x00, 0x00}));
  EXPECT_FALSE(parse_renegotiation_info(ByteVec{0x02, 0x00}));

  EXPECT_TRUE(parse_extended_master_secret(ByteVec{}));
  EXPECT_FALSE(parse_extended_master_secret(ByteVec{0x00}));

  const auto pf = ec_point_formats_extension();
  const auto* pf_raw = std::get_if<RawExtension>(&pf.body);
  ASSERT_NE(pf_raw, nullptr);
  EXPECT_EQ(pf_raw->data, (ByteVec{0x01, 0x00}));
  EXPECT_TRUE(parse_ec_point_formats(pf_raw->data));
  EXPECT_FALSE(parse_ec_point_formats(ByteVec{0x00}));
  EXPECT_FALSE(parse_ec_point_formats(ByteVec{0x02, 0x00}));
}

TEST(native_messages12, tls12_server_hello_with_its_extensions_round_trips) {
  ServerHello sh;
  sh.random.fill(7);
  sh.legacy_session_id_echo = ByteVec(32, 1);
  sh.cipher_suite = CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256;
  auto reneg = renegotiation_info_extension();
  ASSERT_TRUE(reneg);
  sh.extensions.list().push_back(*reneg);
  sh.extensions.list().push_back(extended_master_secret_extension());
  sh.extensions.list().push_back(ec_point_formats_extension());
  auto bytes = sh.encode();
  ASSERT_TRUE(bytes);
  auto parsed = ServerHello::parse(body_of(*bytes));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_FALSE(parsed->is_tls13());
  EXPECT_NE(raw_extension(parsed->extensions, ExtensionType::extended_master_secret), nullptr);
  EXPECT_NE(raw_extension(parsed->extensions, ExtensionType::renegotiation_info), nullptr);
  EXPECT_NE(raw_extension(parsed->extensions, ExtensionType::ec_point_formats), nullptr);
  auto again = parsed->encode();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *bytes);
}

}  // namespace
}  // namespace sanstls::native::msgs
