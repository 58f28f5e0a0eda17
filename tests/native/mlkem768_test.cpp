// SPDX-License-Identifier: Apache-2.0 OR MIT
// ML-KEM-768 (FIPS 203) against every ML-KEM-768 Wycheproof vector: key generation from seeds,
// encapsulation with fixed randomness (including encapsulation keys that fail the modulus check
// and wrong lengths), decapsulation (implicit rejection, wrong lengths, corrupted keys), plus
// exhaustive checks of the division-free arithmetic.

#include "native/crypto/mlkem768.hpp"

#include "native/crypto/libcrypto_provider.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace sanstls::native {
namespace {

namespace mlkem = crypto::mlkem768;
using testing::ByteVec;
using testing::from_hex;
using Json = nlohmann::json;

ByteVec hex(const Json& j) { return from_hex(j.get<std::string>()); }
ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }

class MlKem768 : public ::testing::Test {
 protected:
  void SetUp() override {
    libctx_ = OSSL_LIB_CTX_new();
    ASSERT_NE(libctx_, nullptr);
    auto sha3 = mlkem::Sha3::fetch(libctx_);
    ASSERT_TRUE(sha3);
    sha3_.emplace(std::move(*sha3));
  }
  void TearDown() override {
    sha3_.reset();
    OSSL_LIB_CTX_free(libctx_);
  }

  /// Runs `check` on every test of `file` (all apply); `check` says whether we accepted it.
  static void run(const std::string& file, const std::function<bool(const Json& test)>& check) {
    const std::filesystem::path path = std::filesystem::path(SANSTLS_WYCHEPROOF_DIR) / file;
    ASSERT_TRUE(std::filesystem::exists(path)) << "missing Wycheproof vectors: " << path;
    std::ifstream in(path);
    const Json doc = Json::parse(in);
    int valid = 0;
    int invalid = 0;
    for (const auto& group : doc["testGroups"]) {
      ASSERT_EQ(group["parameterSet"], "ML-KEM-768");
      for (const auto& test : group["tests"]) {
        const std::string result = test["result"];
        const bool accepted = check(test);
        const std::string comment = test.contains("comment") ? test["comment"] : "";
        if (result == "valid") {
          ++valid;
          EXPECT_TRUE(accepted) << file << " tcId " << test["tcId"] << " " << comment;
        } else {
          ASSERT_EQ(result, "invalid");
          ++invalid;
          EXPECT_FALSE(accepted) << file << " tcId " << test["tcId"] << " " << comment;
        }
      }
    }
    std::printf("%s: %d valid, %d invalid cases\n", file.c_str(), valid, invalid);
    EXPECT_EQ(valid + invalid, doc["numberOfTests"].get<int>());
  }

  OSSL_LIB_CTX* libctx_ = nullptr;
  std::optional<mlkem::Sha3> sha3_;
};

TEST_F(MlKem768, WycheproofKeyGenFromSeed) {
  run("mlkem_768_keygen_seed_test.json", [&](const Json& t) {
    auto kp = mlkem::generate_from_seed(*sha3_, hex(t["seed"]));
    if (!kp) return false;
    return t["result"] == "invalid" ||
           (kp->encapsulation_key == hex(t["ek"]) && vec(kp->decapsulation_key) == hex(t["dk"]));
  });
}

TEST_F(MlKem768, WycheproofEncapsulate) {
  run("mlkem_768_encaps_test.json", [&](const Json& t) {
    auto enc = mlkem::encapsulate(*sha3_, hex(t["ek"]), hex(t["m"]));
    if (!enc) {
      EXPECT_EQ(enc.error().alert, Alert::illegal_parameter);
      return false;
    }
    // An invalid case must fail; a valid one must match (an empty expected K never matches).
    return t["result"] == "invalid" ||
           (enc->ciphertext == hex(t["c"]) && vec(enc->shared_secret) == hex(t["K"]));
  });
}

TEST_F(MlKem768, WycheproofSemiExpandedDecapsulate) {
  run("mlkem_768_semi_expanded_decaps_test.json", [&](const Json& t) {
    auto key = mlkem::decapsulate(*sha3_, hex(t["dk"]), hex(t["c"]));
    if (!key) return false;
    return t["result"] == "invalid" || vec(*key) == hex(t["K"]);
  });
}

