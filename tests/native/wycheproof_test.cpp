// SPDX-License-Identifier: Apache-2.0 OR MIT
// Wycheproof vectors for every primitive the libcrypto provider wraps: AES-GCM and
// ChaCha20-Poly1305 (seal and open), HKDF-SHA256/384, X25519, ECDH P-256/P-384, ECDSA, Ed25519,
// RSA-PSS and RSA PKCS#1 v1.5 verification. Wycheproof's "acceptable" cases may go either way in
// general; for each primitive we decide which way TLS needs them to go (an `Acceptable` policy,
// with its reason) and assert it. A file with acceptable cases and no policy fails.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/crypto/signature_contexts.hpp"
#include "native/crypto/x25519_dispatch.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

namespace sanstls::native {
namespace {

using testing::ByteVec;
using testing::from_hex;
using testing::to_hex;
using Json = nlohmann::json;

ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }

bool has_flag(const Json& test, std::string_view flag) {
  if (!test.contains("flags")) return false;
  for (const auto& f : test["flags"]) {
    if (f.get<std::string>() == flag) return true;
  }
  return false;
}

/// What an "acceptable" case of one primitive must do: true when our code must accept it (and
/// compute the expected output), false when it must refuse it.
using Acceptable = std::function<bool(const Json& group, const Json& test)>;

/// For files that hold no acceptable case today: should a new vector set add some, the test
/// fails until a policy is written for them.
const Acceptable kNoAcceptableCases{};

/// Where the vectors are: ../shared/wycheproof beside the source tree (CI checks it out there),
/// or -DSANSTLS_WYCHEPROOF_DIR=... at configure time. Missing vectors fail the tests.
std::filesystem::path vectors(const std::string& file) {
  return std::filesystem::path(SANSTLS_WYCHEPROOF_DIR) / file;
}

class Wycheproof : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::LibcryptoProvider::create();
    ASSERT_TRUE(p);
    provider_ = std::move(*p);
  }

  /// Runs `check` on every test of `file`. `check` returns whether our code accepted the case,
  /// or nothing when the case does not apply to TLS (e.g. a nonce size TLS never uses).
  /// "valid" cases must be accepted, "invalid" ones refused, "acceptable" ones go the way
  /// `acceptable` says.
  void run(const std::string& file,
           const std::function<std::optional<bool>(const Json& group, const Json& test)>& check,
           const Acceptable& acceptable) {
    const std::filesystem::path path = vectors(file);
    ASSERT_TRUE(std::filesystem::exists(path))
        << "the Wycheproof vectors are missing: no " << path
        << ". Check out the Wycheproof testvectors_v1 files into ../shared/wycheproof beside "
           "the source tree, or configure with -DSANSTLS_WYCHEPROOF_DIR=<dir>.";
    std::ifstream in(path);
    const Json doc = Json::parse(in);
    int ran = 0;
    int skipped = 0;
    int acceptable_ran = 0;
    for (const auto& group : doc["testGroups"]) {
      for (const auto& test : group["tests"]) {
        const std::string result = test["result"];
        const auto accepted = check(group, test);
        if (!accepted) {
          ++skipped;
          continue;
        }
        ++ran;
        if (result == "valid") {
          EXPECT_TRUE(*accepted) << file << " tcId " << test["tcId"] << " " << test["comment"];
        } else if (result == "invalid") {
          EXPECT_FALSE(*accepted) << file << " tcId " << test["tcId"] << " " << test["comment"];
        } else {
          ASSERT_EQ(result, "acceptable") << file << " tcId " << test["tcId"];
          ++acceptable_ran;
          if (!acceptable) {
            ADD_FAILURE() << file << " tcId " << test["tcId"] << " is an acceptable case ("
                          << test["flags"] << "), and this primitive has no policy for those";
            continue;
          }
          EXPECT_EQ(*accepted, acceptable(group, test))
              << file << " tcId " << test["tcId"] << " (acceptable, flags " << test["flags"]
              << "): " << test["comment"];
        }
      }
    }
    std::printf("%s: %d cases run (%d acceptable), %d not applicable to TLS\n", file.c_str(), ran,
                acceptable_ran, skipped);
    EXPECT_GT(ran, 0);
  }

  std::unique_ptr<crypto::LibcryptoProvider> provider_;
};

ByteVec hex(const Json& j) { return from_hex(j.get<std::string>()); }

