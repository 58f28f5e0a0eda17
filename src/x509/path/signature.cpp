// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/path/signature.hpp"

#include "x509/path/verifier_cache.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>

namespace sanstls::x509::path {
namespace {

using der::same_bytes;
using wire::Bytes;

/// RFC 8446 §4.4.2.2 and docs/design.md: RSA moduli below 2048 bits are refused.
constexpr int min_rsa_bits = 2048;

template <std::size_t N>
using Oid = std::array<std::uint8_t, N>;

// pkcs-1 = 1.2.840.113549.1.1 (RFC 8017 Appendix C).
constexpr Oid<9> oid_md5_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04};
constexpr Oid<9> oid_sha1_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05};
constexpr Oid<9> oid_mgf1{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
constexpr Oid<9> oid_rsassa_pss{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
constexpr Oid<9> oid_sha256_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
constexpr Oid<9> oid_sha384_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c};
constexpr Oid<9> oid_sha512_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d};
// ANSI X9.62 (RFC 5758 §3.2, RFC 3279 §2.2.3).
constexpr Oid<7> oid_ecdsa_sha1{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
constexpr Oid<8> oid_ecdsa_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr Oid<8> oid_ecdsa_sha384{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr Oid<8> oid_ecdsa_sha512{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
constexpr Oid<7> oid_dsa_sha1{0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03};
// RFC 8410 §3.
constexpr Oid<3> oid_ed25519{0x2b, 0x65, 0x70};
// Hashes (RFC 4055 §2.1, NIST).
constexpr Oid<5> oid_sha1{0x2b, 0x0e, 0x03, 0x02, 0x1a};
constexpr Oid<9> oid_sha256{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
constexpr Oid<9> oid_sha384{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
constexpr Oid<9> oid_sha512{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};

Refusal weak(const char* what) {
  return Refusal{CertificateProblem::weak_signature_algorithm,
                 fmt::format("is signed with {}, which sanstls refuses", what)};
}
Refusal unsupported(std::string_view why) {
  return Refusal{CertificateProblem::bad_signature,
                 fmt::format("is signed with {}, which sanstls does not accept", why)};
}

/// RFC 4055 §2.1 / RFC 5754 §2: hash AlgorithmIdentifier parameters are NULL or absent.
bool null_or_absent(const der::AlgorithmIdentifier& algorithm) {
  return !algorithm.parameters ||
         (algorithm.parameters->tag == der::tag::null && algorithm.parameters->value.empty());
}

struct Hash {
  const char* name;
  int length;
};
std::optional<Hash> hash_of(Bytes oid) {
  if (same_bytes(oid, oid_sha256)) return Hash{"SHA256", 32};
  if (same_bytes(oid, oid_sha384)) return Hash{"SHA384", 48};
  if (same_bytes(oid, oid_sha512)) return Hash{"SHA512", 64};
  return std::nullopt;
}

/// RSASSA-PSS-params (RFC 4055 §3.1), with the rules of RFC 8446 §4.2.3 for rsa_pss_*: the
/// MGF1 hash is the message hash and the salt is as long as the hash.
tl::expected<SignatureScheme, Refusal> pss_scheme(const der::AlgorithmIdentifier& algorithm) {
  const auto malformed = [](std::string_view why) {
    return tl::unexpected<Refusal>(
        Refusal{CertificateProblem::bad_signature,
                fmt::format("has RSASSA-PSS parameters that sanstls does not accept ({})", why)});
  };
  if (!algorithm.parameters || algorithm.parameters->tag != der::tag::sequence) {
    return malformed("missing, so SHA-1 by default");
  }
  wire::Reader params(algorithm.parameters->value);
  std::optional<Hash> hash;
  std::optional<Hash> mgf_hash;
  std::uint64_t salt = 20;  // DEFAULT
  bool sha1 = false;
  // hashAlgorithm [0] EXPLICIT DEFAULT sha1.
  if (der::peek_tag(params) == der::tag::context_constructed(0)) {
    auto inner = der::read_constructed(params, der::tag::context_constructed(0), "pss.hash");
    if (!inner) return malformed("unreadable hash");
    // Reuse the AlgorithmIdentifier reader through a tiny parse: SEQUENCE { OID, NULL? }.
    auto sequence = der::read_constructed(*inner, der::tag::sequence, "pss.hash");
    if (!sequence) return malformed("unreadable hash");
    auto oid = der::read_oid(*sequence, "pss.hash");
    if (!oid) return malformed("unreadable hash");
    if (!sequence->empty() && !der::read_null(*sequence, "pss.hash")) {
      return malformed("hash parameters are not NULL");
    }
    if (!sequence->empty() || !inner->empty()) return malformed("trailing data");
    sha1 = same_bytes(*oid, oid_sha1);
    hash = hash_of(*oid);
  } else {
    sha1 = true;
  }
  // maskGenAlgorithm [1] EXPLICIT DEFAULT mgf1SHA1.
  if (der::peek_tag(params) == der::tag::context_constructed(1)) {
    auto inner = der::read_constructed(params, der::tag::context_constructed(1), "pss.mgf");
    if (!inner) return malformed("unreadable mask generation function");
    auto sequence = der::read_constructed(*inner, der::tag::sequence, "pss.mgf");
    if (!sequence) return malformed("unreadable mask generation function");
    auto oid = der::read_oid(*sequence, "pss.mgf");
    if (!oid || !same_bytes(*oid, oid_mgf1)) return malformed("not MGF1");
    auto mgf_sequence = der::read_constructed(*sequence, der::tag::sequence, "pss.mgf");
    if (!mgf_sequence) return malformed("unreadable MGF1 hash");
    auto mgf_oid = der::read_oid(*mgf_sequence, "pss.mgf");
    if (!mgf_oid) return malformed("unreadable MGF1 hash");
    if (!mgf_sequence->empty() && !der::read_null(*mgf_sequence, "pss.mgf")) {
      return malformed("MGF1 hash parameters are not NULL");
    }
    if (!mgf_sequence->empty() || !sequence->empty() || !inner->empty()) {
      return malformed("trailing data");
    }
    mgf_hash = hash_of(*mgf_oid);
    sha1 = sha1 || same_bytes(*mgf_oid, oid_sha1);
  } else {
    sha1 = true;
  }
  // saltLength [2] EXPLICIT INTEGER DEFAULT 20.
  if (der::peek_tag(params) == der::tag::context_constructed(2)) {
    auto inner = der::read_constructed(params, der::tag::context_constructed(2), "pss.salt");
    if (!inner) return malformed("unreadable salt length");
    auto value = der::read_small_unsigned(*inner, 1024, "pss.salt");
    if (!value || !inner->empty()) return malformed("unreadable salt length");
    salt = *value;
  }
  // trailerField [3] DEFAULT trailerFieldBC(1): DER never encodes the only allowed value.
  if (!params.empty()) {
    return malformed("trailerField or trailing data present");
  }
  if (sha1) {
    return tl::unexpected<Refusal>(weak("RSASSA-PSS with SHA-1"));
  }
  if (!hash || !mgf_hash) {
    return malformed("hash is not SHA-256, SHA-384 or SHA-512");
  }
  if (std::strcmp(hash->name, mgf_hash->name) != 0) {
    return malformed("the MGF1 hash differs from the message hash");
  }
  if (salt != static_cast<std::uint64_t>(hash->length)) {
    return malformed(fmt::format("salt length {} is not the hash length {}", salt, hash->length));
  }
  SignatureScheme scheme;
  scheme.key_type = PublicKey::Type::rsa;
  scheme.digest = hash->name;
  scheme.pss = true;
  scheme.salt_length = hash->length;
  scheme.name = hash->length == 32   ? "RSASSA-PSS with SHA-256"
                : hash->length == 48 ? "RSASSA-PSS with SHA-384"
                                     : "RSASSA-PSS with SHA-512";
  return scheme;
}

}  // namespace

tl::expected<PublicKey, Refusal> import_public_key(Bytes spki, OSSL_LIB_CTX* libctx,
                                                   EVP_PKEY* decoded) {
  ossl::EvpPkeyPtr key;
  if (decoded != nullptr && EVP_PKEY_up_ref(decoded) == 1) {
    key.reset(decoded);
  } else {
    const unsigned char* cursor = spki.data();
    key.reset(d2i_PUBKEY_ex(nullptr, &cursor, static_cast<long>(spki.size()), libctx, nullptr));
  }
  if (!key) {
    ERR_clear_error();
    return tl::unexpected<Refusal>(
        Refusal{CertificateProblem::malformed, "has a public key that cannot be decoded"});
  }
  PublicKey result;
  const int bits = EVP_PKEY_get_bits(key.get());
  if (EVP_PKEY_is_a(key.get(), "RSA") != 0 || EVP_PKEY_is_a(key.get(), "RSA-PSS") != 0) {
    if (bits < min_rsa_bits) {
      return tl::unexpected<Refusal>(
          Refusal{CertificateProblem::weak_key,
                  fmt::format("has a {}-bit RSA key; sanstls requires at least {} bits", bits,
                              min_rsa_bits)});
    }
    result.type = PublicKey::Type::rsa;
  } else if (EVP_PKEY_is_a(key.get(), "EC") != 0) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &length) != 1) {
      ERR_clear_error();
      return tl::unexpected<Refusal>(
          Refusal{CertificateProblem::weak_key,
                  "has an ECDSA key without a named curve; sanstls accepts P-256 and P-384"});
    }
    const std::string_view name(group.data(), length);
    if (name != "prime256v1" && name != "secp384r1") {
      return tl::unexpected<Refusal>(Refusal{
          CertificateProblem::weak_key,
          fmt::format("has an ECDSA key on curve {}; sanstls accepts P-256 and P-384", name)});
    }
    result.type = PublicKey::Type::ecdsa;
  } else if (EVP_PKEY_is_a(key.get(), "ED25519") != 0) {
    result.type = PublicKey::Type::ed25519;
  } else {
    return tl::unexpected<Refusal>(
        Refusal{CertificateProblem::weak_key,
                fmt::format("has a {} key; sanstls accepts RSA, ECDSA (P-256, P-384) and Ed25519",
                            EVP_PKEY_get0_type_name(key.get()) != nullptr
                                ? EVP_PKEY_get0_type_name(key.get())
                                : "unknown")});
  }
  result.key = std::move(key);
  return result;
}

tl::expected<SignatureScheme, Refusal> signature_scheme(const der::AlgorithmIdentifier& algorithm) {
  const Bytes oid = algorithm.oid;
  // RFC 9155 deprecates MD5 and SHA-1 signatures; RFC 8446 §4.2.3 does not allow them for
  // certificates unless nothing else is available, and sanstls never falls back.
  if (same_bytes(oid, oid_md5_rsa)) return tl::unexpected<Refusal>(weak("MD5"));
  if (same_bytes(oid, oid_sha1_rsa) || same_bytes(oid, oid_ecdsa_sha1) ||
      same_bytes(oid, oid_dsa_sha1)) {
    return tl::unexpected<Refusal>(weak("SHA-1"));
  }
  SignatureScheme scheme;
  const auto rsa = [&](const char* digest,
                       const char* name) -> tl::expected<SignatureScheme, Refusal> {
    // RFC 4055 §5: the parameters "MUST be NULL" (implementations also accept absent ones).
    if (!null_or_absent(algorithm)) {
      return tl::unexpected<Refusal>(unsupported("RSA parameters that are not NULL"));
    }
    scheme.key_type = PublicKey::Type::rsa;
    scheme.digest = digest;
    scheme.name = name;
    return scheme;
  };
  const auto absent = [&](PublicKey::Type type, const char* digest,
                          const char* name) -> tl::expected<SignatureScheme, Refusal> {
    // RFC 5758 §3.2 (ECDSA) and RFC 8410 §3 (Ed25519): the parameters MUST be absent.
    if (algorithm.parameters) {
      return tl::unexpected<Refusal>(unsupported(fmt::format("{} with parameters", name)));
    }
    scheme.key_type = type;
    scheme.digest = digest;
    scheme.name = name;
    return scheme;
  };
  if (same_bytes(oid, oid_sha256_rsa)) return rsa("SHA256", "sha256WithRSAEncryption");
  if (same_bytes(oid, oid_sha384_rsa)) return rsa("SHA384", "sha384WithRSAEncryption");
  if (same_bytes(oid, oid_sha512_rsa)) return rsa("SHA512", "sha512WithRSAEncryption");
  if (same_bytes(oid, oid_rsassa_pss)) return pss_scheme(algorithm);
  if (same_bytes(oid, oid_ecdsa_sha256)) {
    return absent(PublicKey::Type::ecdsa, "SHA256", "ecdsa-with-SHA256");
  }
  if (same_bytes(oid, oid_ecdsa_sha384)) {
    return absent(PublicKey::Type::ecdsa, "SHA384", "ecdsa-with-SHA384");
  }
  if (same_bytes(oid, oid_ecdsa_sha512)) {
    return absent(PublicKey::Type::ecdsa, "SHA512", "ecdsa-with-SHA512");
  }
  if (same_bytes(oid, oid_ed25519)) return absent(PublicKey::Type::ed25519, nullptr, "Ed25519");
  return tl::unexpected<Refusal>(unsupported("an unknown signature algorithm"));
}

tl::expected<void, Refusal> verify_signature(const der::ParsedCertificate& subject,
                                             const SignatureScheme& scheme,
                                             const PublicKey& issuer_key, OSSL_LIB_CTX* libctx,
                                             const VerifierCache* verifiers) {
  if (scheme.key_type != issuer_key.type) {
    return tl::unexpected<Refusal>(Refusal{
        CertificateProblem::bad_signature,
        fmt::format("is signed with {}, which does not fit its issuer's key type", scheme.name)});
  }
  if (verifiers != nullptr) {
    if (const auto verified = verifiers->verify(libctx, issuer_key.key.get(), scheme, subject.tbs,
                                                subject.signature)) {
      if (!*verified) {
        return tl::unexpected<Refusal>(
            Refusal{CertificateProblem::bad_signature, "has a signature that does not verify"});
      }
      return {};
    }
  }
  ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = ctx != nullptr && EVP_DigestVerifyInit_ex(ctx.get(), &pctx, scheme.digest, libctx,
                                                      nullptr, issuer_key.key.get(), nullptr) == 1;
  if (ok && scheme.pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, scheme.salt_length) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, scheme.digest, nullptr) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), subject.signature.data(), subject.signature.size(),
                              subject.tbs.data(), subject.tbs.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return tl::unexpected<Refusal>(
        Refusal{CertificateProblem::bad_signature, "has a signature that does not verify"});
  }
  return {};
}

}  // namespace sanstls::x509::path