// Key generation from the seed, then decapsulation: valid cases give K (implicit rejection for
// random and bit-flipped ciphertexts), invalid ones have a wrong-length seed or ciphertext.
TEST_F(MlKem768, WycheproofSeedAndDecapsulate) {
  run("mlkem_768_test.json", [&](const Json& t) {
    auto kp = mlkem::generate_from_seed(*sha3_, hex(t["seed"]));
    if (!kp) return false;
    if (t.contains("ek") && kp->encapsulation_key != hex(t["ek"])) return false;
    auto key = mlkem::decapsulate(*sha3_, kp->decapsulation_key.span(), hex(t["c"]));
    if (!key) return false;
    return t["result"] == "invalid" || vec(*key) == hex(t["K"]);
  });
}

TEST_F(MlKem768, RoundTripAgreesAndRejectsTamperedCiphertext) {
  ByteVec seed(64);
  ByteVec m(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i * 7);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i * 13 + 1);
  auto kp = mlkem::generate_from_seed(*sha3_, seed);
  ASSERT_TRUE(kp);
  auto enc = mlkem::encapsulate(*sha3_, kp->encapsulation_key, m);
  ASSERT_TRUE(enc);
  auto key = mlkem::decapsulate(*sha3_, kp->decapsulation_key.span(), enc->ciphertext);
  ASSERT_TRUE(key);
  EXPECT_EQ(vec(*key), vec(enc->shared_secret));
  enc->ciphertext[100] ^= 1;
  auto rejected = mlkem::decapsulate(*sha3_, kp->decapsulation_key.span(), enc->ciphertext);
  ASSERT_TRUE(rejected);
  EXPECT_NE(vec(*rejected), vec(enc->shared_secret));
}

TEST_F(MlKem768, ArithmeticMatchesTheDefinitionsExhaustively) {
  constexpr std::uint32_t q = 3329;
  for (std::uint32_t x = 0; x < q; ++x) {
    for (const unsigned d : {1U, 4U, 10U, 11U}) {
      // round(2^d x / q) mod 2^d, with exact integer rounding (q is odd: no ties).
      const std::uint32_t expected = ((2 * (x << d) + q) / (2 * q)) & ((1U << d) - 1U);
      ASSERT_EQ(mlkem::detail::compress(static_cast<std::uint16_t>(x), d), expected)
          << "x=" << x << " d=" << d;
    }
  }
  for (const unsigned d : {1U, 4U, 10U}) {
    for (std::uint32_t y = 0; y < (1U << d); ++y) {
      const std::uint32_t expected = (2 * q * y + (1U << d)) / (2U << d);
      ASSERT_EQ(mlkem::detail::decompress(static_cast<std::uint16_t>(y), d), expected);
    }
  }
  for (std::uint64_t x = 0; x <= 0xffffffffULL; x += (x < (1U << 26) ? 1 : 65521)) {
    ASSERT_EQ(mlkem::detail::reduce(static_cast<std::uint32_t>(x)), x % q) << x;
  }
}

// ---- X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) through the crypto provider ----------------

class X25519MlKem768 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::LibcryptoProvider::create();
    ASSERT_TRUE(p);
    provider_ = std::move(*p);
  }
  std::unique_ptr<crypto::LibcryptoProvider> provider_;
};

constexpr auto hybrid = NamedGroup::x25519mlkem768;

