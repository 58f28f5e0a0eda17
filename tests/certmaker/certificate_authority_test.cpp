// SPDX-License-Identifier: Apache-2.0 OR MIT
// The certificate maker, checked with libcrypto directly (not through our own accessors): the
// certificates must be what a real verifier sees, not what our parser thinks it sees.

#include <sanstls/testing/certificate_authority.hpp>

#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

namespace sanstls::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

// ---- libcrypto-side inspection helpers --------------------------------------------------------

X509* raw(const Certificate& certificate) { return certificate.impl().x509.get(); }

struct Verification {
  int error = X509_V_OK;
  int depth = -1;
  [[nodiscard]] bool ok() const { return error == X509_V_OK; }
};

std::ostream& operator<<(std::ostream& out, const Verification& result) {
  return out << X509_verify_cert_error_string(result.error) << " at depth " << result.depth;
}

// X509_verify_cert of `presented` (leaf first) against `root` alone, for `purpose` (0: none).
Verification verify(const std::vector<Certificate>& presented, const Certificate& root,
                    int purpose = X509_PURPOSE_SSL_SERVER,
                    std::optional<Clock::time_point> at = std::nullopt) {
  ossl::X509StorePtr store(X509_STORE_new());
  EXPECT_EQ(X509_STORE_add_cert(store.get(), raw(root)), 1);
  ossl::X509StackPtr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < presented.size(); ++i) {
    X509_up_ref(raw(presented[i]));
    sk_X509_push(untrusted.get(), raw(presented[i]));
  }
  ossl::X509StoreCtxPtr context(X509_STORE_CTX_new());
  EXPECT_EQ(
      X509_STORE_CTX_init(context.get(), store.get(), raw(presented.front()), untrusted.get()), 1);
  if (purpose != 0) {
    EXPECT_EQ(X509_STORE_CTX_set_purpose(context.get(), purpose), 1);
  }
  if (at) {
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context.get()), Clock::to_time_t(*at));
  }
  Verification result;
  if (X509_verify_cert(context.get()) != 1) {
    result.error = X509_STORE_CTX_get_error(context.get());
    result.depth = X509_STORE_CTX_get_error_depth(context.get());
  }
  ERR_clear_error();
  return result;
}

struct AltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;  // as raw bytes rendered "a.b.c.d" or 16 bytes hex
  bool critical = false;
};

std::string render_ip(const ASN1_OCTET_STRING* octets) {
  const unsigned char* data = ASN1_STRING_get0_data(octets);
  const int length = ASN1_STRING_length(octets);
  if (length == 4) {
    return fmt::format("{}.{}.{}.{}", data[0], data[1], data[2], data[3]);
  }
  std::string hex;
  for (int i = 0; i < length; ++i) {
    hex += fmt::format("{:02x}", data[i]);
  }
  return hex;
}

AltNames alt_names(const Certificate& certificate) {
  AltNames names;
  int critical = -1;
  auto* general_names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(raw(certificate), NID_subject_alt_name, &critical, nullptr));
  names.critical = critical == 1;
  if (general_names == nullptr) {
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                             static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      names.ip.push_back(render_ip(name->d.iPAddress));
    }
  }
  GENERAL_NAMES_free(general_names);
  return names;
}

std::string common_name(const Certificate& certificate) {
  std::array<char, 256> buffer{};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(raw(certificate)),
                                               NID_commonName, buffer.data(), buffer.size());
  return length < 0 ? std::string() : std::string(buffer.data());
}

bool extension_critical(const Certificate& certificate, int nid) {
  const int index = X509_get_ext_by_NID(raw(certificate), nid, -1);
  EXPECT_GE(index, 0) << OBJ_nid2sn(nid) << " missing";
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(raw(certificate), index)) == 1;
}

bool has_extension(const Certificate& certificate, int nid) {
  return X509_get_ext_by_NID(raw(certificate), nid, -1) >= 0;
}

struct BasicConstraints {
  bool present = false;
  bool critical = false;
  bool ca = false;
  std::optional<long> path_length;
};

BasicConstraints basic_constraints(const Certificate& certificate) {
  BasicConstraints result;
  int critical = -1;
  auto* constraints = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(raw(certificate), NID_basic_constraints, &critical, nullptr));
  if (constraints == nullptr) {
    return result;
  }
  result.present = true;
  result.critical = critical == 1;
  result.ca = constraints->ca != 0;
  if (constraints->pathlen != nullptr) {
    result.path_length = ASN1_INTEGER_get(constraints->pathlen);
  }
  BASIC_CONSTRAINTS_free(constraints);
  return result;
}

std::vector<int> extended_key_usage(const Certificate& certificate) {
  std::vector<int> nids;
  auto* usage = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(raw(certificate), NID_ext_key_usage, nullptr, nullptr));
  if (usage == nullptr) {
    return nids;
  }
  for (int i = 0; i < sk_ASN1_OBJECT_num(usage); ++i) {
    nids.push_back(OBJ_obj2nid(sk_ASN1_OBJECT_value(usage, i)));
  }
  EXTENDED_KEY_USAGE_free(usage);
  return nids;
}

std::uint32_t key_usage(const Certificate& certificate) {
  return X509_get_key_usage(raw(certificate));
}

