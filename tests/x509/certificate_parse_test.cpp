// SPDX-License-Identifier: Apache-2.0 OR MIT
// The strict certificate parser (x509/der/certificate.hpp): hand-built DER certificates, one
// defect at a time, each refused with the field and the reason; and every certificate the
// project's test CA makes parses with the values it was given.

#include <sanstls/testing/certificate_authority.hpp>

#include "x509/der/certificate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::x509::der {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes tlv(std::uint8_t tag_byte, const Bytes& content) {
  Bytes out{tag_byte};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(),
               {0x82, static_cast<std::uint8_t>(n >> 8U), static_cast<std::uint8_t>(n & 0xffU)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}
Bytes text(std::uint8_t tag_byte, const std::string& value) {
  return tlv(tag_byte, Bytes(value.begin(), value.end()));
}
Bytes name(const std::string& common_name) {
  return tlv(0x30,
             tlv(0x31, tlv(0x30, cat({tlv(0x06, {0x55, 0x04, 0x03}), text(0x0c, common_name)}))));
}
Bytes extension(const Bytes& oid, const Bytes& value, bool critical = false) {
  return tlv(0x30, cat({tlv(0x06, oid), critical ? tlv(0x01, {0xff}) : Bytes{}, tlv(0x04, value)}));
}

const Bytes ecdsa_sha256 = tlv(0x30, tlv(0x06, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}));
const Bytes ecdsa_sha384 = tlv(0x30, tlv(0x06, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}));
const Bytes oid_bc{0x55, 0x1d, 0x13};
const Bytes oid_ku{0x55, 0x1d, 0x0f};
const Bytes oid_eku{0x55, 0x1d, 0x25};
const Bytes oid_san{0x55, 0x1d, 0x11};
const Bytes oid_nc{0x55, 0x1d, 0x1e};
const Bytes oid_aki{0x55, 0x1d, 0x23};
const Bytes oid_ski{0x55, 0x1d, 0x0e};

/// A certificate, part by part; each test changes one part.
struct Parts {
  Bytes version = tlv(0xa0, tlv(0x02, {0x02}));
  Bytes serial = tlv(0x02, {0x01, 0x23});
  Bytes inner_algorithm = ecdsa_sha256;
  Bytes issuer = name("Issuer CA");
  Bytes validity = tlv(0x30, cat({text(0x17, "250101000000Z"), text(0x17, "350101000000Z")}));
  Bytes subject = name("leaf.example");
  Bytes spki =
      tlv(0x30, cat({tlv(0x30, cat({tlv(0x06, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}),
                                    tlv(0x06, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})})),
                     tlv(0x03, {0x00, 0x04, 0x01, 0x02})}));
  std::vector<Bytes> extensions{
      extension(oid_bc, tlv(0x30, {}), true),
      extension(oid_ku, tlv(0x03, {0x07, 0x80}), true),
      extension(oid_eku, tlv(0x30, tlv(0x06, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01}))),
      extension(oid_san, tlv(0x30, cat({text(0x82, "leaf.example"), tlv(0x87, {192, 0, 2, 1}),
                                        text(0x86, "https://leaf.example/")}))),
      extension(oid_aki, tlv(0x30, tlv(0x80, {1, 2, 3, 4}))),
      extension(oid_ski, tlv(0x04, {5, 6, 7, 8})),
  };
  Bytes outer_algorithm = ecdsa_sha256;
  Bytes signature = tlv(0x03, {0x00, 0x30, 0x00});
  Bytes trailing;

  [[nodiscard]] Bytes der() const {
    Bytes all_extensions;
    for (const Bytes& e : extensions)
      all_extensions.insert(all_extensions.end(), e.begin(), e.end());
    const Bytes tbs =
        tlv(0x30, cat({version, serial, inner_algorithm, issuer, validity, subject, spki,
                       extensions.empty() ? Bytes{} : tlv(0xa3, tlv(0x30, all_extensions))}));
    return cat({tlv(0x30, cat({tbs, outer_algorithm, signature})), trailing});
  }
};

/// "field: reason" of the failure, or "" when the certificate parsed.
std::string refusal(const Parts& parts) {
  const Bytes der = parts.der();
  auto parsed = parse_certificate(wire::Bytes(der));
  if (parsed) return "";
  return std::string(parsed.error().field) + ": " + std::string(parsed.error().reason);
}

