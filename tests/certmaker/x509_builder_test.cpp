// SPDX-License-Identifier: Apache-2.0 OR MIT
// The low-level certificate builder's options for the X.509 corpus (tests/x509/corpus_*):
// each option must produce exactly the defect it names, checked with libcrypto's own decoders,
// and hand-edited DER must still carry a valid signature so that only the encoding rule fails.

#include "certmaker/x509_builder.hpp"

#include "certmaker/der_edit.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::certmaker {
namespace {

using Clock = std::chrono::system_clock;

template <class T>
T must(Result<T> result) {
  if (!result) {
    throw std::runtime_error("test set-up failed: " + result.error().message);
  }
  return std::move(*result);
}

class X509BuilderTest : public ::testing::Test {
 protected:
  X509BuilderTest()
      : workspace_(must(Workspace::create())),
        root_key_(must(generate_key(workspace_, testing::KeyAlgorithm::ecdsa_p256))),
        leaf_key_(must(generate_key(workspace_, testing::KeyAlgorithm::ecdsa_p256))) {
    CertificateSpec spec = base_spec("corpus root");
    spec.ca = true;
    spec.key_usage = {KeyUsageBit::key_cert_sign};
    root_ = must(build_certificate(workspace_, spec, root_key_.get(), nullptr, root_key_.get()));
  }

  static CertificateSpec base_spec(std::string common_name) {
    CertificateSpec spec;
    spec.common_name = std::move(common_name);
    spec.not_before = Clock::now() - std::chrono::hours(1);
    spec.not_after = Clock::now() + std::chrono::hours(24);
    return spec;
  }

  ossl::X509Ptr leaf(const CertificateSpec& spec) {
    return must(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), root_key_.get()));
  }

  int signature_ok(X509* certificate) { return X509_verify(certificate, root_key_.get()); }

  Workspace workspace_;
  ossl::EvpPkeyPtr root_key_;
  ossl::EvpPkeyPtr leaf_key_;
  ossl::X509Ptr root_;
};

ossl::X509Ptr parse(const std::vector<std::uint8_t>& der) {
  const unsigned char* in = der.data();
  ossl::X509Ptr parsed(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
  if (parsed == nullptr) {
    throw std::runtime_error("libcrypto cannot parse the edited certificate");
  }
  return parsed;
}

int extension_count(X509* certificate, int nid) {
  int count = 0;
  for (int i = -1; (i = X509_get_ext_by_NID(certificate, nid, i)) >= 0;) {
    ++count;
  }
  return count;
}

TEST_F(X509BuilderTest, BasicConstraintsCanBeLeftOut) {
  CertificateSpec spec = base_spec("no bc");
  spec.basic_constraints = false;
  EXPECT_EQ(extension_count(leaf(spec).get(), NID_basic_constraints), 0);
  spec.basic_constraints = true;
  EXPECT_EQ(extension_count(leaf(spec).get(), NID_basic_constraints), 1);
}

TEST_F(X509BuilderTest, PathLengthIsWrittenEvenOnANonCa) {
  CertificateSpec spec = base_spec("pathlen leaf");
  spec.path_length = 3;
  auto certificate = leaf(spec);
  auto* constraints = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(certificate.get(), NID_basic_constraints, nullptr, nullptr));
  ASSERT_NE(constraints, nullptr);
  EXPECT_EQ(constraints->ca, 0);
  ASSERT_NE(constraints->pathlen, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(constraints->pathlen), 3);
  BASIC_CONSTRAINTS_free(constraints);
}

