// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "certmaker/x509_builder.hpp"

#include "base/ossl_ptr.hpp"
#include "base/secret_bytes.hpp"
#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <limits>

namespace sanstls::certmaker {
namespace {

using EvpMdPtr = std::unique_ptr<EVP_MD, ossl::Deleter<EVP_MD_free>>;
using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, ossl::Deleter<BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, ossl::Deleter<ASN1_OCTET_STRING_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>>;
using AkidPtr = std::unique_ptr<AUTHORITY_KEYID, ossl::Deleter<AUTHORITY_KEYID_free>>;
using NameConstraintsPtr = std::unique_ptr<NAME_CONSTRAINTS, ossl::Deleter<NAME_CONSTRAINTS_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>>;
using GeneralSubtreePtr = std::unique_ptr<GENERAL_SUBTREE, ossl::Deleter<GENERAL_SUBTREE_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, ossl::Deleter<PKCS8_PRIV_KEY_INFO_free>>;

// RFC 5280 Appendix A: ub-common-name is 64 characters; libcrypto refuses longer CNs.
constexpr std::size_t max_common_name_length = 64;

tl::unexpected<Error> openssl_failure(std::string_view what) {
  std::string detail = take_openssl_error();
  if (detail.empty()) {
    return fail(Errc::internal_error, fmt::format("certificate maker: {} failed", what));
  }
  return fail(Errc::internal_error, fmt::format("certificate maker: {} failed: {}", what, detail));
}

tl::unexpected<Error> bad_option(std::string message) {
  return fail(Errc::bad_configuration, fmt::format("certificate maker: {}", message));
}

bool set_time(ASN1_TIME* field, std::chrono::system_clock::time_point when) {
  return ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(when)) != nullptr;
}

// RFC 5280 §4.1.2.2: positive, at most 20 octets, unique per issuer. 128 random bits make
// collisions negligible without any state.
bool set_random_serial(const Workspace& workspace, X509* certificate) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes_ex(workspace.libctx(), bytes.data(), bytes.size(), 0) != 1) {
    return false;
  }
  bytes[0] |= 0x01;  // never zero (RFC 5280 §4.1.2.2: non-zero), whatever the other bits are
  ossl::BignumPtr serial(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  return serial != nullptr &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr;
}

// Strict IP literal parsing: libcrypto's a2i_IPADDRESS accepts trailing garbage after a dotted
// quad ("1.2.3.4.example"), which would silently turn a DNS name into an address.
std::optional<std::vector<unsigned char>> parse_ip_literal(const std::string& text) {
  std::array<unsigned char, 16> buffer{};
  if (inet_pton(AF_INET, text.c_str(), buffer.data()) == 1) {
    return std::vector<unsigned char>(buffer.begin(), buffer.begin() + 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1) {
    return std::vector<unsigned char>(buffer.begin(), buffer.end());
  }
  return std::nullopt;
}

bool is_plausible_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  // IA5String, no spaces or control characters. We deliberately accept more than a strict
  // hostname grammar ("*.example", "_srv", trailing dot) so that tests can make odd names.
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return false;
    }
  }
  return true;
}

Result<GeneralNamePtr> make_dns_general_name(const std::string& name) {
  GeneralNamePtr general_name(GENERAL_NAME_new());
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (general_name == nullptr || ia5 == nullptr ||
      ASN1_STRING_set(ia5, name.data(), static_cast<int>(name.size())) != 1) {
    ASN1_IA5STRING_free(ia5);
    return openssl_failure("encoding a dNSName");
  }
  GENERAL_NAME_set0_value(general_name.get(), GEN_DNS, ia5);
  return general_name;
}