TEST(CertificateParse, WellFormedCertificate) {
  const Parts parts;
  const Bytes der = parts.der();
  auto parsed = parse_certificate(wire::Bytes(der));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->version, 2U);
  EXPECT_EQ(Bytes(parsed->serial.begin(), parsed->serial.end()), (Bytes{0x01, 0x23}));
  EXPECT_EQ(parsed->not_before, std::chrono::sys_days{std::chrono::year{2025} / 1 / 1});
  EXPECT_EQ(parsed->not_after, std::chrono::sys_days{std::chrono::year{2035} / 1 / 1});
  ASSERT_TRUE(parsed->basic_constraints);
  EXPECT_FALSE(parsed->basic_constraints->ca);
  EXPECT_TRUE(parsed->basic_constraints->critical);
  EXPECT_EQ(parsed->key_usage, key_usage::digital_signature);
  ASSERT_TRUE(parsed->extended_key_usage);
  EXPECT_TRUE(parsed->extended_key_usage->server_auth);
  EXPECT_FALSE(parsed->extended_key_usage->client_auth);
  ASSERT_TRUE(parsed->subject_alt_name);
  EXPECT_EQ(parsed->subject_alt_name->dns_names, std::vector<std::string>{"leaf.example"});
  EXPECT_EQ(parsed->subject_alt_name->ip_addresses.size(), 1U);
  EXPECT_EQ(parsed->subject_alt_name->other, 1U);
  ASSERT_TRUE(parsed->authority_key_id);
  EXPECT_EQ(parsed->authority_key_id->size(), 4U);
  ASSERT_TRUE(parsed->subject_key_id);
  EXPECT_FALSE(parsed->self_issued());
  EXPECT_EQ(parsed->der.size(), der.size());
}

TEST(CertificateParse, StructureAndTrailingData) {
  Parts parts;
  parts.trailing = {0x00};
  EXPECT_EQ(refusal(parts), "Certificate: trailing bytes");
  parts = Parts{};
  parts.outer_algorithm = ecdsa_sha384;
  EXPECT_EQ(refusal(parts),
            "TBSCertificate.signature: differs from the certificate's "
            "signatureAlgorithm");
  parts = Parts{};
  parts.signature = tlv(0x03, {0x01, 0x30, 0x00});
  EXPECT_EQ(refusal(parts), "signatureValue: unused bits");
  parts = Parts{};
  parts.issuer = tlv(0x30, {});
  EXPECT_EQ(refusal(parts), "issuer: empty name");
  parts = Parts{};
  parts.subject = tlv(0x30, {});
  EXPECT_EQ(refusal(parts), "subject: empty name without a critical subjectAltName");
  parts = Parts{};
  parts.issuer = tlv(0x30, tlv(0x31, {}));
  EXPECT_EQ(refusal(parts), "issuer: empty RelativeDistinguishedName");
}

TEST(CertificateParse, VersionAndSerial) {
  Parts parts;
  parts.version = tlv(0xa0, tlv(0x02, {0x00}));
  EXPECT_EQ(refusal(parts), "version: explicit DEFAULT v1 (not DER)");
  parts.version = tlv(0xa0, tlv(0x02, {0x03}));
  EXPECT_EQ(refusal(parts), "version: too large");
  parts.version = {};  // v1 with extensions
  EXPECT_EQ(refusal(parts), "extensions: present in a certificate that is not v3");
  parts.extensions.clear();
  EXPECT_EQ(refusal(parts), "");  // a v1 certificate without extensions parses

  parts = Parts{};
  parts.serial = tlv(0x02, {0x80});
  EXPECT_EQ(refusal(parts), "serialNumber: negative");
  parts.serial = tlv(0x02, {0x00});
  EXPECT_EQ(refusal(parts), "serialNumber: zero");
  parts.serial = tlv(0x02, Bytes(21, 0x11));
  EXPECT_EQ(refusal(parts), "serialNumber: longer than 20 octets");
  Bytes twenty(20, 0x91);
  twenty.insert(twenty.begin(), 0x00);  // a positive 20-octet value needs a leading zero
  parts.serial = tlv(0x02, twenty);
  EXPECT_EQ(refusal(parts), "");
  parts.serial = tlv(0x02, {0x00, 0x01});
  EXPECT_EQ(refusal(parts), "serialNumber: INTEGER not in its shortest form");
}

TEST(CertificateParse, Validity) {
  Parts parts;
  parts.validity = tlv(0x30, cat({text(0x18, "20250101000000Z"), text(0x17, "350101000000Z")}));
  EXPECT_EQ(refusal(parts), "validity.notBefore: GeneralizedTime used for a date before 2050");
  parts.validity = tlv(0x30, cat({text(0x17, "250101000000Z"), text(0x18, "20500101000000Z")}));
  EXPECT_EQ(refusal(parts), "");
  parts.validity = tlv(0x30, cat({text(0x17, "2501010000Z"), text(0x17, "350101000000Z")}));
  EXPECT_EQ(refusal(parts), "validity.notBefore: UTCTime is not YYMMDDHHMMSSZ");
}

