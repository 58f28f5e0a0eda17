// SPDX-License-Identifier: Apache-2.0 OR MIT
// x509::path::VerifierCache: a prepared context per issuer key gives exactly EVP_DigestVerify's
// verdict, for every scheme the path policy accepts, on every call (a cached key never makes a
// bad signature pass), and the cache stays within its bound.
#include "x509/path/verifier_cache.hpp"

#include "certmaker/x509_builder.hpp"
#include "x509/path/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::x509::path {
namespace {

template <class T>
T must(Result<T> result) {
  if (!result) throw std::runtime_error("test set-up failed: " + result.error().message);
  return std::move(*result);
}

struct Case {
  testing::KeyAlgorithm algorithm;
  const char* digest;
  bool pss;
  int salt_length;
};

SignatureScheme scheme_for(const Case& c) {
  SignatureScheme scheme;
  scheme.key_type = c.algorithm == testing::KeyAlgorithm::rsa_2048 ? PublicKey::Type::rsa
                                                                   : PublicKey::Type::ecdsa;
  scheme.digest = c.digest;
  scheme.pss = c.pss;
  scheme.salt_length = c.salt_length;
  scheme.name = c.digest;
  return scheme;
}

std::vector<unsigned char> sign(OSSL_LIB_CTX* libctx, EVP_PKEY* key, const Case& c,
                                const std::vector<unsigned char>& message) {
  ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t length = 0;
  bool ok =
      ctx && EVP_DigestSignInit_ex(ctx.get(), &pctx, c.digest, libctx, nullptr, key, nullptr) == 1;
  if (ok && c.pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, c.salt_length) == 1;
  }
  ok = ok && EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) == 1;
  std::vector<unsigned char> signature(length);
  ok = ok &&
       EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) == 1;
  if (!ok) throw std::runtime_error("signing failed");
  signature.resize(length);
  return signature;
}

/// EVP_DigestVerify's verdict, the path validator's way without the cache.
bool evp_verdict(OSSL_LIB_CTX* libctx, EVP_PKEY* key, const Case& c,
                 const std::vector<unsigned char>& message,
                 const std::vector<unsigned char>& signature) {
  ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx &&
            EVP_DigestVerifyInit_ex(ctx.get(), &pctx, c.digest, libctx, nullptr, key, nullptr) == 1;
  if (ok && c.pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, c.salt_length) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, c.digest, nullptr) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                              message.size()) == 1;
  ERR_clear_error();
  return ok;
}

TEST(VerifierCache, GivesEvpDigestVerifysVerdictForEveryScheme) {
  const auto workspace = must(certmaker::Workspace::create());
  OSSL_LIB_CTX* libctx = workspace.libctx();
  const VerifierCache cache;
  const std::vector<Case> cases = {
      {testing::KeyAlgorithm::ecdsa_p256, "SHA256", false, 0},
      {testing::KeyAlgorithm::ecdsa_p256, "SHA384", false, 0},
      {testing::KeyAlgorithm::ecdsa_p384, "SHA384", false, 0},
      {testing::KeyAlgorithm::ecdsa_p384, "SHA512", false, 0},
      {testing::KeyAlgorithm::rsa_2048, "SHA256", false, 0},
      {testing::KeyAlgorithm::rsa_2048, "SHA512", false, 0},
      {testing::KeyAlgorithm::rsa_2048, "SHA256", true, 32},
      {testing::KeyAlgorithm::rsa_2048, "SHA384", true, 48},
  };
  std::vector<unsigned char> message(300);
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<unsigned char>(i * 13);
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.digest) + (c.pss ? " PSS" : ""));
    const auto key = must(certmaker::generate_key(workspace, c.algorithm));
    const auto signature = sign(libctx, key.get(), c, message);
    const SignatureScheme scheme = scheme_for(c);
    // Several times: the first call prepares the context, the others duplicate it.
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(cache.verify(libctx, key.get(), scheme, message, signature), std::optional(true));
      // A changed message or signature fails, also with the key's context already prepared.
      auto other_message = message;
      other_message[7] ^= 1;
      EXPECT_FALSE(evp_verdict(libctx, key.get(), c, other_message, signature));
      EXPECT_EQ(cache.verify(libctx, key.get(), scheme, other_message, signature),
                std::optional(false));
      auto other_signature = signature;
      other_signature[other_signature.size() / 2] ^= 0x10;
      EXPECT_EQ(cache.verify(libctx, key.get(), scheme, message, other_signature),
                std::optional(evp_verdict(libctx, key.get(), c, message, other_signature)));
    }
    // The same key under another scheme is its own entry: a signature made for one is not
    // taken for the other.
    if (!c.pss && c.algorithm == testing::KeyAlgorithm::rsa_2048) {
      Case pss = c;
      pss.pss = true;
      pss.salt_length = 32;
      pss.digest = "SHA256";
      EXPECT_EQ(cache.verify(libctx, key.get(), scheme_for(pss), message, signature),
                std::optional(false));
    }
  }
}

