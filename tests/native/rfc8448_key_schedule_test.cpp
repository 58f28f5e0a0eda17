// SPDX-License-Identifier: Apache-2.0 OR MIT
// RFC 8448, every section: each HKDF step the trace shows (Derive-Secret, HKDF-Extract, traffic
// keys, Finished keys, resumption secret, PSK binder) recomputed with our KeyDerivation, including
// the exact HkdfLabel bytes; and each ephemeral key pair recomputed from its private key.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <functional>
#include <initializer_list>
#include <string>

namespace sanstls::native {
namespace {

using testing::ByteVec;
using testing::Rfc8448;
using testing::Step;
using testing::to_hex;

ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }

std::string quoted_label(const std::string& title) {
  const auto first = title.find('"');
  const auto last = title.find('"', first + 1);
  std::string label = title.substr(first + 1, last - first - 1);
  constexpr std::string_view prefix = "tls13 ";
  return label.substr(prefix.size());
}

class rfc8448_key_schedule : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto p = crypto::LibcryptoProvider::create();
    ASSERT_TRUE(p) << p.error().to_string();
    provider_ = std::move(*p);
  }
  std::unique_ptr<crypto::LibcryptoProvider> provider_;
};

TEST_P(rfc8448_key_schedule, every_hkdf_step_and_key_pair) {
  const KeyDerivation kd(*provider_, crypto::HashAlgorithm::sha256);
  int checked = 0;
  for (const Step* step : Rfc8448::get().section(GetParam())) {
    SCOPED_TRACE(step->actor + " " + step->title);
    const ByteVec* prk = step->get("PRK");
    if ((step->starts_with("derive secret") || step->starts_with("calculate finished") ||
         step->starts_with("generate resumption secret")) &&
        prk != nullptr) {
      const std::string label = quoted_label(step->title);
      const ByteVec& hash = *step->get("hash");
      const ByteVec& expanded = *step->get("expanded");
      auto info = KeyDerivation::hkdf_label(label, hash, expanded.size());
      ASSERT_TRUE(info);
      EXPECT_EQ(to_hex(*info), to_hex(*step->get("info")));
      auto out = kd.expand_label(*prk, label, hash, expanded.size());
      ASSERT_TRUE(out);
      EXPECT_EQ(to_hex(vec(*out)), to_hex(expanded));
      if (const ByteVec* finished = step->get("finished")) {
        // These steps show no transcript hash; the replay test checks verify_data itself. Here:
        // the finished key is what HKDF-Expand-Label gave.
        EXPECT_EQ(finished->size(), 32U);
      }
      ++checked;
    } else if (step->starts_with("extract secret") && step->get("secret") != nullptr) {
      const ByteVec* salt = step->get("salt");
      auto out = kd.extract(salt != nullptr ? *salt : ByteVec{}, *step->get("IKM"));
      ASSERT_TRUE(out);
      EXPECT_EQ(to_hex(vec(*out)), to_hex(*step->get("secret")));
      ++checked;
    } else if (step->title.find("traffic keys") != std::string::npos && prk != nullptr) {
      auto keys = kd.traffic_keys(*prk, crypto::AeadAlgorithm::aes_128_gcm);
      ASSERT_TRUE(keys);
      EXPECT_EQ(to_hex(vec(keys->key)), to_hex(*step->get("key expanded")));
      EXPECT_EQ(to_hex(vec(keys->iv)), to_hex(*step->get("iv expanded")));
      EXPECT_EQ(to_hex(*KeyDerivation::hkdf_label("key", {}, 16)), to_hex(*step->get("key info")));
      EXPECT_EQ(to_hex(*KeyDerivation::hkdf_label("iv", {}, 12)), to_hex(*step->get("iv info")));
      // Asked for the finished_key too (one HMAC key for the three expansions): the same key and
      // IV, and the finished_key that finished_key() derives on its own.
      SecretBytes finished_key;
      auto with_finished = kd.traffic_keys(*prk, crypto::AeadAlgorithm::aes_128_gcm, &finished_key);
      ASSERT_TRUE(with_finished);
      EXPECT_EQ(to_hex(vec(with_finished->key)), to_hex(*step->get("key expanded")));
      EXPECT_EQ(to_hex(vec(with_finished->iv)), to_hex(*step->get("iv expanded")));
      auto alone = kd.finished_key(*prk);
      ASSERT_TRUE(alone);
      EXPECT_EQ(finished_key.size(), 32U);
      EXPECT_EQ(to_hex(vec(finished_key)), to_hex(vec(*alone)));
      ++checked;
    } else if (step->starts_with("calculate PSK binder") && prk != nullptr) {
      auto finished_key = kd.finished_key(*prk);
      ASSERT_TRUE(finished_key);
      EXPECT_EQ(to_hex(vec(*finished_key)), to_hex(*step->get("expanded")));
      auto binder = kd.finished_verify_data(*prk, *step->get("binder hash"));
      ASSERT_TRUE(binder);
      EXPECT_EQ(to_hex(vec(*binder)), to_hex(*step->get("finished")));
      ++checked;
    } else if (step->starts_with("create an ephemeral")) {
      const NamedGroup group = step->title.find("P-256") != std::string::npos
                                   ? NamedGroup::secp256r1
                                   : NamedGroup::x25519;
      auto share = provider_->key_share_from_private(group, *step->get("private key"));
      ASSERT_TRUE(share) << share.error().to_string();
      EXPECT_EQ(to_hex(ByteVec((*share)->public_key().begin(), (*share)->public_key().end())),
                to_hex(*step->get("public key")));
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

INSTANTIATE_TEST_SUITE_P(sections, rfc8448_key_schedule, ::testing::Values(3, 4, 5, 6, 7),
                         [](const auto& p) { return "section_" + std::to_string(p.param); });

TEST(native_key_schedule, stages_are_enforced) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  KeySchedule ks(**p, crypto::HashAlgorithm::sha256);
  EXPECT_FALSE(ks.client_handshake_traffic_secret({}));
  EXPECT_FALSE(ks.derive_master_secret());
  ASSERT_TRUE(ks.derive_early_secret({}));
  EXPECT_FALSE(ks.derive_early_secret({}));
  ASSERT_TRUE(ks.derive_handshake_secret({}));
  EXPECT_FALSE(ks.binder_key(false));
  ASSERT_TRUE(ks.derive_master_secret());
  EXPECT_TRUE(ks.exporter_master_secret(ByteVec(32)));
}

// HkdfLabel (RFC 8446 §7.1) at its bounds: label<7..255> ("tls13 " + label), context<0..255>,
// a uint16 length; one byte past any bound is refused, never written.
TEST(native_key_schedule, hkdf_label_at_and_past_its_bounds) {
  const std::string label(255 - 6, 'l');
  const ByteVec context(255, 0xc0);
  auto largest = KeyDerivation::hkdf_label(label, context, 0xffff);
  ASSERT_TRUE(largest);
  ByteVec expected{0xff, 0xff, 255};
  for (char c : std::string("tls13 ") + label) expected.push_back(static_cast<std::uint8_t>(c));
  expected.push_back(255);
  expected.insert(expected.end(), context.begin(), context.end());
  EXPECT_EQ(to_hex(*largest), to_hex(expected));
  auto smallest = KeyDerivation::hkdf_label("", {}, 0);
  ASSERT_TRUE(smallest);
  EXPECT_EQ(to_hex(*smallest),
            "000006746c73313320"
            "00");
  EXPECT_FALSE(KeyDerivation::hkdf_label(label + "l", context, 32));
  EXPECT_FALSE(KeyDerivation::hkdf_label(label, ByteVec(256), 32));
  EXPECT_FALSE(KeyDerivation::hkdf_label(label, context, 0x10000));
}

TEST(native_key_schedule, suite_params) {
  EXPECT_EQ(suite_params(CipherSuite::tls_aes_256_gcm_sha384)->hash, crypto::HashAlgorithm::sha384);
  EXPECT_FALSE(suite_params(static_cast<CipherSuite>(0x00ff)));
}

TEST(native_key_schedule, empty_hash_constants_are_the_hash_of_nothing) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  for (const auto hash : {crypto::HashAlgorithm::sha256, crypto::HashAlgorithm::sha384}) {
    const KeyDerivation kd(**p, hash);
    const auto computed = (*p)->digest(hash, {});
    EXPECT_EQ(ByteVec(kd.empty_hash().begin(), kd.empty_hash().end()), computed);
    // The key schedule's "0" (RFC 8446 §7.1): Hash.length zero bytes.
    EXPECT_EQ(ByteVec(kd.zeros().begin(), kd.zeros().end()), ByteVec(kd.hash_length(), 0));
  }
}

// HMAC from libcrypto's own one-shot EVP_Q_mac: an implementation independent of our HmacKey.
ByteVec reference_hmac(crypto::HashAlgorithm hash, Bytes key, Bytes data) {
  ByteVec out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  const char* digest = hash == crypto::HashAlgorithm::sha256 ? "SHA256" : "SHA384";
  // A null key pointer means "no key given" to libcrypto: point an empty key somewhere.
  const std::uint8_t nothing = 0;
  const std::uint8_t* key_bytes = key.empty() ? &nothing : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_bytes, key.size(), data.data(),
                data.size(), out.data(), out.size(), &len) == nullptr) {
    return {};
  }
  out.resize(len);
  return out;
}