TEST(CertificateParse, ExtensionRules) {
  Parts parts;
  parts.extensions.push_back(extension(oid_bc, tlv(0x30, {}), true));
  EXPECT_EQ(refusal(parts), "Extension: duplicate extension");

  parts = Parts{};
  const Bytes unknown_oid{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x01};
  parts.extensions.push_back(extension(unknown_oid, tlv(0x05, {}), false));
  EXPECT_EQ(refusal(parts), "");
  parts.extensions.back() = extension(unknown_oid, tlv(0x05, {}), true);
  EXPECT_EQ(refusal(parts), "Extension: unknown critical extension");

  parts = Parts{};
  parts.extensions.push_back(
      tlv(0x30, cat({tlv(0x06, unknown_oid), tlv(0x01, {0x00}), tlv(0x04, tlv(0x05, {}))})));
  EXPECT_EQ(refusal(parts), "Extension.critical: explicit DEFAULT FALSE (not DER)");

  parts = Parts{};
  parts.extensions.push_back(extension(unknown_oid, tlv(0x05, {})));
  parts.extensions.back().push_back(0x00);  // junk after the Extension inside the SEQUENCE
  EXPECT_NE(refusal(parts), "");

  parts = Parts{};
  parts.extensions = {};
  parts.version = tlv(0xa0, tlv(0x02, {0x02}));
  const Bytes der = parts.der();
  EXPECT_TRUE(parse_certificate(wire::Bytes(der)));  // v3 without extensions is fine
}

TEST(CertificateParse, KnownExtensionContents) {
  struct Case {
    Bytes extension;
    std::string refusal;
  };
  const Case cases[] = {
      {extension(oid_bc, tlv(0x30, tlv(0x01, {0x00})), true),
       "basicConstraints.cA: explicit DEFAULT FALSE (not DER)"},
      {extension(oid_bc, tlv(0x30, tlv(0x02, {0x01})), true),
       "basicConstraints.pathLenConstraint: present without cA"},
      {extension(oid_bc, tlv(0x30, cat({tlv(0x01, {0xff}), tlv(0x02, {0xff})})), true),
       "basicConstraints.pathLenConstraint: negative"},
      {extension(oid_ku, tlv(0x03, {0x00, 0x80}), true),
       "keyUsage: trailing zero bits (not DER) or no bit set"},
      {extension(oid_ku, tlv(0x03, {0x00}), true), "keyUsage: wrong length"},
      {extension(oid_eku, tlv(0x30, {})), "extendedKeyUsage: empty sequence"},
      {extension(oid_san, tlv(0x30, {})), "subjectAltName: empty GeneralNames"},
      {extension(oid_san, tlv(0x30, tlv(0x87, {1, 2, 3, 4, 5}))),
       "subjectAltName.iPAddress: neither 4 nor 16 octets"},
      {extension(oid_san, tlv(0x30, tlv(0x82, {0x61, 0xc3, 0xa9}))),
       "subjectAltName.dNSName: IA5String with a non-ASCII octet"},
      {extension(oid_nc, tlv(0x30, {}), true), "nameConstraints: empty sequence"},
      {extension(
           oid_nc,
           tlv(0x30, tlv(0xa0, tlv(0x30, cat({text(0x82, "example.org"), tlv(0x80, {0x01})})))),
           true),
       "nameConstraints.subtree: minimum or maximum present"},
      {extension(oid_nc, tlv(0x30, tlv(0xa1, tlv(0x30, tlv(0x87, {10, 0, 0, 0, 255, 0, 255, 0})))),
                 true),
       "nameConstraints.iPAddress: mask is not a prefix"},
      {extension(oid_nc, tlv(0x30, tlv(0xa1, tlv(0x30, tlv(0x87, {10, 0, 0, 0, 255})))), true),
       "nameConstraints.iPAddress: neither 8 nor 32 octets"},
      {extension(oid_aki, tlv(0x30, tlv(0x80, {1})), true),
       "authorityKeyIdentifier: marked critical"},
      {extension(oid_ski, tlv(0x04, {1}), true), "subjectKeyIdentifier: marked critical"},
      {extension({0x55, 0x1d, 0x24}, tlv(0x30, {}), true), "policyConstraints: empty sequence"},
      {extension({0x55, 0x1d, 0x20}, tlv(0x30, {})), "certificatePolicies: empty sequence"},
  };
  for (const Case& c : cases) {
    Parts parts;
    // Replace the extension of the same type, or add it.
    const Bytes oid(c.extension.begin() + 4, c.extension.begin() + 7);
    bool replaced = false;
    for (Bytes& existing : parts.extensions) {
      if (Bytes(existing.begin() + 4, existing.begin() + 7) == oid) {
        existing = c.extension;
        replaced = true;
      }
    }
    if (!replaced) parts.extensions.push_back(c.extension);
    EXPECT_EQ(refusal(parts), c.refusal);
  }
}