int signature_nid(const Certificate& certificate) {
  return X509_get_signature_nid(raw(certificate));
}

EVP_PKEY* public_key(const Certificate& certificate) { return X509_get0_pubkey(raw(certificate)); }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// One CA per process for the tests that do not care how it was made (keygen is the slow part).
const CertificateAuthority& shared_root() {
  static const CertificateAuthority root = [] {
    auto made = CertificateAuthority::create();
    if (!made) {
      ADD_FAILURE() << made.error().to_string();
      std::abort();
    }
    return *made;
  }();
  return root;
}

IssuedLeaf leaf_or_die(const CertificateAuthority& ca, const LeafOptions& options) {
  auto leaf = ca.issue_leaf_parts(options);
  if (!leaf) {
    ADD_FAILURE() << leaf.error().to_string();
    std::abort();
  }
  return *leaf;
}

// ---- key algorithm names ----------------------------------------------------------------------

TEST(KeyAlgorithmTest, NamesRoundTrip) {
  EXPECT_EQ(all_key_algorithms().size(), 6U);
  for (KeyAlgorithm algorithm : all_key_algorithms()) {
    auto parsed = parse_key_algorithm(key_algorithm_name(algorithm));
    ASSERT_TRUE(parsed) << key_algorithm_name(algorithm);
    EXPECT_EQ(*parsed, algorithm);
  }
  EXPECT_EQ(*parse_key_algorithm("ecdsa-p256"), KeyAlgorithm::ecdsa_p256);
  EXPECT_EQ(*parse_key_algorithm("rsa-4096"), KeyAlgorithm::rsa_4096);
  EXPECT_EQ(*parse_key_algorithm("ed25519"), KeyAlgorithm::ed25519);
}

TEST(KeyAlgorithmTest, UnknownNameIsAnErrorListingTheChoices) {
  for (std::string_view bad : {"", "rsa", "RSA-2048", "ecdsa-p521", "ed448", "ecdsa-p256 "}) {
    auto parsed = parse_key_algorithm(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, Errc::bad_configuration);
    EXPECT_NE(parsed.error().message.find("ecdsa-p384"), std::string::npos);
  }
}

// ---- every key algorithm, as CA and as leaf ---------------------------------------------------

struct ExpectedKey {
  int base_id;
  int bits;
  int signature_nid;  // of a certificate signed by a key of this algorithm
};

ExpectedKey expected_key(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::ecdsa_p256:
      return {EVP_PKEY_EC, 256, NID_ecdsa_with_SHA256};
    case KeyAlgorithm::ecdsa_p384:
      return {EVP_PKEY_EC, 384, NID_ecdsa_with_SHA384};
    case KeyAlgorithm::rsa_2048:
      return {EVP_PKEY_RSA, 2048, NID_sha256WithRSAEncryption};
    case KeyAlgorithm::rsa_3072:
      return {EVP_PKEY_RSA, 3072, NID_sha256WithRSAEncryption};
    case KeyAlgorithm::rsa_4096:
      return {EVP_PKEY_RSA, 4096, NID_sha256WithRSAEncryption};
    case KeyAlgorithm::ed25519:
      return {EVP_PKEY_ED25519, 256, NID_ED25519};  // libcrypto's EVP_PKEY_get_bits
  }
  return {};
}

class EveryKeyAlgorithm : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(EveryKeyAlgorithm, CaAndLeafWithThisKeyVerify) {
  const KeyAlgorithm algorithm = GetParam();
  const ExpectedKey expected = expected_key(algorithm);

  auto ca = CertificateAuthority::create({.common_name = "every key CA", .key = algorithm});
  ASSERT_TRUE(ca) << ca.error().to_string();
  EXPECT_EQ(EVP_PKEY_get_base_id(public_key(ca->certificate())), expected.base_id);
  EXPECT_EQ(EVP_PKEY_get_bits(public_key(ca->certificate())), expected.bits);
  EXPECT_EQ(signature_nid(ca->certificate()), expected.signature_nid);
  EXPECT_EQ(X509_check_private_key(raw(ca->certificate()), ca->key().impl().pkey.get()), 1);
  EXPECT_EQ(X509_check_issued(raw(ca->certificate()), raw(ca->certificate())), X509_V_OK);

  auto leaf = ca->issue_leaf_parts({.names = {"localhost"}, .key = algorithm});
  ASSERT_TRUE(leaf) << leaf.error().to_string();
  ASSERT_EQ(leaf->certificates.size(), 1U);
  const Certificate& leaf_certificate = leaf->certificates.front();
  EXPECT_EQ(EVP_PKEY_get_base_id(public_key(leaf_certificate)), expected.base_id);
  EXPECT_EQ(EVP_PKEY_get_bits(public_key(leaf_certificate)), expected.bits);
  EXPECT_EQ(signature_nid(leaf_certificate), expected.signature_nid);  // signed by the CA
  EXPECT_EQ(X509_check_private_key(raw(leaf_certificate), leaf->key.impl().pkey.get()), 1);
  EXPECT_EQ(X509_check_host(raw(leaf_certificate), "localhost", 0, 0, nullptr), 1);

  const Verification result = verify(leaf->certificates, ca->root());
  EXPECT_TRUE(result.ok()) << result;

