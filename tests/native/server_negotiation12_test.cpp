// SPDX-License-Identifier: Apache-2.0 OR MIT
// The server's version negotiation (one place: negotiate_version) and the TLS 1.2 ClientHello
// negotiation (server_negotiation12): each MUST with its alert and Refusal tag.

#include "native/handshake/server_negotiation12.hpp"

#include "native/handshake/server_negotiation.hpp"
#include "native/msgs/client_hello.hpp"
#include "native/msgs/extensions12.hpp"

#include <gtest/gtest.h>

namespace sanstls::native::handshake::server {
namespace {

using msgs::Extension;

/// A valid TLS 1.2 ClientHello (no supported_versions), EMS and renegotiation_info included.
msgs::ClientHello tls12_hello() {
  msgs::ClientHello ch;
  ch.legacy_version = tls12_version;
  ch.random.fill(7);
  ch.cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                      CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256};
  std::vector<Extension> list;
  list.push_back({ExtensionType::supported_groups,
                  msgs::NamedGroupList{{NamedGroup::secp256r1, NamedGroup::x25519}}});
  list.push_back({ExtensionType::signature_algorithms,
                  msgs::SignatureSchemeList{{SignatureScheme::ecdsa_secp256r1_sha256,
                                             SignatureScheme::rsa_pss_rsae_sha256,
                                             SignatureScheme::rsa_pkcs1_sha256}}});
  list.push_back(msgs::extended_master_secret_extension());
  list.push_back(*msgs::renegotiation_info_extension());
  list.push_back(msgs::ec_point_formats_extension());
  ch.extensions = msgs::Extensions(std::move(list));
  return ch;
}

void set(msgs::ClientHello& ch, Extension e) {
  std::vector<Extension> list;
  for (const auto& old : ch.extensions.list()) {
    if (old.type != e.type) list.push_back(old);
  }
  list.push_back(std::move(e));
  ch.extensions = msgs::Extensions(std::move(list));
}

void remove(msgs::ClientHello& ch, ExtensionType type) {
  std::vector<Extension> list;
  for (const auto& old : ch.extensions.list()) {
    if (old.type != type) list.push_back(old);
  }
  ch.extensions = msgs::Extensions(std::move(list));
}

struct Fixture {
  ServerParameters params;
  ServerHandshakeEnvironment env;
  ServerSessionInfo info;
  Context ctx{params, env, info};
  Fixture() {
    params.tls12 = true;
    params.tls13 = true;
  }
};

class FakeKey final : public crypto::SigningKey {
 public:
  explicit FakeKey(std::vector<SignatureScheme> schemes) : schemes_(std::move(schemes)) {}
  [[nodiscard]] bool supports(SignatureScheme scheme) const override {
    return std::find(schemes_.begin(), schemes_.end(), scheme) != schemes_.end();
  }
  Result<std::vector<std::uint8_t>> sign(SignatureScheme, Bytes) const override {
    return std::vector<std::uint8_t>{};
  }

 private:
  std::vector<SignatureScheme> schemes_;
};

TEST(server_negotiate_version, supported_versions_decides) {
  Fixture f;
  auto ch = tls12_hello();
  set(ch, {ExtensionType::supported_versions, msgs::SupportedVersionsList{{0x0304, 0x0303}}});
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls13);
  set(ch, {ExtensionType::supported_versions, msgs::SupportedVersionsList{{0x0303}}});
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls12);
  // RFC 8446 §4.2.1: with the extension, legacy_version plays no part.
  ch.legacy_version = 0x0304;
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls12);
  set(ch, {ExtensionType::supported_versions, msgs::SupportedVersionsList{{0x0302, 0x0301}}});
  auto old = negotiate_version(ch, f.params);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().alert, Alert::protocol_version);
  EXPECT_EQ(old.error().refusal, wire::Refusal::forbidden_versions);
}

TEST(server_negotiate_version, without_supported_versions_legacy_version_is_the_highest) {
  Fixture f;
  auto ch = tls12_hello();
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls12);
  // RFC 8446 §4.2.1: "even if ClientHello.legacy_version is 0x0304 or later".
  ch.legacy_version = 0x0304;
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls12);
  for (const std::uint16_t v :
       {std::uint16_t{0x0302}, std::uint16_t{0x0301}, std::uint16_t{0x0300}}) {
    ch.legacy_version = v;
    auto refused = negotiate_version(ch, f.params);
    ASSERT_FALSE(refused) << v;
    EXPECT_EQ(refused.error().alert, Alert::protocol_version);
    EXPECT_EQ(refused.error().refusal, wire::Refusal::forbidden_versions);
  }
}

TEST(server_negotiate_version, tls12_only_when_the_policy_allows_it) {
  Fixture f;
  f.params.tls12 = false;
  auto refused = negotiate_version(tls12_hello(), f.params);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::protocol_version);
  EXPECT_EQ(refused.error().refusal, wire::Refusal::tls12_only_peer);
  // A server limited to TLS 1.2 refuses a TLS 1.3-only client.
  f.params.tls12 = true;
  f.params.tls13 = false;
  auto ch = tls12_hello();
  set(ch, {ExtensionType::supported_versions, msgs::SupportedVersionsList{{0x0304}}});
  auto tls13_only = negotiate_version(ch, f.params);
  ASSERT_FALSE(tls13_only);
  EXPECT_EQ(tls13_only.error().alert, Alert::protocol_version);
}

TEST(server_negotiate_version, fallback_scsv_below_our_version) {
  // RFC 7507 §3: inappropriate_fallback when we could have given more.
  Fixture f;
  auto ch = tls12_hello();
  ch.cipher_suites.push_back(static_cast<CipherSuite>(fallback_scsv));
  auto refused = negotiate_version(ch, f.params);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::inappropriate_fallback);
  f.params.tls13 = false;  // a TLS 1.2-only server has nothing more to give
  EXPECT_EQ(*negotiate_version(ch, f.params), VersionChoice::tls12);
}