void aead_cases(
    Wycheproof& self, crypto::LibcryptoProvider& p, const std::string& file, bool chacha,
    const std::function<void(const std::string&,
                             const std::function<std::optional<bool>(const Json&, const Json&)>&)>&
        run) {
  (void)self;
  run(file, [&](const Json& g, const Json& t) -> std::optional<bool> {
    // TLS 1.3 uses 96-bit nonces, 128-bit tags, and 128- or 256-bit keys only.
    if (g["ivSize"] != 96 || g["tagSize"] != 128) return std::nullopt;
    const int key_bits = g["keySize"];
    if (key_bits != 128 && key_bits != 256) return std::nullopt;
    const auto alg = chacha            ? crypto::AeadAlgorithm::chacha20_poly1305
                     : key_bits == 128 ? crypto::AeadAlgorithm::aes_128_gcm
                                       : crypto::AeadAlgorithm::aes_256_gcm;
    auto aead = p.aead(alg, hex(t["key"]));
    if (!aead) return false;
    ByteVec sealed_expected = hex(t["ct"]);
    const ByteVec tag = hex(t["tag"]);
    sealed_expected.insert(sealed_expected.end(), tag.begin(), tag.end());
    auto opened = (*aead)->open(hex(t["iv"]), hex(t["aad"]), sealed_expected);
    if (t["result"] == "valid") {
      auto sealed = (*aead)->seal(hex(t["iv"]), hex(t["aad"]), hex(t["msg"]));
      EXPECT_TRUE(sealed && *sealed == sealed_expected) << "seal tcId " << t["tcId"];
    }
    if (!opened) {
      EXPECT_EQ(opened.error().alert, Alert::bad_record_mac);
      return false;
    }
    return *opened == hex(t["msg"]);
  });
}