Result<GeneralNamePtr> make_general_name(const std::string& name) {
  if (auto ip = parse_ip_literal(name)) {
    GeneralNamePtr general_name(GENERAL_NAME_new());
    ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
    if (general_name == nullptr || octets == nullptr ||
        ASN1_OCTET_STRING_set(octets, ip->data(), static_cast<int>(ip->size())) != 1) {
      ASN1_OCTET_STRING_free(octets);
      return openssl_failure("encoding an iPAddress");
    }
    GENERAL_NAME_set0_value(general_name.get(), GEN_IPADD, octets);
    return general_name;
  }
  if (!is_plausible_dns_name(name)) {
    return bad_option(fmt::format(
        "'{}' is neither an IP address nor a DNS name (printable ASCII, no spaces)", name));
  }
  return make_dns_general_name(name);
}

template <class T>
bool add_extension(X509* certificate, int nid, T* value, bool critical) {
  return X509_add1_ext_i2d(certificate, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) == 1;
}

// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING. This SHA-1 is an
// identifier, not a signature, so it is unaffected by any SHA-1 policy.
Result<OctetStringPtr> key_identifier(const Workspace& workspace, X509* certificate) {
  EvpMdPtr sha1(EVP_MD_fetch(workspace.libctx(), "SHA1", nullptr));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (sha1 == nullptr || X509_pubkey_digest(certificate, sha1.get(), digest.data(), &length) != 1) {
    return openssl_failure("computing a key identifier");
  }
  OctetStringPtr octets(ASN1_OCTET_STRING_new());
  if (octets == nullptr ||
      ASN1_OCTET_STRING_set(octets.get(), digest.data(), static_cast<int>(length)) != 1) {
    return openssl_failure("encoding a key identifier");
  }
  return octets;
}

Result<EvpMdPtr> signature_digest(const Workspace& workspace, EVP_PKEY* issuer_key, bool sha1) {
  auto name = signature_digest_name(issuer_key, sha1);
  if (!name) {
    return tl::unexpected(name.error());
  }
  if (name->empty()) {
    return EvpMdPtr{};
  }
  EvpMdPtr md(EVP_MD_fetch(workspace.libctx(), name->c_str(), nullptr));
  if (md == nullptr) {
    return openssl_failure(fmt::format("fetching {}", *name));
  }
  return md;
}

Result<void> add_basic_constraints(X509* certificate, const CertificateSpec& spec) {
  if (!spec.basic_constraints) {
    return {};
  }
  BasicConstraintsPtr constraints(BASIC_CONSTRAINTS_new());
  if (constraints == nullptr) {
    return openssl_failure("allocating basicConstraints");
  }
  constraints->ca = spec.ca ? 0xFF : 0;
  if (spec.path_length) {
    constraints->pathlen = ASN1_INTEGER_new();
    if (constraints->pathlen == nullptr ||
        ASN1_INTEGER_set(constraints->pathlen, *spec.path_length) != 1) {
      return openssl_failure("encoding pathLenConstraint");
    }
  }
  // RFC 5280 §4.2.1.9: conforming CAs MUST mark basicConstraints critical in CA certificates;
  // we do it for leaves too so that no verifier can ignore cA=FALSE.
  if (!add_extension(certificate, NID_basic_constraints, constraints.get(), true)) {
    return openssl_failure("adding basicConstraints");
  }
  return {};
}

Result<void> add_key_usage(X509* certificate, const CertificateSpec& spec) {
  if (spec.key_usage.empty()) {
    return {};
  }
  BitStringPtr bits(ASN1_BIT_STRING_new());
  if (bits == nullptr) {
    return openssl_failure("allocating keyUsage");
  }
  for (KeyUsageBit bit : spec.key_usage) {
    if (ASN1_BIT_STRING_set_bit(bits.get(), bit, 1) != 1) {
      return openssl_failure("encoding keyUsage");
    }
  }
  // RFC 5280 §4.2.1.3: "conforming CAs SHOULD mark this extension as critical".
  if (!add_extension(certificate, NID_key_usage, bits.get(), true)) {
    return openssl_failure("adding keyUsage");
  }
  return {};
}