TEST(CertificateParse, NameConstraintsAndPolicies) {
  Parts parts;
  parts.extensions.push_back(
      extension(oid_nc,
                tlv(0x30, cat({tlv(0xa0, tlv(0x30, text(0x82, "example.org"))),
                               tlv(0xa1, cat({tlv(0x30, tlv(0x87, {10, 0, 0, 0, 255, 0, 0, 0})),
                                              tlv(0x30, tlv(0xa4, name("x")))}))})),
                true));
  // policyConstraints with requireExplicitPolicy (critical, as RFC 5280 §4.2.1.11 requires).
  parts.extensions.push_back(extension({0x55, 0x1d, 0x24}, tlv(0x30, tlv(0x80, {0x00})), true));
  // certificatePolicies, critical: known, not acted on.
  parts.extensions.push_back(
      extension({0x55, 0x1d, 0x20},
                tlv(0x30, tlv(0x30, tlv(0x06, {0x67, 0x81, 0x0c, 0x01, 0x02, 0x01}))), true));
  const Bytes der = parts.der();
  auto parsed = parse_certificate(wire::Bytes(der));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_TRUE(parsed->name_constraints);
  ASSERT_EQ(parsed->name_constraints->permitted.size(), 1U);
  EXPECT_EQ(parsed->name_constraints->permitted[0].dns, "example.org");
  ASSERT_EQ(parsed->name_constraints->excluded.size(), 2U);
  EXPECT_EQ(parsed->name_constraints->excluded[0].kind, GeneralSubtree::Kind::ip);
  EXPECT_EQ(parsed->name_constraints->excluded[1].kind, GeneralSubtree::Kind::other);
  EXPECT_TRUE(parsed->requires_explicit_policy);
}

TEST(CertificateParse, EveryTestCaCertificateParses) {
  for (const auto algorithm : testing::all_key_algorithms()) {
    SCOPED_TRACE(std::string(testing::key_algorithm_name(algorithm)));
    testing::CaOptions ca_options;
    ca_options.key = algorithm;
    ca_options.path_length = 2;
    auto ca = testing::CertificateAuthority::create(ca_options);
    ASSERT_TRUE(ca) << ca.error().message;
    testing::LeafOptions leaf_options;
    leaf_options.names = {"leaf.example", "192.0.2.7"};
    leaf_options.key = algorithm;
    auto leaf = ca->issue_leaf_parts(leaf_options);
    ASSERT_TRUE(leaf) << leaf.error().message;
    const Certificate* both[] = {&ca->certificate(), &leaf->certificates.front()};
    for (const Certificate* certificate : both) {
      const auto der = certificate->der();
      const wire::Bytes bytes(reinterpret_cast<const std::uint8_t*>(der.data()), der.size());
      auto parsed = parse_certificate(bytes);
      ASSERT_TRUE(parsed) << parsed.error().to_string();
      EXPECT_EQ(parsed->version, 2U);
    }
    const auto root_der = ca->certificate().der();
    auto root = parse_certificate(
        wire::Bytes(reinterpret_cast<const std::uint8_t*>(root_der.data()), root_der.size()));
    ASSERT_TRUE(root);
    EXPECT_TRUE(root->is_ca());
    EXPECT_EQ(root->basic_constraints->path_length, 2U);
    EXPECT_TRUE(root->self_issued());
    EXPECT_TRUE(root->key_usage && (*root->key_usage & key_usage::key_cert_sign) != 0);
    const auto leaf_der = leaf->certificates.front().der();
    auto parsed_leaf = parse_certificate(
        wire::Bytes(reinterpret_cast<const std::uint8_t*>(leaf_der.data()), leaf_der.size()));
    ASSERT_TRUE(parsed_leaf);
    ASSERT_TRUE(parsed_leaf->subject_alt_name);
    EXPECT_EQ(parsed_leaf->subject_alt_name->dns_names, std::vector<std::string>{"leaf.example"});
    EXPECT_EQ(parsed_leaf->subject_alt_name->ip_addresses,
              (std::vector<std::vector<std::uint8_t>>{{192, 0, 2, 7}}));
    EXPECT_TRUE(parsed_leaf->has_authority_key_identifier);
  }
}

}  // namespace
}  // namespace sanstls::x509::der