  // RSA leaves also carry keyEncipherment; nothing else does.
  const bool rsa = expected.base_id == EVP_PKEY_RSA;
  EXPECT_EQ(key_usage(leaf_certificate),
            rsa ? (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT) : KU_DIGITAL_SIGNATURE);

  // The key survives the PEM round trip.
  std::string pem = leaf->key_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0U);
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::EvpPkeyPtr reread(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem.data(), pem.size());
  ASSERT_NE(reread, nullptr);
  EXPECT_EQ(X509_check_private_key(raw(leaf_certificate), reread.get()), 1);
}

INSTANTIATE_TEST_SUITE_P(CertificateAuthority, EveryKeyAlgorithm,
                         ::testing::ValuesIn(all_key_algorithms()),
                         [](const ::testing::TestParamInfo<KeyAlgorithm>& param_info) {
                           std::string name(key_algorithm_name(param_info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(CertificateAuthorityTest, IssueLeafReturnsAUsableChain) {
  auto chain = shared_root().issue_leaf({.names = {"localhost", "127.0.0.1"}});
  ASSERT_TRUE(chain) << chain.error().to_string();
  ASSERT_EQ(chain->certificates().size(), 1U);  // the root is never part of the chain
  EXPECT_EQ(X509_check_private_key(raw(chain->leaf()), chain->key().impl().pkey.get()), 1);
  EXPECT_TRUE(verify(chain->certificates(), shared_root().root()).ok());
}

// ---- the extensions ---------------------------------------------------------------------------

TEST(CertificateAuthorityTest, RootHasCaExtensions) {
  auto ca = CertificateAuthority::create({.common_name = "Root With Limits", .path_length = 1});
  ASSERT_TRUE(ca) << ca.error().to_string();
  const Certificate& root = ca->certificate();
  EXPECT_TRUE(ca->is_root());
  EXPECT_TRUE(ca->chain().empty());
  EXPECT_EQ(X509_get_version(raw(root)), X509_VERSION_3);
  EXPECT_EQ(common_name(root), "Root With Limits");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(raw(root)), X509_get_issuer_name(raw(root))), 0);

  const BasicConstraints constraints = basic_constraints(root);
  EXPECT_TRUE(constraints.present);
  EXPECT_TRUE(constraints.critical);
  EXPECT_TRUE(constraints.ca);
  EXPECT_EQ(constraints.path_length, 1);

  EXPECT_TRUE(extension_critical(root, NID_key_usage));
  EXPECT_EQ(key_usage(root), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  EXPECT_FALSE(has_extension(root, NID_ext_key_usage));
  EXPECT_FALSE(has_extension(root, NID_subject_alt_name));
  EXPECT_FALSE(has_extension(root, NID_name_constraints));

  const ASN1_OCTET_STRING* subject_id = X509_get0_subject_key_id(raw(root));
  ASSERT_NE(subject_id, nullptr);
  const ASN1_OCTET_STRING* authority_id = X509_get0_authority_key_id(raw(root));
  ASSERT_NE(authority_id, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(subject_id, authority_id), 0);

  const TrustStore store = ca->trust_store();
  ASSERT_EQ(store.certificates().size(), 1U);
  EXPECT_EQ(X509_cmp(raw(store.certificates().front()), raw(root)), 0);
}

TEST(CertificateAuthorityTest, UnlimitedPathLengthHasNoPathLenField) {
  const BasicConstraints constraints = basic_constraints(shared_root().certificate());
  EXPECT_TRUE(constraints.ca);
  EXPECT_FALSE(constraints.path_length.has_value());
}

TEST(CertificateAuthorityTest, LeafHasServerExtensions) {
  const CertificateAuthority& ca = shared_root();
  const IssuedLeaf leaf = leaf_or_die(
      ca, {.names = {"test.example", "localhost", "127.0.0.1", "::1", "*.wild.example"}});
  const Certificate& certificate = leaf.certificates.front();

  EXPECT_EQ(X509_get_version(raw(certificate)), X509_VERSION_3);
  EXPECT_EQ(common_name(certificate), "test.example");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(raw(certificate)),
                          X509_get_subject_name(raw(ca.certificate()))),
            0);

  const AltNames names = alt_names(certificate);
  EXPECT_EQ(names.dns, (std::vector<std::string>{"test.example", "localhost", "*.wild.example"}));
  EXPECT_EQ(names.ip, (std::vector<std::string>{"127.0.0.1", "00000000000000000000000000000001"}));
  EXPECT_FALSE(names.critical);  // the subject is not empty

  const BasicConstraints constraints = basic_constraints(certificate);
  EXPECT_TRUE(constraints.present);
  EXPECT_TRUE(constraints.critical);
  EXPECT_FALSE(constraints.ca);
  EXPECT_TRUE(extension_critical(certificate, NID_key_usage));
  EXPECT_EQ(key_usage(certificate), KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(extension_critical(certificate, NID_ext_key_usage));
  EXPECT_EQ(extended_key_usage(certificate), std::vector<int>{NID_server_auth});

  ASSERT_NE(X509_get0_subject_key_id(raw(certificate)), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(raw(certificate)), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(raw(certificate)),
                                  X509_get0_subject_key_id(raw(ca.certificate()))),
            0);

  EXPECT_EQ(X509_check_ip_asc(raw(certificate), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(raw(certificate), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(raw(certificate), "a.wild.example", 0, 0, nullptr), 1);
  EXPECT_TRUE(verify(leaf.certificates, ca.root()).ok());
}

TEST(CertificateAuthorityTest, SerialsAreRandomPositiveAndLarge) {
  const CertificateAuthority& ca = shared_root();
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    const IssuedLeaf leaf = leaf_or_die(ca, {.names = {"serial.example"}});
    const ASN1_INTEGER* serial = X509_get0_serialNumber(raw(leaf.certificates.front()));
    ossl::BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
    ASSERT_NE(number, nullptr);
    EXPECT_FALSE(BN_is_negative(number.get()));
    EXPECT_FALSE(BN_is_zero(number.get()));
    EXPECT_GT(BN_num_bits(number.get()), 64);   // 2^-64 flake chance for a 128-bit value
    EXPECT_LE(BN_num_bytes(number.get()), 20);  // RFC 5280 §4.1.2.2
    char* hex = BN_bn2hex(number.get());
    seen.insert(hex);
    OPENSSL_free(hex);
  }
  EXPECT_EQ(seen.size(), 8U);
}

TEST(CertificateAuthorityTest, ClientCertificateHasClientAuthOnly) {
  const CertificateAuthority& ca = shared_root();
  const IssuedLeaf leaf = leaf_or_die(ca, {.names = {"client.test.example"}, .client = true});
  const Certificate& certificate = leaf.certificates.front();
  EXPECT_EQ(extended_key_usage(certificate), std::vector<int>{NID_client_auth});
  EXPECT_TRUE(verify(leaf.certificates, ca.root(), X509_PURPOSE_SSL_CLIENT).ok());
  EXPECT_EQ(verify(leaf.certificates, ca.root(), X509_PURPOSE_SSL_SERVER).error,
            X509_V_ERR_INVALID_PURPOSE);
}

TEST(CertificateAuthorityTest, ServerCertificateIsNotAClientCertificate) {
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {"server.example"}});
  EXPECT_EQ(verify(leaf.certificates, shared_root().root(), X509_PURPOSE_SSL_CLIENT).error,
            X509_V_ERR_INVALID_PURPOSE);
}