Result<void> add_extended_key_usage(X509* certificate, const CertificateSpec& spec) {
  if (spec.extended_key_usage.empty()) {
    return {};
  }
  EkuPtr usage(sk_ASN1_OBJECT_new_null());
  if (usage == nullptr) {
    return openssl_failure("allocating extendedKeyUsage");
  }
  for (int nid : spec.extended_key_usage) {
    // OBJ_nid2obj returns a static object; freeing the stack later does not free it.
    if (sk_ASN1_OBJECT_push(usage.get(), OBJ_nid2obj(nid)) == 0) {
      return openssl_failure("encoding extendedKeyUsage");
    }
  }
  if (!add_extension(certificate, NID_ext_key_usage, usage.get(), false)) {
    return openssl_failure("adding extendedKeyUsage");
  }
  return {};
}

Result<void> add_subject_alt_name(X509* certificate, const CertificateSpec& spec) {
  if (spec.alt_names.empty()) {
    return {};
  }
  ossl::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (names == nullptr) {
    return openssl_failure("allocating subjectAltName");
  }
  for (const std::string& name : spec.alt_names) {
    auto general_name = make_general_name(name);
    if (!general_name) {
      return tl::unexpected(general_name.error());
    }
    if (sk_GENERAL_NAME_push(names.get(), general_name->get()) == 0) {
      return openssl_failure("encoding subjectAltName");
    }
    general_name->release();  // now owned by the stack
  }
  // RFC 5280 §4.2.1.6: if the subject is empty, the SAN extension MUST be critical.
  if (!add_extension(certificate, NID_subject_alt_name, names.get(), spec.common_name.empty())) {
    return openssl_failure("adding subjectAltName");
  }
  return {};
}

