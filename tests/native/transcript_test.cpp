// SPDX-License-Identifier: Apache-2.0 OR MIT
// Transcript hash rules (RFC 8446 §4.4.1) and key schedule helpers the RFC 8448 traces do not
// exercise directly (exporter, KeyUpdate, SHA-384 suites), checked against their definitions.

#include "native/transcript.hpp"

#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/message_hash.hpp"
#include "native/msgs/server_hello.hpp"
#include "native/transcript12.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <initializer_list>

namespace sanstls::native {
namespace {

using testing::ByteVec;

class native_transcript : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::LibcryptoProvider::create();
    ASSERT_TRUE(p);
    provider_ = std::move(*p);
  }
  std::unique_ptr<crypto::LibcryptoProvider> provider_;
};

TEST_F(native_transcript, buffers_until_the_hash_is_known) {
  const ByteVec a{1, 0, 0, 1, 7};
  const ByteVec b{2, 0, 0, 1, 8};
  Transcript t(*provider_);
  EXPECT_FALSE(t.current_hash());
  t.add(a);
  ASSERT_TRUE(t.select_hash(crypto::HashAlgorithm::sha384));
  EXPECT_FALSE(t.select_hash(crypto::HashAlgorithm::sha256));
  t.add(b);
  ByteVec both = a;
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_EQ(*t.current_hash(), provider_->digest(crypto::HashAlgorithm::sha384, both));
  // hash_with does not add.
  EXPECT_EQ(*t.hash_with(a), [&] {
    ByteVec three = both;
    three.insert(three.end(), a.begin(), a.end());
    return provider_->digest(crypto::HashAlgorithm::sha384, three);
  }());
  EXPECT_EQ(*t.current_hash(), provider_->digest(crypto::HashAlgorithm::sha384, both));
}

TEST_F(native_transcript, message_hash_replaces_client_hello1) {
  const ByteVec ch1{1, 0, 0, 2, 0xaa, 0xbb};
  Transcript t(*provider_);
  t.add(ch1);
  ASSERT_TRUE(t.select_hash(crypto::HashAlgorithm::sha256));
  ASSERT_TRUE(t.replace_with_message_hash());
  auto synthetic = msgs::encode_message_hash(provider_->digest(crypto::HashAlgorithm::sha256, ch1));
  EXPECT_EQ(*t.current_hash(), provider_->digest(crypto::HashAlgorithm::sha256, *synthetic));
  // Only right after ClientHello1.
  t.add(ch1);
  EXPECT_FALSE(t.replace_with_message_hash());
}

TEST_F(native_transcript, exporter_and_key_update_follow_their_definitions) {
  const KeyDerivation kd(*provider_, crypto::HashAlgorithm::sha256);
  const ByteVec secret(32, 0x42);
  // RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
  // Hash(context_value), key_length).
  auto inner = kd.derive_secret(secret, "EXPORTER-test",
                                provider_->digest(crypto::HashAlgorithm::sha256, {}));
  auto expected =
      kd.expand_label(inner->span(), "exporter",
                      provider_->digest(crypto::HashAlgorithm::sha256, ByteVec{1, 2}), 20);
  auto got = kd.exporter(secret, "EXPORTER-test", ByteVec{1, 2}, 20);
  ASSERT_TRUE(got && expected);
  EXPECT_EQ(ByteVec(got->span().begin(), got->span().end()),
            ByteVec(expected->span().begin(), expected->span().end()));
  // RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd",
  // "", Hash.length).
  auto next = kd.next_traffic_secret(secret);
  auto manual = kd.expand_label(secret, "traffic upd", {}, 32);
  ASSERT_TRUE(next && manual);
  EXPECT_EQ(ByteVec(next->span().begin(), next->span().end()),
            ByteVec(manual->span().begin(), manual->span().end()));
}

TEST_F(native_transcript, sha384_suite_sizes) {
  KeySchedule ks(*provider_, crypto::HashAlgorithm::sha384);
  ASSERT_TRUE(ks.derive_early_secret({}));
  EXPECT_EQ(ks.early_secret().size(), 48U);
  ASSERT_TRUE(ks.derive_handshake_secret(ByteVec(32, 1)));
  auto c = ks.client_handshake_traffic_secret(ByteVec(48, 0));
  ASSERT_TRUE(c);
  auto keys = ks.derivation().traffic_keys(c->span(), crypto::AeadAlgorithm::aes_256_gcm);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->key.size(), 32U);
  EXPECT_EQ(keys->iv.size(), 12U);
  EXPECT_EQ(ks.derivation().finished_verify_data(c->span(), ByteVec(48, 0))->size(), 48U);
}