TEST(CertificateAuthorityTest, LongFirstNameLeavesSubjectEmptyAndSanCritical) {
  const std::string long_name = std::string(70, 'a') + ".example";
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {long_name}});
  const Certificate& certificate = leaf.certificates.front();
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(raw(certificate))), 0);
  const AltNames names = alt_names(certificate);
  EXPECT_TRUE(names.critical);
  EXPECT_EQ(names.dns, std::vector<std::string>{long_name});
  EXPECT_TRUE(verify(leaf.certificates, shared_root().root()).ok());
}

TEST(CertificateAuthorityTest, AddressLookalikeDnsNameStaysADnsName) {
  // libcrypto's a2i_IPADDRESS would read "1.2.3.4.example" as 1.2.3.4.
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {"1.2.3.4.example"}});
  const AltNames names = alt_names(leaf.certificates.front());
  EXPECT_EQ(names.dns, std::vector<std::string>{"1.2.3.4.example"});
  EXPECT_TRUE(names.ip.empty());
}

TEST(CertificateAuthorityTest, BadLeafOptionsAreErrors) {
  const CertificateAuthority& ca = shared_root();
  for (const LeafOptions& options : {
           LeafOptions{},
           LeafOptions{.names = {""}},
           LeafOptions{.names = {"has space.example"}},
           LeafOptions{.names = {"ok.example", "caf\xc3\xa9.example"}},
       }) {
    auto leaf = ca.issue_leaf_parts(options);
    ASSERT_FALSE(leaf);
    EXPECT_EQ(leaf.error().code, Errc::bad_configuration) << leaf.error().to_string();
  }
}

TEST(CertificateAuthorityTest, BadCaOptionsAreErrors) {
  EXPECT_FALSE(CertificateAuthority::create({.common_name = ""}));
  EXPECT_FALSE(CertificateAuthority::create({.path_length = -1}));
  EXPECT_FALSE(CertificateAuthority::create({.common_name = std::string(65, 'x')}));
  EXPECT_FALSE(CertificateAuthority::create({.permitted_dns_subtrees = {"bad subtree"}}));
}

// ---- intermediates, path length and name constraints ------------------------------------------