TEST_F(X509BuilderTest, NameConstraintsCarryDnsAndIpSubtrees) {
  CertificateSpec spec = base_spec("constrained");
  spec.ca = true;
  spec.permitted_dns_subtrees = {"example.com"};
  spec.permitted_ip_subtrees = {"192.0.2.0/24"};
  spec.excluded_dns_subtrees = {"secret.example.com"};
  spec.excluded_ip_subtrees = {"2001:db8::/33"};
  auto certificate = leaf(spec);
  int critical = 0;
  auto* constraints = static_cast<NAME_CONSTRAINTS*>(
      X509_get_ext_d2i(certificate.get(), NID_name_constraints, &critical, nullptr));
  ASSERT_NE(constraints, nullptr);
  EXPECT_EQ(critical, 1);
  ASSERT_EQ(sk_GENERAL_SUBTREE_num(constraints->permittedSubtrees), 2);
  ASSERT_EQ(sk_GENERAL_SUBTREE_num(constraints->excludedSubtrees), 2);
  const GENERAL_NAME* ip = sk_GENERAL_SUBTREE_value(constraints->permittedSubtrees, 1)->base;
  ASSERT_EQ(ip->type, GEN_IPADD);
  const std::vector<unsigned char> v4(ip->d.ip->data, ip->d.ip->data + ip->d.ip->length);
  EXPECT_EQ(v4, (std::vector<unsigned char>{192, 0, 2, 0, 255, 255, 255, 0}));
  const GENERAL_NAME* v6 = sk_GENERAL_SUBTREE_value(constraints->excludedSubtrees, 1)->base;
  ASSERT_EQ(v6->type, GEN_IPADD);
  ASSERT_EQ(v6->d.ip->length, 32);
  EXPECT_EQ(v6->d.ip->data[16 + 3], 0xFF);
  EXPECT_EQ(v6->d.ip->data[16 + 4], 0x80);  // /33: one bit of the fifth octet
  EXPECT_EQ(v6->d.ip->data[16 + 5], 0x00);
  NAME_CONSTRAINTS_free(constraints);

  spec.permitted_ip_subtrees = {"192.0.2.0"};  // no prefix length
  EXPECT_FALSE(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), root_key_.get()));
  spec.permitted_ip_subtrees = {"192.0.2.0/33"};
  EXPECT_FALSE(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), root_key_.get()));
}

TEST_F(X509BuilderTest, KeyIdentifiersAbsentOrMismatched) {
  CertificateSpec spec = base_spec("key ids");
  auto normal = leaf(spec);
  ASSERT_NE(X509_get0_authority_key_id(normal.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(normal.get()),
                                  X509_get0_subject_key_id(root_.get())),
            0);

  spec.subject_key_identifier = false;
  spec.authority_key_identifier = AuthorityKeyId::absent;
  auto without = leaf(spec);
  EXPECT_EQ(extension_count(without.get(), NID_subject_key_identifier), 0);
  EXPECT_EQ(extension_count(without.get(), NID_authority_key_identifier), 0);

  spec.authority_key_identifier = AuthorityKeyId::mismatched;
  auto mismatched = leaf(spec);
  ASSERT_NE(X509_get0_authority_key_id(mismatched.get()), nullptr);
  EXPECT_NE(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(mismatched.get()),
                                  X509_get0_subject_key_id(root_.get())),
            0);
  EXPECT_EQ(signature_ok(mismatched.get()), 1);
}

TEST_F(X509BuilderTest, RawAndDuplicatedExtensions) {
  CertificateSpec spec = base_spec("extensions");
  spec.alt_names = {"www.example.com"};
  spec.extra_extensions = {{"1.3.6.1.4.1.55555.1", true, {0x05, 0x00}}};
  spec.duplicated_extensions = {NID_subject_alt_name};
  auto certificate = leaf(spec);
  EXPECT_EQ(extension_count(certificate.get(), NID_subject_alt_name), 2);
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.55555.1", 1);
  const int index = X509_get_ext_by_OBJ(certificate.get(), oid, -1);
  ASN1_OBJECT_free(oid);
  ASSERT_GE(index, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(certificate.get(), index)), 1);

  spec.duplicated_extensions = {NID_name_constraints};  // not present: refused
  EXPECT_FALSE(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), root_key_.get()));
}