// "192.0.2.0/24" or "2001:db8::/32" as the iPAddress form of a name constraint: the address
// followed by the mask (RFC 5280 §4.2.1.10).
std::optional<std::vector<unsigned char>> parse_ip_subtree(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  auto address = parse_ip_literal(text.substr(0, slash));
  const std::string prefix_text = text.substr(slash + 1);
  if (!address || prefix_text.empty() || prefix_text.size() > 3 ||
      prefix_text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  std::size_t prefix = 0;
  for (char digit : prefix_text) {
    prefix = prefix * 10 + static_cast<std::size_t>(digit - '0');
  }
  if (prefix > address->size() * 8) {
    return std::nullopt;
  }
  std::vector<unsigned char> out = *address;
  for (std::size_t i = 0; i < address->size(); ++i) {
    const std::size_t bits = prefix > i * 8 ? std::min<std::size_t>(8, prefix - i * 8) : 0;
    out.push_back(static_cast<unsigned char>(0xFF00U >> bits));
  }
  return out;
}

Result<GeneralNamePtr> make_subtree_base(const std::string& subtree, bool ip) {
  if (!ip) {
    if (!is_plausible_dns_name(subtree)) {
      return bad_option(fmt::format("'{}' is not a DNS name for a name constraint", subtree));
    }
    return make_dns_general_name(subtree);
  }
  auto octets_value = parse_ip_subtree(subtree);
  if (!octets_value) {
    return bad_option(
        fmt::format("'{}' is not an IP subtree for a name constraint (expected 192.0.2.0/24 or "
                    "2001:db8::/32)",
                    subtree));
  }
  GeneralNamePtr general_name(GENERAL_NAME_new());
  ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
  if (general_name == nullptr || octets == nullptr ||
      ASN1_OCTET_STRING_set(octets, octets_value->data(), static_cast<int>(octets_value->size())) !=
          1) {
    ASN1_OCTET_STRING_free(octets);
    return openssl_failure("encoding an iPAddress subtree");
  }
  GENERAL_NAME_set0_value(general_name.get(), GEN_IPADD, octets);
  return general_name;
}

Result<void> add_subtrees(STACK_OF(GENERAL_SUBTREE) * *target,
                          const std::vector<std::string>& subtrees, bool ip) {
  if (subtrees.empty()) {
    return {};
  }
  if (*target == nullptr) {
    *target = sk_GENERAL_SUBTREE_new_null();
    if (*target == nullptr) {
      return openssl_failure("allocating nameConstraints");
    }
  }
  for (const std::string& subtree : subtrees) {
    auto base = make_subtree_base(subtree, ip);
    if (!base) {
      return tl::unexpected(base.error());
    }
    GeneralSubtreePtr entry(GENERAL_SUBTREE_new());
    if (entry == nullptr) {
      return openssl_failure("allocating a name constraint");
    }
    GENERAL_NAME_free(entry->base);
    entry->base = base->release();
    if (sk_GENERAL_SUBTREE_push(*target, entry.get()) == 0) {
      return openssl_failure("encoding nameConstraints");
    }
    entry.release();  // now owned by the stack
  }
  return {};
}

Result<void> add_name_constraints(X509* certificate, const CertificateSpec& spec) {
  if (spec.permitted_dns_subtrees.empty() && spec.excluded_dns_subtrees.empty() &&
      spec.permitted_ip_subtrees.empty() && spec.excluded_ip_subtrees.empty()) {
    return {};
  }
  NameConstraintsPtr constraints(NAME_CONSTRAINTS_new());
  if (constraints == nullptr) {
    return openssl_failure("allocating nameConstraints");
  }
  for (auto added :
       {add_subtrees(&constraints->permittedSubtrees, spec.permitted_dns_subtrees, false),
        add_subtrees(&constraints->permittedSubtrees, spec.permitted_ip_subtrees, true),
        add_subtrees(&constraints->excludedSubtrees, spec.excluded_dns_subtrees, false),
        add_subtrees(&constraints->excludedSubtrees, spec.excluded_ip_subtrees, true)}) {
    if (!added) {
      return added;
    }
  }
  // RFC 5280 §4.2.1.10: "Conforming CAs MUST mark this extension as critical".
  if (!add_extension(certificate, NID_name_constraints, constraints.get(), true)) {
    return openssl_failure("adding nameConstraints");
  }
  return {};
}

Result<void> add_raw_extensions(X509* certificate, const CertificateSpec& spec) {
  for (const RawExtension& raw : spec.extra_extensions) {
    Asn1ObjectPtr oid(OBJ_txt2obj(raw.oid.c_str(), 1));
    OctetStringPtr value(ASN1_OCTET_STRING_new());
    if (oid == nullptr || value == nullptr ||
        ASN1_OCTET_STRING_set(value.get(), raw.value.data(), static_cast<int>(raw.value.size())) !=
            1) {
      return bad_option(fmt::format("cannot encode the extension '{}'", raw.oid));
    }
    X509_EXTENSION* extension =
        X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), raw.critical ? 1 : 0, value.get());
    const bool added = extension != nullptr && X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    if (!added) {
      return openssl_failure(fmt::format("adding the extension '{}'", raw.oid));
    }
  }
  for (int nid : spec.duplicated_extensions) {
    const int index = X509_get_ext_by_NID(certificate, nid, -1);
    if (index < 0) {
      return bad_option(fmt::format("cannot duplicate the absent extension '{}'", OBJ_nid2sn(nid)));
    }
    // X509_add_ext adds a copy, so the certificate then holds the extension twice.
    if (X509_add_ext(certificate, X509_get_ext(certificate, index), -1) != 1) {
      return openssl_failure("duplicating an extension");
    }
  }
  return {};
}

Result<void> sign_pss(const Workspace& workspace, X509* certificate, EVP_PKEY* issuer_key,
                      const PssParameters& pss) {
  if (EVP_PKEY_get_base_id(issuer_key) != EVP_PKEY_RSA) {
    return fail(Errc::unsupported, "certificate maker: RSA-PSS signatures need an RSA issuer key");
  }
  ossl::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (context == nullptr ||
      EVP_DigestSignInit_ex(context.get(), &key_context, pss.digest.c_str(), workspace.libctx(),
                            nullptr, issuer_key, nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, pss.salt_length) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(key_context, pss.mgf1_digest.c_str(), nullptr) <= 0) {
    return openssl_failure("preparing an RSA-PSS signature");
  }
  if (X509_sign_ctx(certificate, context.get()) <= 0) {
    return openssl_failure("signing the certificate with RSA-PSS");
  }
  return {};
}