TEST(CertificateAuthorityTest, IntermediateChainsVerify) {
  const CertificateAuthority& root = shared_root();
  auto intermediate = root.issue_intermediate({.common_name = "Intermediate 1"});
  ASSERT_TRUE(intermediate) << intermediate.error().to_string();
  EXPECT_FALSE(intermediate->is_root());
  ASSERT_EQ(intermediate->chain().size(), 1U);
  EXPECT_EQ(X509_cmp(raw(intermediate->chain()[0]), raw(intermediate->certificate())), 0);
  EXPECT_EQ(X509_cmp(raw(intermediate->root()), raw(root.certificate())), 0);
  EXPECT_EQ(X509_check_issued(raw(root.certificate()), raw(intermediate->certificate())),
            X509_V_OK);
  EXPECT_TRUE(basic_constraints(intermediate->certificate()).ca);

  auto second = intermediate->issue_intermediate(
      {.common_name = "Intermediate 2", .key = KeyAlgorithm::ecdsa_p384});
  ASSERT_TRUE(second) << second.error().to_string();
  ASSERT_EQ(second->chain().size(), 2U);
  EXPECT_EQ(X509_cmp(raw(second->chain()[1]), raw(intermediate->certificate())), 0);

  auto chain = second->issue_leaf({.names = {"deep.example"}, .key = KeyAlgorithm::ed25519});
  ASSERT_TRUE(chain) << chain.error().to_string();
  ASSERT_EQ(chain->certificates().size(), 3U);  // leaf, intermediate 2, intermediate 1
  // Signed by the P-384 intermediate: SHA-384.
  EXPECT_EQ(signature_nid(chain->leaf()), NID_ecdsa_with_SHA384);
  const Verification result = verify(chain->certificates(), root.root());
  EXPECT_TRUE(result.ok()) << result;

  // The chain alone, without the intermediates, does not verify.
  EXPECT_FALSE(verify({chain->leaf()}, root.root()).ok());
  // Another root does not anchor it.
  auto stranger = CertificateAuthority::create({.common_name = "stranger"});
  ASSERT_TRUE(stranger);
  EXPECT_EQ(verify(chain->certificates(), stranger->root()).error,
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST(CertificateAuthorityTest, PathLengthIsEnforcedByVerifiers) {
  const CertificateAuthority& root = shared_root();
  auto limited = root.issue_intermediate({.common_name = "No sub-CAs", .path_length = 0});
  ASSERT_TRUE(limited) << limited.error().to_string();
  EXPECT_EQ(basic_constraints(limited->certificate()).path_length, 0);

  // A leaf directly below is fine.
  const IssuedLeaf direct = leaf_or_die(*limited, {.names = {"ok.example"}});
  EXPECT_TRUE(verify(direct.certificates, root.root()).ok());

  // A sub-CA below it can be made (for negative tests), and verifiers refuse what it issues.
  auto too_deep = limited->issue_intermediate({.common_name = "Too deep"});
  ASSERT_TRUE(too_deep) << too_deep.error().to_string();
  const IssuedLeaf deep = leaf_or_die(*too_deep, {.names = {"deep.example"}});
  EXPECT_EQ(verify(deep.certificates, root.root()).error, X509_V_ERR_PATH_LENGTH_EXCEEDED);
}

TEST(CertificateAuthorityTest, NameConstraintsAreEnforcedByVerifiers) {
  auto constrained = shared_root().issue_intermediate(
      {.common_name = "Constrained", .permitted_dns_subtrees = {"allowed.example"}});
  ASSERT_TRUE(constrained) << constrained.error().to_string();
  EXPECT_TRUE(extension_critical(constrained->certificate(), NID_name_constraints));

  const IssuedLeaf inside = leaf_or_die(*constrained, {.names = {"www.allowed.example"}});
  EXPECT_TRUE(verify(inside.certificates, shared_root().root()).ok());
  const IssuedLeaf outside = leaf_or_die(*constrained, {.names = {"www.other.example"}});
  EXPECT_EQ(verify(outside.certificates, shared_root().root()).error,
            X509_V_ERR_PERMITTED_VIOLATION);
}

TEST(CertificateAuthorityTest, ExcludedAndIpNameConstraintsAreEnforcedByVerifiers) {
  auto constrained = shared_root().issue_intermediate({.common_name = "Excluding",
                                                       .excluded_dns_subtrees = {"bad.example"},
                                                       .permitted_ip_subtrees = {"192.0.2.0/24"},
                                                       .excluded_ip_subtrees = {"192.0.2.128/25"}});
  ASSERT_TRUE(constrained) << constrained.error().to_string();
  const auto verdict = [&](std::vector<std::string> names) {
    return verify(leaf_or_die(*constrained, {.names = std::move(names)}).certificates,
                  shared_root().root())
        .error;
  };
  EXPECT_EQ(verdict({"www.good.example", "192.0.2.10"}), X509_V_OK);
  EXPECT_EQ(verdict({"www.bad.example"}), X509_V_ERR_EXCLUDED_VIOLATION);
  EXPECT_EQ(verdict({"www.good.example", "192.0.2.200"}), X509_V_ERR_EXCLUDED_VIOLATION);
  EXPECT_EQ(verdict({"www.good.example", "198.51.100.1"}), X509_V_ERR_PERMITTED_VIOLATION);
  EXPECT_FALSE(CertificateAuthority::create({.permitted_ip_subtrees = {"192.0.2.1"}}));
}

// ---- flaws ------------------------------------------------------------------------------------

TEST(FlawsTest, Sha1SignatureWithRsaIssuer) {
  auto ca = CertificateAuthority::create({.key = KeyAlgorithm::rsa_2048});
  ASSERT_TRUE(ca) << ca.error().to_string();
  const IssuedLeaf leaf =
      leaf_or_die(*ca, {.names = {"sha1.example"}, .flaws = {.sha1_signature = true}});
  EXPECT_EQ(signature_nid(leaf.certificates.front()), NID_sha1WithRSAEncryption);
  // Still a correctly signed certificate: only the hash is weak.
  EXPECT_EQ(X509_verify(raw(leaf.certificates.front()), public_key(ca->certificate())), 1);
}

TEST(FlawsTest, Sha1SignatureWithEcdsaIssuer) {
  const IssuedLeaf leaf =
      leaf_or_die(shared_root(), {.names = {"sha1.example"}, .flaws = {.sha1_signature = true}});
  EXPECT_EQ(signature_nid(leaf.certificates.front()), NID_ecdsa_with_SHA1);
  EXPECT_EQ(X509_verify(raw(leaf.certificates.front()), public_key(shared_root().certificate())),
            1);
}

TEST(FlawsTest, Sha1SignatureWithEd25519IssuerIsUnsupported) {
  auto ca = CertificateAuthority::create({.key = KeyAlgorithm::ed25519});
  ASSERT_TRUE(ca) << ca.error().to_string();
  auto leaf = ca->issue_leaf_parts({.names = {"x.example"}, .flaws = {.sha1_signature = true}});
  ASSERT_FALSE(leaf);
  EXPECT_EQ(leaf.error().code, Errc::unsupported);
}

TEST(FlawsTest, Rsa1024Key) {
  const IssuedLeaf leaf = leaf_or_die(
      shared_root(),
      {.names = {"weak.example"}, .key = KeyAlgorithm::ed25519, .flaws = {.rsa_1024_key = true}});
  EVP_PKEY* key = public_key(leaf.certificates.front());
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 1024);
  EXPECT_EQ(EVP_PKEY_get_bits(leaf.key.impl().pkey.get()), 1024);
  EXPECT_EQ(key_usage(leaf.certificates.front()), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
}

TEST(FlawsTest, NoServerAuthUsage) {
  const IssuedLeaf leaf = leaf_or_die(
      shared_root(), {.names = {"noserver.example"}, .flaws = {.no_server_auth_usage = true}});
  EXPECT_EQ(extended_key_usage(leaf.certificates.front()), std::vector<int>{NID_email_protect});
  EXPECT_EQ(verify(leaf.certificates, shared_root().root(), X509_PURPOSE_SSL_SERVER).error,
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_TRUE(verify(leaf.certificates, shared_root().root(), 0).ok());  // only the usage is off
}

TEST(FlawsTest, NoClientAuthUsage) {
  const IssuedLeaf leaf = leaf_or_die(
      shared_root(),
      {.names = {"noclient.example"}, .client = true, .flaws = {.no_client_auth_usage = true}});
  EXPECT_EQ(extended_key_usage(leaf.certificates.front()), std::vector<int>{NID_email_protect});
  EXPECT_EQ(verify(leaf.certificates, shared_root().root(), X509_PURPOSE_SSL_CLIENT).error,
            X509_V_ERR_INVALID_PURPOSE);
}

TEST(FlawsTest, NoDigitalSignatureUsage) {
  const IssuedLeaf leaf =
      leaf_or_die(shared_root(),
                  {.names = {"nodigsig.example"}, .flaws = {.no_digital_signature_usage = true}});
  const Certificate& certificate = leaf.certificates.front();
  EXPECT_TRUE(extension_critical(certificate, NID_key_usage));
  EXPECT_EQ(key_usage(certificate) & KU_DIGITAL_SIGNATURE, 0U);
  EXPECT_NE(key_usage(certificate), 0U);
  // libcrypto's SSL server purpose requires digitalSignature or keyEncipherment/keyAgreement.
  EXPECT_EQ(verify(leaf.certificates, shared_root().root(), X509_PURPOSE_SSL_SERVER).error,
            X509_V_ERR_INVALID_PURPOSE);
}

TEST(FlawsTest, CaFlagOnLeaf) {
  const IssuedLeaf leaf =
      leaf_or_die(shared_root(), {.names = {"caleaf.example"}, .flaws = {.ca_flag_on_leaf = true}});
  const BasicConstraints constraints = basic_constraints(leaf.certificates.front());
  EXPECT_TRUE(constraints.critical);
  EXPECT_TRUE(constraints.ca);
  EXPECT_NE(X509_get_extension_flags(raw(leaf.certificates.front())) & EXFLAG_CA, 0U);
}

TEST(FlawsTest, NoFlawMeansNoDefect) {
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {"fine.example"}});
  const Certificate& certificate = leaf.certificates.front();
  EXPECT_EQ(signature_nid(certificate), NID_ecdsa_with_SHA256);
  EXPECT_EQ(EVP_PKEY_get_base_id(public_key(certificate)), EVP_PKEY_EC);
  EXPECT_FALSE(basic_constraints(certificate).ca);
}

// ---- validity ---------------------------------------------------------------------------------

// Seconds between a certificate time and `when` (positive: the certificate time is later).
long seconds_from(const ASN1_TIME* time, Clock::time_point when) {
  int days = 0;
  int seconds = 0;
  ASN1_TIME* reference = ASN1_TIME_set(nullptr, Clock::to_time_t(when));
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, reference, time), 1);
  ASN1_TIME_free(reference);
  return static_cast<long>(days) * 86400 + seconds;
}