TEST(server_downgrade_sentinel, set_by_a_tls13_capable_server_only) {
  Fixture f;
  std::array<std::uint8_t, 32> random{};
  random.fill(0xaa);
  apply_downgrade_sentinel(random, f.params);
  EXPECT_EQ(std::vector<std::uint8_t>(random.begin() + 24, random.end()),
            (std::vector<std::uint8_t>{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01}));
  EXPECT_EQ(random[23], 0xaa);
  std::array<std::uint8_t, 32> untouched{};
  untouched.fill(0xaa);
  f.params.tls13 = false;
  apply_downgrade_sentinel(untouched, f.params);
  EXPECT_EQ(untouched[31], 0xaa);
}

TEST(server_negotiate12, valid_hello) {
  Fixture f;
  auto n = negotiate12(tls12_hello(), f.ctx);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_TRUE(n->secure_renegotiation);
  EXPECT_EQ(n->group, NamedGroup::x25519);  // our preference among the client's
  EXPECT_EQ(n->candidate_suites,
            (std::vector<CipherSuite>{CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                                      CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256}));
}

TEST(server_negotiate12, extended_master_secret_required) {
  Fixture f;
  auto ch = tls12_hello();
  remove(ch, ExtensionType::extended_master_secret);
  auto refused = negotiate12(ch, f.ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::handshake_failure);
  EXPECT_EQ(refused.error().refusal, wire::Refusal::missing_extended_master_secret);
  // RFC 7627 §5.1: the extension_data SHALL be empty.
  set(ch, {ExtensionType::extended_master_secret, msgs::RawExtension{{0}}});
  EXPECT_FALSE(negotiate12(ch, f.ctx));
}

TEST(server_negotiate12, renegotiation_info) {
  Fixture f;
  auto ch = tls12_hello();
  remove(ch, ExtensionType::renegotiation_info);
  auto without = negotiate12(ch, f.ctx);
  ASSERT_TRUE(without) << "RFC 5746 §4.4: a client without it is accepted";
  EXPECT_FALSE(without->secure_renegotiation);
  ch.cipher_suites.push_back(static_cast<CipherSuite>(empty_renegotiation_info_scsv));
  EXPECT_TRUE(negotiate12(ch, f.ctx)->secure_renegotiation);
  // RFC 5746 §3.6: a non-empty renegotiated_connection in an initial handshake.
  set(ch, *msgs::renegotiation_info_extension(ByteVec(12, 1)));
  auto refused = negotiate12(ch, f.ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::handshake_failure);
}

TEST(server_negotiate12, suites_signatures_groups_point_formats) {
  Fixture f;
  auto cbc = tls12_hello();
  cbc.cipher_suites = {static_cast<CipherSuite>(0xc013), static_cast<CipherSuite>(0x009c)};
  auto refused = negotiate12(cbc, f.ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().refusal, wire::Refusal::no_shared_cipher_suite);

  auto sha1 = tls12_hello();
  set(sha1, {ExtensionType::signature_algorithms,
             msgs::SignatureSchemeList{
                 {static_cast<SignatureScheme>(0x0201), static_cast<SignatureScheme>(0x0203)}}});
  refused = negotiate12(sha1, f.ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().refusal, wire::Refusal::no_shared_signature_algorithm);
  remove(sha1, ExtensionType::signature_algorithms);  // RFC 5246 §7.4.1.4.1: means SHA-1
  EXPECT_EQ(negotiate12(sha1, f.ctx).error().refusal, wire::Refusal::no_shared_signature_algorithm);

  auto ffdhe = tls12_hello();
  set(ffdhe,
      {ExtensionType::supported_groups, msgs::NamedGroupList{{static_cast<NamedGroup>(0x0100)}}});
  EXPECT_EQ(negotiate12(ffdhe, f.ctx).error().refusal, wire::Refusal::no_shared_group);
  remove(ffdhe, ExtensionType::supported_groups);  // RFC 8422 §4: free choice
  EXPECT_EQ(negotiate12(ffdhe, f.ctx)->group, NamedGroup::x25519);

  auto compressed = tls12_hello();
  set(compressed, {ExtensionType::ec_point_formats, msgs::RawExtension{{1, 1}}});
  EXPECT_EQ(negotiate12(compressed, f.ctx).error().alert, Alert::illegal_parameter);
}

TEST(server_choose_for_key12, the_key_decides_suite_and_scheme) {
  Fixture f;
  auto n = negotiate12(tls12_hello(), f.ctx);
  ASSERT_TRUE(n);
  const FakeKey ecdsa({SignatureScheme::ecdsa_secp256r1_sha256});
  auto e = choose_for_key12(*n, ecdsa);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->suite, CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
  EXPECT_EQ(e->scheme, SignatureScheme::ecdsa_secp256r1_sha256);
  const FakeKey rsa({SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pkcs1_sha256});
  auto r = choose_for_key12(*n, rsa);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->suite, CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256);
  EXPECT_EQ(r->scheme, SignatureScheme::rsa_pss_rsae_sha256);
  // An RSA key and only ECDSA suites offered: no suite fits the certificate.
  auto only_ecdsa = tls12_hello();
  only_ecdsa.cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256};
  auto m = negotiate12(only_ecdsa, f.ctx);
  ASSERT_TRUE(m);
  EXPECT_EQ(choose_for_key12(*m, rsa).error().refusal, wire::Refusal::no_shared_cipher_suite);
}

}  // namespace
}  // namespace sanstls::native::handshake::server