TEST(VerifierCache, LeavesEd25519ToTheCaller) {
  const auto workspace = must(certmaker::Workspace::create());
  const auto key = must(certmaker::generate_key(workspace, testing::KeyAlgorithm::ed25519));
  const VerifierCache cache;
  SignatureScheme scheme;
  scheme.key_type = PublicKey::Type::ed25519;
  scheme.digest = nullptr;  // PureEdDSA
  const std::vector<unsigned char> message{1, 2, 3};
  EXPECT_EQ(cache.verify(workspace.libctx(), key.get(), scheme, message, message), std::nullopt);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(VerifierCache, KeepsAtMostItsCapacity) {
  const auto workspace = must(certmaker::Workspace::create());
  OSSL_LIB_CTX* libctx = workspace.libctx();
  const VerifierCache cache(2);
  const Case c{testing::KeyAlgorithm::ecdsa_p256, "SHA256", false, 0};
  const std::vector<unsigned char> message{4, 5, 6};
  std::vector<ossl::EvpPkeyPtr> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(must(certmaker::generate_key(workspace, c.algorithm)));
    const auto signature = sign(libctx, keys.back().get(), c, message);
    EXPECT_EQ(cache.verify(libctx, keys.back().get(), scheme_for(c), message, signature),
              std::optional(true));
    EXPECT_LE(cache.size(), 2U);
  }
  EXPECT_EQ(cache.size(), 2U);
  // An evicted key is prepared again and still verifies.
  const auto signature = sign(libctx, keys.front().get(), c, message);
  EXPECT_EQ(cache.verify(libctx, keys.front().get(), scheme_for(c), message, signature),
            std::optional(true));
}

TEST(VerifierCache, RemembersAcceptedKeysWithinItsBound) {
  const auto workspace = must(certmaker::Workspace::create());
  const VerifierCache cache(2);
  std::vector<ossl::EvpPkeyPtr> keys;
  for (const auto algorithm : {testing::KeyAlgorithm::ecdsa_p256, testing::KeyAlgorithm::rsa_2048,
                               testing::KeyAlgorithm::ed25519}) {
    keys.push_back(must(certmaker::generate_key(workspace, algorithm)));
  }
  EXPECT_EQ(cache.accepted_key(keys[0].get()), std::nullopt);
  cache.remember_accepted_key(keys[0].get(), PublicKey::Type::ecdsa);
  cache.remember_accepted_key(keys[1].get(), PublicKey::Type::rsa);
  EXPECT_EQ(cache.accepted_key(keys[0].get()), std::optional(PublicKey::Type::ecdsa));
  EXPECT_EQ(cache.accepted_key(keys[1].get()), std::optional(PublicKey::Type::rsa));
  cache.remember_accepted_key(keys[1].get(), PublicKey::Type::rsa);  // once only
  EXPECT_EQ(cache.accepted_keys(), 2U);
  cache.remember_accepted_key(keys[2].get(), PublicKey::Type::ed25519);
  EXPECT_EQ(cache.accepted_keys(), 2U);
  EXPECT_EQ(cache.accepted_key(keys[0].get()), std::nullopt);  // the oldest went
  EXPECT_EQ(cache.accepted_key(keys[2].get()), std::optional(PublicKey::Type::ed25519));
}

}  // namespace
}  // namespace sanstls::x509::path