TEST(ValidityTest, DefaultsAllowClockSkew) {
  const Clock::time_point now = Clock::now();
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {"time.example"}});
  X509* certificate = raw(leaf.certificates.front());
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notBefore(certificate), now)), -3600.0,
              60.0);
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notAfter(certificate), now)),
              90.0 * 86400.0, 60.0);

  const BasicConstraints root = basic_constraints(shared_root().certificate());
  EXPECT_TRUE(root.ca);
  EXPECT_GT(seconds_from(X509_get0_notAfter(raw(shared_root().certificate())), now),
            9L * 365 * 86400);
}

TEST(ValidityTest, ExplicitWindowIsRespected) {
  const Clock::time_point start = Clock::now() - 48h;
  const Clock::time_point end = Clock::now() - 24h;
  auto old_ca = CertificateAuthority::create({.not_before = start - 24h});
  ASSERT_TRUE(old_ca) << old_ca.error().to_string();
  const IssuedLeaf expired =
      leaf_or_die(*old_ca, {.names = {"expired.example"}, .not_before = start, .not_after = end});
  X509* certificate = raw(expired.certificates.front());
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notBefore(certificate), start)), 0.0, 1.0);
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notAfter(certificate), end)), 0.0, 1.0);
  EXPECT_EQ(verify(expired.certificates, old_ca->root()).error, X509_V_ERR_CERT_HAS_EXPIRED);
  // ...but it was valid during its window.
  EXPECT_TRUE(
      verify(expired.certificates, old_ca->root(), X509_PURPOSE_SSL_SERVER, start + 1h).ok());

  const IssuedLeaf future =
      leaf_or_die(shared_root(),
                  {.names = {"future.example"}, .validity = 24h, .not_before = Clock::now() + 24h});
  EXPECT_EQ(verify(future.certificates, shared_root().root()).error, X509_V_ERR_CERT_NOT_YET_VALID);
  // not_after = not_before + validity when only not_before is given.
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notAfter(raw(future.certificates[0])),
                                               Clock::now() + 48h)),
              0.0, 60.0);
}