TEST(native_messages_tls12, server_hello_without_supported_versions) {
  msgs::ServerHello sh;
  sh.cipher_suite = static_cast<CipherSuite>(0xc02f);
  sh.extensions.list().push_back(
      msgs::Extension{ExtensionType::extended_master_secret, msgs::RawExtension{}});
  sh.extensions.list().push_back(
      msgs::Extension{ExtensionType::renegotiation_info, msgs::RawExtension{{0}}});
  auto bytes = sh.encode();
  auto parsed = msgs::ServerHello::parse(ByteVec(bytes->begin() + 4, bytes->end()));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_FALSE(parsed->is_tls13());
  EXPECT_EQ(*parsed->encode(), *bytes);
  // The same extension in a TLS 1.3 ServerHello is not allowed.
  sh.extensions.list().push_back(
      msgs::Extension{ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}});
  auto tls13_bytes = sh.encode();
  auto tls13 = msgs::ServerHello::parse(ByteVec(tls13_bytes->begin() + 4, tls13_bytes->end()));
  ASSERT_FALSE(tls13);
  EXPECT_EQ(tls13.error().alert, Alert::illegal_parameter);
  // A TLS 1.2 ServerHello may omit the extension block altogether.
  msgs::ServerHello bare;
  bare.has_extensions = false;
  auto bare_bytes = bare.encode();
  auto bare_parsed = msgs::ServerHello::parse(ByteVec(bare_bytes->begin() + 4, bare_bytes->end()));
  ASSERT_TRUE(bare_parsed);
  EXPECT_FALSE(bare_parsed->has_extensions);
}

// TLS 1.2: the messages a CertificateVerify signs are kept until the handshake knows none will
// be signed; the running hash (session hash, Finished) does not depend on them.
TEST_F(native_transcript, tls12_keeps_messages_until_told_no_certificate_verify_comes) {
  const ByteVec hello{1, 0, 0, 1, 7};
  const ByteVec server_hello{2, 0, 0, 1, 8};
  const ByteVec done{14, 0, 0, 0};
  Transcript12 t;
  t.add(hello);
  t.stop_keeping_messages();  // too early: the hash is not selected, the messages stay
  t.select_hash(*provider_, crypto::HashAlgorithm::sha256);
  t.add(server_hello);
  ByteVec all = hello;
  all.insert(all.end(), server_hello.begin(), server_hello.end());
  ASSERT_TRUE(t.messages());
  EXPECT_EQ(ByteVec(t.messages()->begin(), t.messages()->end()), all);

  t.stop_keeping_messages();
  t.add(done);
  all.insert(all.end(), done.begin(), done.end());
  const auto dropped = t.messages();
  ASSERT_FALSE(dropped);
  EXPECT_EQ(dropped.error().alert, Alert::internal_error);
  ASSERT_TRUE(t.current_hash());
  EXPECT_EQ(*t.current_hash(), provider_->digest(crypto::HashAlgorithm::sha256, all));
}

// The provider's hashes (SHA-2 block functions, sha2_hmac.hpp) and the EVP fallback give
// libcrypto's one-shot digest for every length around the block boundaries, fed in two parts;
// digest() and clone() leave the running hash as it was.
TEST(native_hash, block_functions_and_evp_fallback_match_one_shot_digests) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  for (const auto alg : {crypto::HashAlgorithm::sha256, crypto::HashAlgorithm::sha384}) {
    EVP_MD* md =
        EVP_MD_fetch(nullptr, alg == crypto::HashAlgorithm::sha256 ? "SHA256" : "SHA384", nullptr);
    ASSERT_NE(md, nullptr);
    const auto reference = [&](Bytes data) {
      ByteVec out(crypto::hash_length(alg));
      unsigned int length = 0;
      EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr), 1);
      return out;
    };
    for (const std::size_t size : std::initializer_list<std::size_t>{0, 1, 55, 56, 63, 64, 65, 111,
                                                                     112, 127, 128, 129, 300}) {
      ByteVec data(size);
      for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + size);
      const std::size_t half = size / 2;
      const Bytes all(data);
      std::array<std::unique_ptr<crypto::HashContext>, 2> both{(*p)->hash(alg),
                                                               crypto::evp_hash(md)};
      for (auto& hash : both) {
        ASSERT_NE(hash, nullptr);
        hash->update(all.first(half));
        const auto copy = hash->clone();
        // digest_with(): the rest added to a copy of the state, this one left as it was.
        EXPECT_EQ(hash->digest_with(all.subspan(half)), reference(all)) << "digest_with, " << size;
        EXPECT_EQ(hash->digest(), reference(all.first(half))) << size;
        hash->update(all.subspan(half));
        EXPECT_EQ(hash->digest(), reference(all)) << size;
        EXPECT_EQ(hash->digest(), reference(all)) << "digest() twice, " << size;
        copy->update(all.subspan(half));
        EXPECT_EQ(copy->digest(), reference(all)) << "clone, " << size;
      }
    }
    EVP_MD_free(md);
  }
}

}  // namespace
}  // namespace sanstls::native