TEST_F(Wycheproof, aes_gcm) {
  aead_cases(*this, *provider_, "aes_gcm_test.json", false,
             [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, chacha20_poly1305) {
  aead_cases(*this, *provider_, "chacha20_poly1305_test.json", true,
             [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

void hkdf_cases(
    Wycheproof&, crypto::LibcryptoProvider& p, crypto::HashAlgorithm h, const std::string& file,
    const std::function<void(const std::string&,
                             const std::function<std::optional<bool>(const Json&, const Json&)>&)>&
        run) {
  run(file, [&](const Json&, const Json& t) -> std::optional<bool> {
    const std::size_t size =
        std::stoul(t["size"].is_string() ? t["size"].get<std::string>()
                                         : std::to_string(t["size"].get<int>()));
    if (size == 0) return std::nullopt;  // TLS never asks for zero bytes
    auto prk = p.hkdf_extract(h, hex(t["salt"]), hex(t["ikm"]));
    if (!prk) return false;
    auto okm = p.hkdf_expand(h, prk->span(), hex(t["info"]), size);
    if (!okm) return false;
    return to_hex(vec(*okm)) == to_hex(hex(t["okm"]));
  });
}

TEST_F(Wycheproof, hkdf_sha256) {
  hkdf_cases(*this, *provider_, crypto::HashAlgorithm::sha256, "hkdf_sha256_test.json",
             [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, hkdf_sha384) {
  hkdf_cases(*this, *provider_, crypto::HashAlgorithm::sha384, "hkdf_sha384_test.json",
             [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

// X25519 "acceptable" cases are low-order, twist and non-canonical public keys. RFC 8446 §7.4.2:
// for X25519 "implementations MUST check whether the computed Diffie-Hellman shared secret is the
// all-zero value and abort if so": those (flag ZeroSharedSecret) must be refused. The rest must be
// accepted with the expected secret: RFC 7748 §5 has implementations "MUST accept non-canonical
// values and process them as if they had been reduced modulo the field prime", and X25519 needs
// no twist check (the twist points are what the curve's design makes harmless).
const Acceptable kX25519Acceptable = [](const Json&, const Json& t) {
  return !has_flag(t, "ZeroSharedSecret");
};

/// One way of making an X25519 key share from a private key.
using X25519Maker =
    std::function<Result<std::unique_ptr<crypto::KeyShare>>(const ByteVec& private_key)>;

/// The Wycheproof X25519 cases through `make`; a share that is made also checks its public key
/// against libcrypto's EVP one for the same private key.
void x25519_cases(
    Wycheproof& self, crypto::LibcryptoProvider& p, const X25519Maker& make,
    const std::function<void(const std::string&,
                             const std::function<std::optional<bool>(const Json&, const Json&)>&,
                             const Acceptable&)>& run) {
  (void)self;
  run(
      "x25519_test.json",
      [&](const Json&, const Json& t) -> std::optional<bool> {
        auto share = make(hex(t["private"]));
        if (!share) return false;
        auto reference = crypto::evp_x25519_key_share(p.libctx(), hex(t["private"]));
        EXPECT_TRUE(reference &&
                    std::ranges::equal((*reference)->public_key(), (*share)->public_key()))
            << "public key of tcId " << t["tcId"];
        auto shared = (*share)->complete(hex(t["public"]));
        if (!shared) {
          // RFC 8446 §7.4.2 and §4.2.8.2: a bad peer share is illegal_parameter, as a value.
          EXPECT_EQ(shared.error().alert, Alert::illegal_parameter) << "tcId " << t["tcId"];
          return false;
        }
        return to_hex(vec(*shared)) == to_hex(hex(t["shared"]));
      },
      kX25519Acceptable);
}

/// The provider's own way (the provider's functions called directly, x25519_dispatch.hpp).
TEST_F(Wycheproof, x25519) {
  x25519_cases(
      *this, *provider_,
      [&](const ByteVec& priv) {
        return provider_->key_share_from_private(NamedGroup::x25519, priv);
      },
      [&](const auto& file, const auto& check, const auto& acceptable) {
        run(file, check, acceptable);
      });
}

/// The direct calls themselves, so the test above cannot pass on the EVP way alone.
TEST_F(Wycheproof, x25519_dispatch) {
  const auto dispatch = crypto::X25519Dispatch::fetch(provider_->libctx());
  ASSERT_NE(dispatch, nullptr) << "the default provider's X25519 functions were not found";
  x25519_cases(
      *this, *provider_, [&](const ByteVec& priv) { return dispatch->key_share(priv); },
      [&](const auto& file, const auto& check, const auto& acceptable) {
        run(file, check, acceptable);
      });
}

/// The EVP way, which the provider uses when its library context offers no X25519 functions.
TEST_F(Wycheproof, x25519_evp_fallback) {
  x25519_cases(
      *this, *provider_,
      [&](const ByteVec& priv) { return crypto::evp_x25519_key_share(provider_->libctx(), priv); },
      [&](const auto& file, const auto& check, const auto& acceptable) {
        run(file, check, acceptable);
      });
}

TEST(native_x25519, all_zero_shared_secret_is_illegal_parameter) {
  // RFC 8446 §7.4.2: checked by us, whatever libcrypto does.
  const ByteVec zero(32, 0);
  const auto refused = crypto::check_x25519_shared_secret(zero);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::illegal_parameter);
  ByteVec one(32, 0);
  one[31] = 1;
  EXPECT_TRUE(crypto::check_x25519_shared_secret(one));
}

TEST(native_x25519, wrong_lengths_are_illegal_parameter) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const auto dispatch = crypto::X25519Dispatch::fetch((*p)->libctx());
  ASSERT_NE(dispatch, nullptr);
  const ByteVec priv(32, 0x42);
  for (const ByteVec& bad_private : {ByteVec(31, 1), ByteVec(33, 1), ByteVec{}}) {
    const auto share = dispatch->key_share(bad_private);
    ASSERT_FALSE(share);
    EXPECT_EQ(share.error().alert, Alert::illegal_parameter);
  }
  auto share = dispatch->key_share(priv);
  ASSERT_TRUE(share);
  for (const ByteVec& bad_public : {ByteVec(31, 9), ByteVec(33, 9), ByteVec{}}) {
    const auto shared = (*share)->complete(bad_public);
    ASSERT_FALSE(shared);
    EXPECT_EQ(shared.error().alert, Alert::illegal_parameter);
  }
}

TEST(native_x25519, no_dispatch_without_an_x25519_provider) {
  // A library context with only the base provider (encoders, no algorithms): no X25519
  // functions, so a provider over it would take the EVP way (which then fails cleanly too).
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  ASSERT_NE(libctx, nullptr);
  OSSL_PROVIDER* base = OSSL_PROVIDER_load(libctx, "base");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(crypto::X25519Dispatch::fetch(libctx), nullptr);
  const auto evp = crypto::evp_x25519_key_share(libctx, ByteVec(32, 0x42));
  ASSERT_FALSE(evp);
  EXPECT_EQ(evp.error().alert, Alert::internal_error);
  OSSL_PROVIDER_unload(base);
  OSSL_LIB_CTX_free(libctx);
}

/// The uncompressed point of a DER SubjectPublicKeyInfo, or nothing when it does not parse or
/// is compressed (TLS 1.3 allows only uncompressed points, RFC 8446 §4.2.8.2).
std::optional<ByteVec> point_of(const ByteVec& spki, bool& compressed) {
  const unsigned char* p = spki.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  compressed = false;
  if (key == nullptr) return std::nullopt;
  ByteVec out(200);
  std::size_t len = 0;
  const int ok = EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                 out.data(), out.size(), &len);
  EVP_PKEY_free(key);
  if (ok != 1) return std::nullopt;
  out.resize(len);
  if (out.empty() || out[0] != 0x04) {
    compressed = true;
    return std::nullopt;
  }
  return out;
}

// ECDH "acceptable" cases are SubjectPublicKeyInfo encodings that a strict DER decoder may refuse
// (InvalidAsn), explicit curve parameters (UnnamedCurve) and a compressed point. A TLS key share
// is a bare point, never an SPKI, so:
// - CompressedPublic: the compressed point itself (the SPKI's BIT STRING) is offered as a key
//   share and must be refused: RFC 8446 §4.2.8.2 allows only the uncompressed form ("Peers MUST
//   validate each other's public key"; the legacy_form is 4, "uncompressed").
// - InvalidAsn: whenever libcrypto decodes a point out of the encoding, it is a valid point on
//   the curve, and the key share must accept it and compute the expected secret (an encoding it
//   will not decode holds no point for us to try).
// - UnnamedCurve: does not apply (ecdh_cases says so).
const Acceptable kEcdhAcceptable = [](const Json&, const Json& t) {
  if (has_flag(t, "CompressedPublic")) return false;
  EXPECT_TRUE(has_flag(t, "InvalidAsn"))
      << "an acceptable ECDH case of a new kind: tcId " << t["tcId"] << " " << t["flags"];
  return true;
};

void ecdh_cases(
    Wycheproof&, crypto::LibcryptoProvider& p, NamedGroup group, std::size_t scalar,
    const std::string& file,
    const std::function<void(const std::string&,
                             const std::function<std::optional<bool>(const Json&, const Json&)>&)>&
        run) {
  run(file, [&](const Json&, const Json& t) -> std::optional<bool> {
    // Explicit curve parameters in the SubjectPublicKeyInfo test the SPKI decoder; a TLS key
    // share is a bare point on the negotiated group, so they do not apply.
    for (const auto& flag : t["flags"]) {
      if (flag == "UnnamedCurve") return std::nullopt;
    }
    ByteVec priv = hex(t["private"]);
    while (priv.size() > scalar && priv.front() == 0) priv.erase(priv.begin());
    while (priv.size() < scalar) priv.insert(priv.begin(), 0);
    if (has_flag(t, "CompressedPoint")) {
      // The SPKI ends with the point: offer its compressed form as the peer's key share.
      const ByteVec spki = hex(t["public"]);
      if (spki.size() < scalar + 1) return false;
      const ByteVec compressed_point(spki.end() - static_cast<std::ptrdiff_t>(scalar + 1),
                                     spki.end());
      if (compressed_point[0] != 0x02 && compressed_point[0] != 0x03) return std::nullopt;
      auto share = p.key_share_from_private(group, priv);
      if (!share) return false;
      auto shared = (*share)->complete(compressed_point);
      return shared && to_hex(vec(*shared)) == to_hex(hex(t["shared"]));
    }
    bool compressed = false;
    auto point = point_of(hex(t["public"]), compressed);
    if (compressed) return std::nullopt;  // handled above
    // An acceptable BER/DER oddity that libcrypto does not decode holds no point for us to try.
    if (!point && t["result"] == "acceptable" && has_flag(t, "InvalidAsn")) return std::nullopt;
    if (!point) return false;
    auto share = p.key_share_from_private(group, priv);
    if (!share) return false;
    auto shared = (*share)->complete(*point);
    if (!shared) return false;
    return to_hex(vec(*shared)) == to_hex(hex(t["shared"]));
  });
}

TEST_F(Wycheproof, ecdh_p256) {
  ecdh_cases(*this, *provider_, NamedGroup::secp256r1, 32, "ecdh_secp256r1_test.json",
             [&](const std::string& f, const auto& c) { run(f, c, kEcdhAcceptable); });
}

TEST_F(Wycheproof, ecdh_p384) {
  ecdh_cases(*this, *provider_, NamedGroup::secp384r1, 48, "ecdh_secp384r1_test.json",
             [&](const std::string& f, const auto& c) { run(f, c, kEcdhAcceptable); });
}

void signature_cases(
    crypto::LibcryptoProvider& p, SignatureScheme scheme, const std::string& file,
    const std::function<void(const std::string&,
                             const std::function<std::optional<bool>(const Json&, const Json&)>&)>&
        run) {
  run(file, [&](const Json& g, const Json& t) -> std::optional<bool> {
    const ByteVec spki = hex(g["publicKeyDer"]);
    const auto ours = p.verify(scheme, spki, hex(t["msg"]), hex(t["sig"]));
    // The provider's per-key contexts (signature_contexts.hpp) decide as EVP_DigestVerify does.
    const unsigned char* cursor = spki.data();
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki.size()));
    EXPECT_NE(key, nullptr) << "tcId " << t["tcId"];
    if (key != nullptr) {
      const auto evp =
          crypto::evp_digest_verify(p.libctx(), key, scheme, hex(t["msg"]), hex(t["sig"]));
      EVP_PKEY_free(key);
      EXPECT_EQ(evp.has_value(), ours.has_value()) << "tcId " << t["tcId"];
    }
    if (!ours) {
      EXPECT_EQ(ours.error().alert, Alert::decrypt_error) << "tcId " << t["tcId"];
    }
    return ours.has_value();
  });
}

// For signatures, "acceptable" cases (e.g. BER-encoded ECDSA signatures or PSS edge cases) go
// whichever way libcrypto decides; we do not loosen or tighten it.
TEST_F(Wycheproof, ecdsa_p256_sha256) {
  signature_cases(*provider_, SignatureScheme::ecdsa_secp256r1_sha256,
                  "ecdsa_secp256r1_sha256_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, ecdsa_p384_sha384) {
  signature_cases(*provider_, SignatureScheme::ecdsa_secp384r1_sha384,
                  "ecdsa_secp384r1_sha384_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, ed25519) {
  signature_cases(*provider_, SignatureScheme::ed25519, "ed25519_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, rsa_pss_2048_sha256) {
  signature_cases(*provider_, SignatureScheme::rsa_pss_rsae_sha256,
                  "rsa_pss_2048_sha256_mgf1_32_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, rsa_pss_3072_sha256) {
  signature_cases(*provider_, SignatureScheme::rsa_pss_rsae_sha256,
                  "rsa_pss_3072_sha256_mgf1_32_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

TEST_F(Wycheproof, rsa_pss_4096_sha256) {
  signature_cases(*provider_, SignatureScheme::rsa_pss_rsae_sha256,
                  "rsa_pss_4096_sha256_mgf1_32_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kNoAcceptableCases); });
}

// The one acceptable PKCS#1 v1.5 case is a DigestInfo without the NULL parameters (MissingNull).
// RFC 8017 §8.2.2 verifies by re-encoding the digest (step 3) and comparing "the encoded message
// EM and the second encoded message EM'" (step 4), and Appendix B.1 has the DigestInfo in
// EMSA-PKCS1-v1_5 carry NULL parameters: an encoding without them must be refused.
const Acceptable kPkcs1Acceptable = [](const Json&, const Json& t) {
  EXPECT_TRUE(has_flag(t, "MissingNull"))
      << "an acceptable PKCS#1 case of a new kind: tcId " << t["tcId"] << " " << t["flags"];
  return false;
};

TEST_F(Wycheproof, rsa_pkcs1_2048_sha256) {
  signature_cases(*provider_, SignatureScheme::rsa_pkcs1_sha256,
                  "rsa_signature_2048_sha256_test.json",
                  [&](const std::string& f, const auto& c) { run(f, c, kPkcs1Acceptable); });
}

/// A fresh key of `type` ("EC" with `curve`, or "RSA"): its DER PKCS#8 and SubjectPublicKeyInfo.
struct TestKey {
  ByteVec pkcs8;
  ByteVec spki;
};
TestKey make_key(const char* type, const char* curve) {
  EVP_PKEY* key = curve != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve)
                  : std::string_view(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, std::size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  TestKey out;
  if (key == nullptr) return out;
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(key);
  unsigned char* der = nullptr;
  int len = p8 != nullptr ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : 0;
  if (len > 0) out.pkcs8.assign(der, der + len);
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  der = nullptr;
  len = i2d_PUBKEY(key, &der);
  if (len > 0) out.spki.assign(der, der + len);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return out;
}

// Signatures made with the per-key contexts verify with EVP_DigestVerify and the other way
// round, for every scheme the contexts take; a changed message or signature is decrypt_error.
TEST(native_provider, signature_contexts_agree_with_evp) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  crypto::LibcryptoProvider& provider = **p;
  const TestKey p256 = make_key("EC", "P-256");
  const TestKey p384 = make_key("EC", "P-384");
  const TestKey rsa = make_key("RSA", nullptr);
  const std::vector<std::pair<const TestKey*, SignatureScheme>> cases{
      {&p256, SignatureScheme::ecdsa_secp256r1_sha256},
      {&p384, SignatureScheme::ecdsa_secp384r1_sha384},
      {&rsa, SignatureScheme::rsa_pkcs1_sha256},
      {&rsa, SignatureScheme::rsa_pkcs1_sha384},
      {&rsa, SignatureScheme::rsa_pkcs1_sha512},
      {&rsa, SignatureScheme::rsa_pss_rsae_sha256},
      {&rsa, SignatureScheme::rsa_pss_rsae_sha384},
      {&rsa, SignatureScheme::rsa_pss_rsae_sha512}};
  const ByteVec message(130, 0x20);
  for (const auto& [key, scheme] : cases) {
    SCOPED_TRACE(static_cast<int>(scheme));
    ASSERT_FALSE(key->pkcs8.empty());
    ASSERT_TRUE(crypto::SignatureContexts::handles(scheme));
    const unsigned char* cursor = key->spki.data();
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(key->spki.size()));
    ASSERT_NE(pub, nullptr);
    auto signer = provider.load_signing_key(key->pkcs8);
    ASSERT_TRUE(signer);
    // Twice: the second signature copies the context the first one made.
    for (int round = 0; round < 2; ++round) {
      auto ours = (*signer)->sign(scheme, message);
      ASSERT_TRUE(ours);
      EXPECT_TRUE(crypto::evp_digest_verify(provider.libctx(), pub, scheme, message, *ours));
      EXPECT_TRUE(provider.verify(scheme, key->spki, message, *ours));
      ByteVec changed = *ours;
      changed[changed.size() / 2] ^= 0x01;
      const auto refused = provider.verify(scheme, key->spki, message, changed);
      ASSERT_FALSE(refused);
      EXPECT_EQ(refused.error().alert, Alert::decrypt_error);
      ByteVec other = message;
      other[0] ^= 0x01;
      EXPECT_FALSE(provider.verify(scheme, key->spki, other, *ours));
    }
    auto evp = crypto::evp_sign_pkcs8(provider.libctx(), key->pkcs8, scheme, message);
    ASSERT_TRUE(evp);
    EXPECT_TRUE(provider.verify(scheme, key->spki, message, *evp));
    EVP_PKEY_free(pub);
  }
}

// The key kind worked out once per key decides as the key itself: each key fits exactly its own
// schemes, for signing (supports) and verifying (anything else is illegal_parameter).
TEST(native_provider, keys_fit_exactly_their_schemes) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const std::vector<SignatureScheme> all{SignatureScheme::ecdsa_secp256r1_sha256,
                                         SignatureScheme::ecdsa_secp384r1_sha384,
                                         SignatureScheme::ecdsa_secp521r1_sha512,
                                         SignatureScheme::rsa_pkcs1_sha256,
                                         SignatureScheme::rsa_pkcs1_sha384,
                                         SignatureScheme::rsa_pkcs1_sha512,
                                         SignatureScheme::rsa_pss_rsae_sha256,
                                         SignatureScheme::rsa_pss_rsae_sha384,
                                         SignatureScheme::rsa_pss_rsae_sha512,
                                         SignatureScheme::rsa_pss_pss_sha256,
                                         SignatureScheme::ed25519};
  const auto rsa_schemes = std::vector<SignatureScheme>(all.begin() + 3, all.begin() + 9);
  const std::vector<std::pair<TestKey, std::vector<SignatureScheme>>> keys{
      {make_key("EC", "P-256"), {SignatureScheme::ecdsa_secp256r1_sha256}},
      {make_key("EC", "P-384"), {SignatureScheme::ecdsa_secp384r1_sha384}},
      {make_key("EC", "P-521"), {SignatureScheme::ecdsa_secp521r1_sha512}},
      {make_key("RSA", nullptr), rsa_schemes},
      {make_key("ED25519", nullptr), {SignatureScheme::ed25519}}};
  const ByteVec message(64, 0x20);
  for (const auto& [key, fits] : keys) {
    ASSERT_FALSE(key.pkcs8.empty());
    auto signer = (*p)->load_signing_key(key.pkcs8);
    ASSERT_TRUE(signer);
    for (const SignatureScheme scheme : all) {
      SCOPED_TRACE(static_cast<int>(scheme));
      const bool fit = std::ranges::find(fits, scheme) != fits.end();
      EXPECT_EQ((*signer)->supports(scheme), fit);
      auto signature = (*signer)->sign(fit ? scheme : fits.front(), message);
      ASSERT_TRUE(signature);
      const auto verified = (*p)->verify(scheme, key.spki, message, *signature);
      EXPECT_EQ(verified.has_value(), fit);
      if (!fit) {
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().alert, Alert::illegal_parameter);
      }
    }
  }
}

TEST(native_provider, key_scheme_mismatch_is_illegal_parameter) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  std::ifstream in(vectors("ed25519_test.json"));
  ASSERT_TRUE(in) << "the Wycheproof vectors are missing: no " << vectors("ed25519_test.json");
  const Json doc = Json::parse(in);
  const auto& g = doc["testGroups"][0];
  const auto& t = g["tests"][0];
  auto r = (*p)->verify(SignatureScheme::ecdsa_secp256r1_sha256, hex(g["publicKeyDer"]),
                        hex(t["msg"]), hex(t["sig"]));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::illegal_parameter);
}

TEST(native_provider, deterministic_random_is_hazmat_opt_in) {
  struct Counter final : crypto::RandomSource {
    std::uint8_t next = 1;
    void fill(std::span<std::uint8_t> out) override {
      for (auto& b : out) b = next++;
    }
  };
  struct Fixed final : crypto::Clock {
    [[nodiscard]] std::chrono::system_clock::time_point now() const override {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    }
  };
  auto a = crypto::LibcryptoProvider::hazmat_create_deterministic(std::make_unique<Counter>(),
                                                                  std::make_unique<Fixed>());
  auto b = crypto::LibcryptoProvider::hazmat_create_deterministic(std::make_unique<Counter>(),
                                                                  std::make_unique<Fixed>());
  ASSERT_TRUE(a && b);
  auto ka = (*a)->generate_key_share(NamedGroup::x25519);
  auto kb = (*b)->generate_key_share(NamedGroup::x25519);
  ASSERT_TRUE(ka && kb);
  EXPECT_EQ(ByteVec((*ka)->public_key().begin(), (*ka)->public_key().end()),
            ByteVec((*kb)->public_key().begin(), (*kb)->public_key().end()));
  EXPECT_EQ((*a)->now().time_since_epoch(), std::chrono::seconds(1700000000));
  // The default provider is not deterministic.
  auto c = crypto::LibcryptoProvider::create();
  auto d = crypto::LibcryptoProvider::create();
  ByteVec rc(32), rd(32);
  (*c)->random(rc);
  (*d)->random(rd);
  EXPECT_NE(rc, rd);
  for (auto group : {NamedGroup::secp256r1, NamedGroup::secp384r1}) {
    auto k1 = (*c)->generate_key_share(group);
    auto k2 = (*d)->generate_key_share(group);
    ASSERT_TRUE(k1 && k2);
    auto s1 = (*k1)->complete((*k2)->public_key());
    auto s2 = (*k2)->complete((*k1)->public_key());
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(vec(*s1), vec(*s2));
  }
}

}  // namespace
}  // namespace sanstls::native