TEST(ValidityTest, CustomValidityAndCaWindow) {
  const IssuedLeaf short_lived =
      leaf_or_die(shared_root(), {.names = {"short.example"}, .validity = 2h});
  EXPECT_NEAR(static_cast<double>(seconds_from(X509_get0_notAfter(raw(short_lived.certificates[0])),
                                               Clock::now() + 2h)),
              0.0, 60.0);

  auto expired_ca = CertificateAuthority::create(
      {.not_before = Clock::now() - 72h, .not_after = Clock::now() - 1h});
  ASSERT_TRUE(expired_ca) << expired_ca.error().to_string();
  const IssuedLeaf leaf = leaf_or_die(*expired_ca, {.names = {"x.example"}});
  EXPECT_EQ(verify(leaf.certificates, expired_ca->root()).error, X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(ValidityTest, EmptyOrInvertedWindowIsAnError) {
  const Clock::time_point now = Clock::now();
  auto inverted = shared_root().issue_leaf_parts(
      {.names = {"x.example"}, .not_before = now, .not_after = now - 1h});
  ASSERT_FALSE(inverted);
  EXPECT_EQ(inverted.error().code, Errc::bad_configuration);
  EXPECT_FALSE(shared_root().issue_leaf_parts(
      {.names = {"x.example"}, .not_before = now, .not_after = now}));
  EXPECT_FALSE(CertificateAuthority::create({.validity = std::chrono::seconds{-10}}));
}

// ---- self-signed leaves -----------------------------------------------------------------------

TEST(SelfSignedLeafTest, IsItsOwnIssuerButNotACa) {
  auto chain = make_self_signed_leaf({.names = {"self.example", "127.0.0.1"}});
  ASSERT_TRUE(chain) << chain.error().to_string();
  ASSERT_EQ(chain->certificates().size(), 1U);
  const Certificate& leaf = chain->leaf();
  // Self-issued and self-signed (X509_check_issued would object to the missing keyCertSign).
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(raw(leaf)), X509_get_issuer_name(raw(leaf))), 0);
  EXPECT_EQ(X509_verify(raw(leaf), public_key(leaf)), 1);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(raw(leaf)),
                                  X509_get0_subject_key_id(raw(leaf))),
            0);
  EXPECT_FALSE(basic_constraints(leaf).ca);
  EXPECT_EQ(extended_key_usage(leaf), std::vector<int>{NID_server_auth});
  EXPECT_EQ(X509_check_private_key(raw(leaf), chain->key().impl().pkey.get()), 1);
  // Trusted only as itself.
  EXPECT_TRUE(verify(chain->certificates(), leaf).ok());
  EXPECT_FALSE(verify(chain->certificates(), shared_root().root()).ok());
}

TEST(SelfSignedLeafTest, EveryKeyAlgorithmCanSelfSign) {
  for (KeyAlgorithm algorithm :
       {KeyAlgorithm::ed25519, KeyAlgorithm::rsa_2048, KeyAlgorithm::ecdsa_p384}) {
    auto leaf = make_self_signed_leaf_parts({.names = {"self.example"}, .key = algorithm});
    ASSERT_TRUE(leaf) << leaf.error().to_string();
    EXPECT_EQ(signature_nid(leaf->certificates[0]), expected_key(algorithm).signature_nid);
  }
}