Result<void> add_key_identifiers(const Workspace& workspace, X509* certificate, X509* issuer,
                                 const CertificateSpec& spec) {
  auto subject_id = key_identifier(workspace, certificate);
  if (!subject_id) {
    return tl::unexpected(subject_id.error());
  }
  if (spec.subject_key_identifier &&
      !add_extension(certificate, NID_subject_key_identifier, subject_id->get(), false)) {
    return openssl_failure("adding subjectKeyIdentifier");
  }
  if (spec.authority_key_identifier == AuthorityKeyId::absent) {
    return {};
  }
  // RFC 5280 §4.2.1.1: the authority key identifier is the issuer's subject key identifier
  // (computed from its key when the issuer certificate does not carry one).
  OctetStringPtr issuer_id;
  if (issuer == nullptr) {
    issuer_id.reset(ASN1_OCTET_STRING_dup(subject_id->get()));
  } else if (const ASN1_OCTET_STRING* existing = X509_get0_subject_key_id(issuer)) {
    issuer_id.reset(ASN1_OCTET_STRING_dup(existing));
  } else {
    auto computed = key_identifier(workspace, issuer);
    if (!computed) {
      return tl::unexpected(computed.error());
    }
    issuer_id = std::move(*computed);
  }
  if (spec.authority_key_identifier == AuthorityKeyId::mismatched && issuer_id != nullptr) {
    const std::array<unsigned char, 20> unrelated = [] {
      std::array<unsigned char, 20> bytes{};
      bytes.fill(0xA5);
      return bytes;
    }();
    if (ASN1_OCTET_STRING_set(issuer_id.get(), unrelated.data(),
                              static_cast<int>(unrelated.size())) != 1) {
      return openssl_failure("encoding authorityKeyIdentifier");
    }
  }
  AkidPtr authority(AUTHORITY_KEYID_new());
  if (issuer_id == nullptr || authority == nullptr) {
    return openssl_failure("encoding authorityKeyIdentifier");
  }
  authority->keyid = issuer_id.release();
  if (!add_extension(certificate, NID_authority_key_identifier, authority.get(), false)) {
    return openssl_failure("adding authorityKeyIdentifier");
  }
  return {};
}

}  // namespace

Result<std::string> signature_digest_name(EVP_PKEY* issuer_key, bool sha1) {
  // None for EdDSA (it hashes internally), SHA-384/512 for the larger curves so the hash
  // matches the curve strength, SHA-256 otherwise.
  const int id = EVP_PKEY_get_base_id(issuer_key);
  if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
    if (sha1) {
      return fail(Errc::unsupported,
                  "certificate maker: an EdDSA issuer cannot sign with SHA-1 (use an RSA or "
                  "ECDSA issuer for the sha1_signature flaw)");
    }
    return std::string{};
  }
  if (sha1) {
    return std::string("SHA1");
  }
  if (id == EVP_PKEY_EC) {
    std::array<char, 64> group{};
    std::size_t group_length = 0;
    if (EVP_PKEY_get_group_name(issuer_key, group.data(), group.size(), &group_length) == 1) {
      std::string_view curve(group.data(), group_length);
      if (curve == "secp384r1" || curve == "P-384") {
        return std::string("SHA384");
      }
      if (curve == "secp521r1" || curve == "P-521") {
        return std::string("SHA512");
      }
    }
  }
  return std::string("SHA256");
}

std::string take_openssl_error() { return ossl::take_error_string(); }

Result<Workspace> Workspace::create() {
  // A fresh library context: it reads no configuration file and loads the default provider
  // on first use, so neither openssl.cnf nor another part of the process changes our output.
  ossl::LibCtxPtr libctx(OSSL_LIB_CTX_new());
  if (libctx == nullptr) {
    return openssl_failure("creating a library context");
  }
  return Workspace(std::move(libctx));
}