TEST_F(X509BuilderTest, RsaPssParametersAreAsAsked) {
  auto rsa = must(generate_key(workspace_, testing::KeyAlgorithm::rsa_2048));
  CertificateSpec spec = base_spec("pss");
  // Neither default (salt 20, MGF1-SHA1), so both are encoded (RFC 4055 §3.1).
  spec.rsa_pss = PssParameters{"SHA256", "SHA384", 48};
  auto certificate =
      must(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), rsa.get()));
  EXPECT_EQ(X509_get_signature_nid(certificate.get()), NID_rsassaPss);
  EXPECT_EQ(X509_verify(certificate.get(), rsa.get()), 1);
  const X509_ALGOR* algorithm = nullptr;
  X509_get0_signature(nullptr, &algorithm, certificate.get());
  const void* parameter = nullptr;
  int parameter_type = 0;
  X509_ALGOR_get0(nullptr, &parameter_type, &parameter, algorithm);
  ASSERT_EQ(parameter_type, V_ASN1_SEQUENCE);
  const auto* sequence = static_cast<const ASN1_STRING*>(parameter);
  const unsigned char* in = sequence->data;
  RSA_PSS_PARAMS* pss = d2i_RSA_PSS_PARAMS(nullptr, &in, sequence->length);
  ASSERT_NE(pss, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(pss->saltLength), 48);
  ASSERT_NE(pss->maskGenAlgorithm, nullptr);
  ASSERT_EQ(pss->maskGenAlgorithm->parameter->type, V_ASN1_SEQUENCE);
  const ASN1_STRING* mgf_hash = pss->maskGenAlgorithm->parameter->value.sequence;
  const unsigned char* hash_in = mgf_hash->data;
  X509_ALGOR* hash = d2i_X509_ALGOR(nullptr, &hash_in, mgf_hash->length);
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(OBJ_obj2nid(hash->algorithm), NID_sha384);
  X509_ALGOR_free(hash);
  RSA_PSS_PARAMS_free(pss);

  // An EC issuer cannot sign with RSA-PSS.
  EXPECT_FALSE(build_certificate(workspace_, spec, leaf_key_.get(), root_.get(), root_key_.get()));
}

TEST(DerEditTest, ParseAndEncodeRoundTripAndLengthForms) {
  const std::vector<std::uint8_t> der{0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x05};
  auto node = must(parse_der(der));
  EXPECT_EQ(encode_der(node), der);
  node.children[0].length_form = LengthForm::long_form;
  EXPECT_EQ(encode_der(node),
            (std::vector<std::uint8_t>{0x30, 0x07, 0x01, 0x81, 0x01, 0xFF, 0x02, 0x01, 0x05}));
  node.children[0].length_form = LengthForm::minimal;
  node.length_form = LengthForm::indefinite;
  EXPECT_EQ(encode_der(node), (std::vector<std::uint8_t>{0x30, 0x80, 0x01, 0x01, 0xFF, 0x02, 0x01,
                                                         0x05, 0x00, 0x00}));
  std::vector<std::uint8_t> trailing = der;
  trailing.push_back(0x00);
  EXPECT_FALSE(parse_der(trailing));
  EXPECT_FALSE(parse_der(std::vector<std::uint8_t>{0x30, 0x05, 0x01}));
}