// A key made once and used many times must give what a fresh HMAC gives each time: the key's
// working state is copied from its padded states, never carried from one MAC to the next. Both
// implementations: the provider's (libcrypto's SHA-2 block functions) and the EVP fallback.
void expect_keys_match_reference(
    const std::function<std::unique_ptr<crypto::HmacKey>(crypto::HashAlgorithm, Bytes)>& make,
    const std::string& which) {
  SCOPED_TRACE(which);
  for (const auto hash : {crypto::HashAlgorithm::sha256, crypto::HashAlgorithm::sha384}) {
    // Shorter than, exactly and longer than the hash block (RFC 2104 §2 hashes long keys).
    for (const std::size_t key_length :
         {std::size_t{0}, std::size_t{32}, std::size_t{64}, std::size_t{128}, std::size_t{200}}) {
      ByteVec key(key_length);
      for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<std::uint8_t>(i * 7 + 1);
      }
      auto keyed = make(hash, key);
      ASSERT_TRUE(keyed);
      EXPECT_EQ(keyed->hash(), hash);
      for (const std::size_t data_length :
           std::initializer_list<std::size_t>{0, 1, 55, 56, 64, 300, 1, 0}) {
        const ByteVec data(data_length, static_cast<std::uint8_t>(data_length));
        auto mac = keyed->mac(data);
        ASSERT_TRUE(mac);
        EXPECT_EQ(vec(*mac), reference_hmac(hash, key, data))
            << "key " << key_length << " data " << data_length;
      }
      // mac_into with the text in parts is the MAC of their concatenation.
      const ByteVec a(40, 0xaa);
      const ByteVec b(70, 0xbb);
      ByteVec ab = a;
      ab.insert(ab.end(), b.begin(), b.end());
      const std::array<Bytes, 3> parts{Bytes(a), Bytes(), Bytes(b)};
      ByteVec out(crypto::hash_length(hash));
      ASSERT_TRUE(keyed->mac_into(parts, out));
      EXPECT_EQ(out, reference_hmac(hash, key, ab));
      // An output of the wrong length is refused, not overrun.
      ByteVec short_out(crypto::hash_length(hash) - 1);
      EXPECT_FALSE(keyed->mac_into(parts, short_out));
    }
  }
}

TEST(native_hmac_key, every_mac_under_a_reused_key_matches_a_fresh_hmac) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  expect_keys_match_reference(
      [&](crypto::HashAlgorithm hash, Bytes key) -> std::unique_ptr<crypto::HmacKey> {
        auto keyed = (*p)->hmac_key(hash, key);
        return keyed ? std::move(*keyed) : nullptr;
      },
      "provider");
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  ASSERT_TRUE(sha256 != nullptr && sha384 != nullptr);
  expect_keys_match_reference(
      [&](crypto::HashAlgorithm hash, Bytes key) -> std::unique_ptr<crypto::HmacKey> {
        auto keyed = crypto::evp_hmac_key(
            hash, hash == crypto::HashAlgorithm::sha256 ? sha256 : sha384, key);
        return keyed ? std::move(*keyed) : nullptr;
      },
      "EVP fallback");
  // A digest that does not match the algorithm is refused.
  EXPECT_FALSE(crypto::evp_hmac_key(crypto::HashAlgorithm::sha384, sha256, ByteVec(32)));
  EVP_MD_free(sha256);
  EVP_MD_free(sha384);
}

}  // namespace
}  // namespace sanstls::native