Result<ossl::EvpPkeyPtr> generate_key(const Workspace& workspace, testing::KeyAlgorithm algorithm,
                                      std::optional<int> rsa_bits) {
  using testing::KeyAlgorithm;
  OSSL_LIB_CTX* libctx = workspace.libctx();
  EVP_PKEY* key = nullptr;
  if (rsa_bits) {
    key = EVP_PKEY_Q_keygen(libctx, nullptr, "RSA", static_cast<std::size_t>(*rsa_bits));
  } else {
    switch (algorithm) {
      case KeyAlgorithm::ecdsa_p256:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "EC", "P-256");
        break;
      case KeyAlgorithm::ecdsa_p384:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "EC", "P-384");
        break;
      case KeyAlgorithm::rsa_2048:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "RSA", std::size_t{2048});
        break;
      case KeyAlgorithm::rsa_3072:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "RSA", std::size_t{3072});
        break;
      case KeyAlgorithm::rsa_4096:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "RSA", std::size_t{4096});
        break;
      case KeyAlgorithm::ed25519:
        key = EVP_PKEY_Q_keygen(libctx, nullptr, "ED25519");
        break;
    }
  }
  if (key == nullptr) {
    return openssl_failure(fmt::format(
        "generating a {} key", rsa_bits ? fmt::format("RSA-{}", *rsa_bits)
                                        : std::string(testing::key_algorithm_name(algorithm))));
  }
  return ossl::EvpPkeyPtr(key);
}

Result<ossl::EvpPkeyPtr> import_key(const Workspace& workspace, const PrivateKey& key) {
  EVP_PKEY* source = key.impl().pkey.get();
  Pkcs8Ptr info(EVP_PKEY2PKCS8(source));
  if (info == nullptr) {
    return openssl_failure("encoding the issuer key");
  }
  const int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (length <= 0) {
    return openssl_failure("encoding the issuer key");
  }
  base::SecretBytes der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out) != length) {
    return openssl_failure("encoding the issuer key");
  }
  const unsigned char* in = der.data();
  ossl::EvpPkeyPtr imported(
      d2i_AutoPrivateKey_ex(nullptr, &in, length, workspace.libctx(), nullptr));
  if (imported == nullptr) {
    return openssl_failure("importing the issuer key");
  }
  return imported;
}

Result<ossl::X509Ptr> import_certificate(const Workspace& workspace,
                                         const Certificate& certificate) {
  std::span<const std::byte> der = certificate.der();
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return bad_option("certificate too large");
  }
  ossl::X509Ptr parsed(X509_new_ex(workspace.libctx(), nullptr));
  if (parsed == nullptr) {
    return openssl_failure("allocating a certificate");
  }
  auto* in = reinterpret_cast<const unsigned char*>(der.data());
  X509* target = parsed.get();
  if (d2i_X509(&target, &in, static_cast<long>(der.size())) == nullptr) {
    // d2i_X509 frees *target on failure.
    static_cast<void>(parsed.release());
    return openssl_failure("parsing the issuer certificate");
  }
  return parsed;
}