TEST_F(X509BuilderTest, RewrittenTbsKeepsAValidSignature) {
  CertificateSpec spec = base_spec("edited");
  spec.ca = true;
  const std::vector<std::uint8_t> original = must(certificate_der(leaf(spec).get()));

  // Unedited: the same bytes as libcrypto's encoder (ECDSA signatures differ, the TBS not).
  auto same = must(rewrite_tbs(workspace_, original, root_key_.get(),
                               [](DerNode&) -> Result<void> { return {}; }));
  EXPECT_EQ(must(split_certificate(same)).tbs.children.size(),
            must(split_certificate(original)).tbs.children.size());

  // cA TRUE as 0x01: BER-legal, DER-illegal (X.690 §11.1), signature still valid.
  auto edited = must(rewrite_tbs(workspace_, original, root_key_.get(), [](DerNode& tbs) {
    DerNode* extension = find_extension(tbs, "2.5.29.19");
    if (extension == nullptr) {
      return Result<void>(fail(Errc::internal_error, "no basicConstraints"));
    }
    DerNode& value = extension_value(*extension);
    DerNode constraints = must(parse_der(value.content));
    EXPECT_EQ(constraints.children.at(0).content, std::vector<std::uint8_t>{0xFF});
    constraints.children.at(0).content = {0x01};
    value.content = encode_der(constraints);
    return Result<void>{};
  }));
  const std::vector<std::uint8_t> boolean_01{0x30, 0x03, 0x01, 0x01, 0x01};
  EXPECT_NE(std::search(edited.begin(), edited.end(), boolean_01.begin(), boolean_01.end()),
            edited.end());
  auto parsed = parse(edited);
  EXPECT_EQ(signature_ok(parsed.get()), 1);
  CertificateParts parts = must(split_certificate(edited));
  EXPECT_EQ(find_extension(parts.tbs, "2.5.29.37"), nullptr);  // a CA spec without EKU
  EXPECT_NE(find_extension(parts.tbs, "2.5.29.19"), nullptr);
}

TEST_F(X509BuilderTest, EditsLibcryptoCannotParseAreStillSignedAsWritten) {
  CertificateSpec spec = base_spec("padded");
  spec.alt_names = {"www.example.com"};
  const std::vector<std::uint8_t> original = must(certificate_der(leaf(spec).get()));
  std::vector<std::uint8_t> signed_tbs;
  auto edited = must(rewrite_tbs(workspace_, original, root_key_.get(), [&](DerNode& tbs) {
    DerNode& serial = tbs.children.at(1);
    serial.content.insert(serial.content.begin(), 0x00);  // X.690 §8.3.2: not minimal
    DerNode* san = find_extension(tbs, "2.5.29.17");
    if (san == nullptr) {
      return Result<void>(fail(Errc::internal_error, "no subjectAltName"));
    }
    extension_value(*san).length_form = LengthForm::long_form;
    signed_tbs = encode_der(tbs);
    return Result<void>{};
  }));
  // Certificate ::= SEQUENCE { tbs (as edited, byte for byte), algorithm, BIT STRING }.
  DerNode certificate = must(parse_der(edited));
  ASSERT_EQ(certificate.children.size(), 3U);
  ASSERT_GE(edited.size(), signed_tbs.size() + 4);
  ASSERT_EQ(edited[0], 0x30);
  ASSERT_EQ(edited[1], 0x82);  // a few hundred bytes: two length octets, a 4-byte header
  EXPECT_TRUE(std::equal(signed_tbs.begin(), signed_tbs.end(), edited.begin() + 4));
  const std::vector<std::uint8_t>& bits = certificate.children[2].content;
  ASSERT_FALSE(bits.empty());
  ossl::EvpMdCtxPtr context(EVP_MD_CTX_new());
  ASSERT_EQ(EVP_DigestVerifyInit_ex(context.get(), nullptr, "SHA256", workspace_.libctx(), nullptr,
                                    root_key_.get(), nullptr),
            1);
  EXPECT_EQ(EVP_DigestVerify(context.get(), bits.data() + 1, bits.size() - 1, signed_tbs.data(),
                             signed_tbs.size()),
            1);
  // libcrypto refuses the padded INTEGER outright.
  const unsigned char* in = edited.data();
  X509* parsed = d2i_X509(nullptr, &in, static_cast<long>(edited.size()));
  EXPECT_EQ(parsed, nullptr);
  X509_free(parsed);
  take_openssl_error();
}

}  // namespace
}  // namespace sanstls::certmaker