TEST_F(X25519MlKem768, SharesHaveTheDraftLayoutAndAgreeOnA64ByteSecret) {
  ByteVec priv(96);
  for (std::size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<std::uint8_t>(i);
  auto client = provider_->key_share_from_private(hybrid, priv);
  ASSERT_TRUE(client);
  const Bytes client_public = (*client)->public_key();
  ASSERT_EQ(client_public.size(), 1216U);
  // The ML-KEM part is the encapsulation key of seed d || z, the X25519 part the X25519 key.
  auto keys =
      mlkem::generate_from_seed(*mlkem::Sha3::fetch(provider_->libctx()), Bytes(priv).first(64));
  ASSERT_TRUE(keys);
  EXPECT_EQ(ByteVec(client_public.begin(), client_public.begin() + 1184), keys->encapsulation_key);
  auto x25519 = provider_->key_share_from_private(NamedGroup::x25519, Bytes(priv).subspan(64));
  ASSERT_TRUE(x25519);
  EXPECT_EQ(ByteVec(client_public.begin() + 1184, client_public.end()),
            ByteVec((*x25519)->public_key().begin(), (*x25519)->public_key().end()));

  auto response = provider_->respond_to_key_share(hybrid, client_public);
  ASSERT_TRUE(response) << response.error().reason;
  ASSERT_EQ(response->key_exchange.size(), 1120U);
  auto shared = (*client)->complete(response->key_exchange);
  ASSERT_TRUE(shared) << shared.error().reason;
  EXPECT_EQ(shared->size(), 64U);
  EXPECT_EQ(vec(*shared), vec(response->shared_secret));
  // The second half is the X25519 secret with the server's X25519 key.
  auto x_shared = (*x25519)->complete(Bytes(response->key_exchange).subspan(1088));
  ASSERT_TRUE(x_shared);
  EXPECT_EQ(ByteVec(shared->span().begin() + 32, shared->span().end()), vec(*x_shared));
}

TEST_F(X25519MlKem768, EveryLengthIsCheckedWithIllegalParameter) {
  auto client = provider_->generate_key_share(hybrid);
  ASSERT_TRUE(client);
  const Bytes pub = (*client)->public_key();
  for (const std::size_t size : {0UL, 32UL, 1184UL, 1215UL, 1217UL, 2432UL}) {
    ByteVec share(size, 0x01);
    std::copy_n(pub.begin(), std::min(size, pub.size()), share.begin());
    auto response = provider_->respond_to_key_share(hybrid, share);
    ASSERT_FALSE(response) << size;
    EXPECT_EQ(response.error().alert, Alert::illegal_parameter) << size;
  }
  auto response = provider_->respond_to_key_share(hybrid, pub);
  ASSERT_TRUE(response);
  for (const std::size_t size : {0UL, 32UL, 1088UL, 1119UL, 1121UL, 1216UL}) {
    ByteVec share(size, 0x01);
    std::copy_n(response->key_exchange.begin(), std::min(size, response->key_exchange.size()),
                share.begin());
    auto shared = (*client)->complete(share);
    ASSERT_FALSE(shared) << size;
    EXPECT_EQ(shared.error().alert, Alert::illegal_parameter) << size;
  }
}

TEST_F(X25519MlKem768, ServerRefusesAnEncapsulationKeyFailingTheModulusCheck) {
  auto client = provider_->generate_key_share(hybrid);
  ASSERT_TRUE(client);
  ByteVec share((*client)->public_key().begin(), (*client)->public_key().end());
  share[0] = 0xff;  // the first 12-bit coefficient becomes 0x?ff | 0xf00 >= q
  share[1] = static_cast<std::uint8_t>(share[1] | 0x0f);
  auto response = provider_->respond_to_key_share(hybrid, share);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().alert, Alert::illegal_parameter);
  EXPECT_EQ(response.error().field, "ML-KEM.encapsulation_key");
}

TEST_F(X25519MlKem768, AllZeroX25519SecretIsRefusedOnBothSides) {
  auto client = provider_->generate_key_share(hybrid);
  ASSERT_TRUE(client);
  ByteVec share((*client)->public_key().begin(), (*client)->public_key().end());
  std::fill(share.begin() + 1184, share.end(), std::uint8_t{0});  // a low-order X25519 point
  auto response = provider_->respond_to_key_share(hybrid, share);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().alert, Alert::illegal_parameter);

  auto good = provider_->respond_to_key_share(hybrid, (*client)->public_key());
  ASSERT_TRUE(good);
  std::fill(good->key_exchange.begin() + 1088, good->key_exchange.end(), std::uint8_t{0});
  auto shared = (*client)->complete(good->key_exchange);
  ASSERT_FALSE(shared);
  EXPECT_EQ(shared.error().alert, Alert::illegal_parameter);
}

TEST_F(X25519MlKem768, TamperedCiphertextGivesADifferentSecretNotAnError) {
  auto client = provider_->generate_key_share(hybrid);
  ASSERT_TRUE(client);
  auto response = provider_->respond_to_key_share(hybrid, (*client)->public_key());
  ASSERT_TRUE(response);
  response->key_exchange[7] ^= 0x40;
  auto shared = (*client)->complete(response->key_exchange);
  ASSERT_TRUE(shared);  // implicit rejection: the handshake then fails at Finished
  EXPECT_NE(vec(*shared), vec(response->shared_secret));
}

}  // namespace
}  // namespace sanstls::native