// ---- load -------------------------------------------------------------------------------------

TEST(LoadTest, RoundTripsCreate) {
  auto original =
      CertificateAuthority::create({.common_name = "Loaded CA", .key = KeyAlgorithm::ecdsa_p384});
  ASSERT_TRUE(original) << original.error().to_string();
  std::string key = original->key_pem();
  auto loaded = CertificateAuthority::load(original->certificate_pem(), key);
  OPENSSL_cleanse(key.data(), key.size());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_TRUE(loaded->is_root());
  EXPECT_EQ(X509_cmp(raw(loaded->certificate()), raw(original->certificate())), 0);
  EXPECT_EQ(EVP_PKEY_eq(loaded->key().impl().pkey.get(), original->key().impl().pkey.get()), 1);
  EXPECT_EQ(loaded->certificate_pem(), original->certificate_pem());

  // What the loaded CA issues verifies against the original root.
  const IssuedLeaf leaf = leaf_or_die(*loaded, {.names = {"loaded.example"}});
  EXPECT_TRUE(verify(leaf.certificates, original->root()).ok());
}

TEST(LoadTest, IntermediateWithItsIssuers) {
  auto intermediate = shared_root().issue_intermediate({.common_name = "Loadable intermediate"});
  ASSERT_TRUE(intermediate) << intermediate.error().to_string();
  const std::string pem = intermediate->certificate_pem() + shared_root().certificate_pem();
  std::string key = intermediate->key_pem();
  auto loaded = CertificateAuthority::load(pem, key);
  OPENSSL_cleanse(key.data(), key.size());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_FALSE(loaded->is_root());
  ASSERT_EQ(loaded->chain().size(), 1U);
  EXPECT_EQ(X509_cmp(raw(loaded->root()), raw(shared_root().certificate())), 0);
  auto chain = loaded->issue_leaf({.names = {"via.loaded.example"}});
  ASSERT_TRUE(chain) << chain.error().to_string();
  EXPECT_EQ(chain->certificates().size(), 2U);
  EXPECT_TRUE(verify(chain->certificates(), shared_root().root()).ok());
}

TEST(LoadTest, WrongKeyIsAnError) {
  auto other = CertificateAuthority::create({.common_name = "other"});
  ASSERT_TRUE(other);
  std::string key = other->key_pem();
  auto loaded = CertificateAuthority::load(shared_root().certificate_pem(), key);
  OPENSSL_cleanse(key.data(), key.size());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::bad_configuration);
  EXPECT_EQ(loaded.error().credential_problem, CredentialProblem::key_does_not_match_leaf);
}

TEST(LoadTest, GarbageIsAnError) {
  std::string key = shared_root().key_pem();
  const std::string certificate = shared_root().certificate_pem();
  EXPECT_FALSE(CertificateAuthority::load("", key));
  EXPECT_FALSE(CertificateAuthority::load("not a pem", key));
  EXPECT_FALSE(CertificateAuthority::load(certificate, ""));
  EXPECT_FALSE(CertificateAuthority::load(certificate,
                                          "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                          "-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(CertificateAuthority::load(key, certificate));  // swapped
  OPENSSL_cleanse(key.data(), key.size());
}

TEST(LoadTest, LeafIsNotACa) {
  const IssuedLeaf leaf = leaf_or_die(shared_root(), {.names = {"leaf.example"}});
  std::string key = leaf.key_pem();
  auto loaded = CertificateAuthority::load(leaf.certificates_pem(), key);
  OPENSSL_cleanse(key.data(), key.size());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("not a CA"), std::string::npos) << loaded.error().message;
}

// ---- end to end with the openssl program ------------------------------------------------------

TEST(OpensslCliTest, VerifiesWrittenFiles) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl program not installed";
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      fmt::format("sanstls-certmaker-{}", static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  auto intermediate = shared_root().issue_intermediate({.common_name = "CLI intermediate"});
  ASSERT_TRUE(intermediate) << intermediate.error().to_string();
  const IssuedLeaf leaf = leaf_or_die(*intermediate, {.names = {"localhost", "127.0.0.1"}});
  write_file(dir / "ca.pem", shared_root().certificate_pem());
  write_file(dir / "cert.pem", leaf.certificates_pem());
  write_file(dir / "leaf.pem", leaf.certificates.front().to_pem());
  write_file(dir / "chain.pem", intermediate->certificate_pem());

  const std::string base = fmt::format("cd '{}' && openssl verify -CAfile ca.pem", dir.string());
  EXPECT_EQ(std::system((base + " -untrusted chain.pem -purpose sslserver -verify_hostname "
                                "localhost -verify_ip 127.0.0.1 leaf.pem >/dev/null")
                            .c_str()),
            0);
  EXPECT_NE(std::system((base + " leaf.pem >/dev/null 2>&1").c_str()), 0);  // no intermediate
  EXPECT_NE(std::system((base + " -untrusted chain.pem -purpose sslclient leaf.pem >/dev/null "
                                "2>&1")
                            .c_str()),
            0);
  EXPECT_FALSE(read_file(dir / "cert.pem").empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sanstls::testing