Result<ossl::X509Ptr> build_certificate(const Workspace& workspace, const CertificateSpec& spec,
                                        EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
  if (spec.not_after <= spec.not_before) {
    return bad_option("not_after must be later than not_before");
  }
  if (spec.path_length && *spec.path_length < 0) {
    return bad_option("path_length must not be negative");
  }
  if (spec.common_name.size() > max_common_name_length) {
    return bad_option(
        fmt::format("common name '{}' is longer than 64 characters", spec.common_name));
  }
  if (spec.common_name.empty() && spec.alt_names.empty()) {
    return bad_option("a certificate needs a subject name or a subjectAltName");
  }

  ossl::X509Ptr certificate(X509_new_ex(workspace.libctx(), nullptr));
  if (certificate == nullptr) {
    return openssl_failure("allocating a certificate");
  }
  X509* x = certificate.get();
  if (X509_set_version(x, X509_VERSION_3) != 1 || !set_random_serial(workspace, x)) {
    return openssl_failure("setting version and serial");
  }
  if (!set_time(X509_getm_notBefore(x), spec.not_before) ||
      !set_time(X509_getm_notAfter(x), spec.not_after)) {
    return openssl_failure("setting the validity period");
  }

  ossl::X509NamePtr subject(X509_NAME_new());
  if (subject == nullptr) {
    return openssl_failure("allocating a name");
  }
  if (!spec.common_name.empty() &&
      X509_NAME_add_entry_by_NID(subject.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.data()),
                                 static_cast<int>(spec.common_name.size()), -1, 0) != 1) {
    return openssl_failure(fmt::format("setting the common name '{}'", spec.common_name));
  }
  if (X509_set_subject_name(x, subject.get()) != 1 ||
      X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject.get()) !=
          1 ||
      X509_set_pubkey(x, subject_key) != 1) {
    return openssl_failure("setting names and public key");
  }

  for (auto* step : {&add_basic_constraints, &add_key_usage, &add_extended_key_usage,
                     &add_subject_alt_name, &add_name_constraints}) {
    if (auto added = step(x, spec); !added) {
      return tl::unexpected(added.error());
    }
  }
  if (auto added = add_key_identifiers(workspace, x, issuer, spec); !added) {
    return tl::unexpected(added.error());
  }
  if (auto added = add_raw_extensions(x, spec); !added) {
    return tl::unexpected(added.error());
  }
  if (spec.rsa_pss) {
    if (auto signed_pss = sign_pss(workspace, x, issuer_key, *spec.rsa_pss); !signed_pss) {
      return tl::unexpected(signed_pss.error());
    }
    return certificate;
  }

  auto md = signature_digest(workspace, issuer_key, spec.sha1_signature);
  if (!md) {
    return tl::unexpected(md.error());
  }
  if (X509_sign(x, issuer_key, md->get()) <= 0) {
    return openssl_failure("signing the certificate");
  }
  return certificate;
}

Result<Certificate> export_certificate(X509* certificate) {
  const int length = i2d_X509(certificate, nullptr);
  if (length <= 0) {
    return openssl_failure("encoding the certificate");
  }
  std::vector<std::byte> der(static_cast<std::size_t>(length));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(certificate, &out) != length) {
    return openssl_failure("encoding the certificate");
  }
  return Certificate::from_der(der);
}

Result<PrivateKey> export_key(EVP_PKEY* key) {
  Pkcs8Ptr info(EVP_PKEY2PKCS8(key));
  if (info == nullptr) {
    return openssl_failure("encoding the private key");
  }
  const int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (length <= 0) {
    return openssl_failure("encoding the private key");
  }
  base::SecretBytes der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out) != length) {
    return openssl_failure("encoding the private key");
  }
  // Built directly rather than through PrivateKey::from_der: that loader refuses weak keys,
  // and the rsa_1024_key flaw exists precisely to hand one to the code under test. The key is
  // parsed outside the workspace (default context) so it outlives the workspace.
  const unsigned char* in = der.data();
  ossl::EvpPkeyPtr parsed(d2i_AutoPrivateKey(nullptr, &in, length));
  if (parsed == nullptr) {
    return openssl_failure("re-reading the private key");
  }
  auto impl = std::make_shared<PrivateKey::Impl>();
  impl->pkey = std::move(parsed);
  return PrivateKey(std::move(impl));
}

std::string certificate_pem(const Certificate& certificate) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), certificate.impl().x509.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string key_pem(const PrivateKey& key) {
  // A secure-memory BIO wipes its buffer when freed; only the returned string remains.
  ossl::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.impl().pkey.get(), nullptr,
                                                      nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

bool key_matches(const PrivateKey& key, const Certificate& certificate) {
  EVP_PKEY* public_key = X509_get0_pubkey(certificate.impl().x509.get());
  const bool match = public_key != nullptr && EVP_PKEY_eq(public_key, key.impl().pkey.get()) == 1;
  ERR_clear_error();
  return match;
}

bool is_ca_certificate(const Certificate& certificate) {
  return (X509_get_extension_flags(certificate.impl().x509.get()) & EXFLAG_CA) != 0;
}

}  // namespace sanstls::certmaker
