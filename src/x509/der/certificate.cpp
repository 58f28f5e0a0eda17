// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/der/certificate.hpp"

#include <array>

namespace sanstls::x509::der {
namespace {

using wire::Bytes;
using wire::Reader;

// Extension OIDs (contents octets): id-ce = 2.5.29 = 55 1d.
constexpr std::array<std::uint8_t, 3> oid_subject_key_identifier{0x55, 0x1d, 0x0e};
constexpr std::array<std::uint8_t, 3> oid_key_usage{0x55, 0x1d, 0x0f};
constexpr std::array<std::uint8_t, 3> oid_subject_alt_name{0x55, 0x1d, 0x11};
constexpr std::array<std::uint8_t, 3> oid_basic_constraints{0x55, 0x1d, 0x13};
constexpr std::array<std::uint8_t, 3> oid_name_constraints{0x55, 0x1d, 0x1e};
constexpr std::array<std::uint8_t, 3> oid_certificate_policies{0x55, 0x1d, 0x20};
constexpr std::array<std::uint8_t, 3> oid_authority_key_identifier{0x55, 0x1d, 0x23};
constexpr std::array<std::uint8_t, 3> oid_policy_constraints{0x55, 0x1d, 0x24};
constexpr std::array<std::uint8_t, 3> oid_ext_key_usage{0x55, 0x1d, 0x25};
// Extended key purposes: id-kp = 1.3.6.1.5.5.7.3.
constexpr std::array<std::uint8_t, 8> oid_kp_server_auth{0x2b, 0x06, 0x01, 0x05,
                                                         0x05, 0x07, 0x03, 0x01};
constexpr std::array<std::uint8_t, 8> oid_kp_client_auth{0x2b, 0x06, 0x01, 0x05,
                                                         0x05, 0x07, 0x03, 0x02};
constexpr std::array<std::uint8_t, 4> oid_any_extended_key_usage{0x55, 0x1d, 0x25, 0x00};

// GeneralName tags (§4.2.1.6, IMPLICIT tagging).
constexpr std::uint8_t general_name_dns = tag::context(2);
constexpr std::uint8_t general_name_ip = tag::context(7);

/// §4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName (SET SIZE (1..MAX) OF
/// AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY }). Returns the whole encoding.
wire::Result<Bytes> read_name(Reader& in, std::string_view field) {
  WIRE_TRY(const Tlv name, read_element(in, tag::sequence, field));
  Reader rdns(name.value);
  while (!rdns.empty()) {
    WIRE_TRY(Reader rdn, read_constructed(rdns, tag::set, field));
    if (rdn.empty()) {
      return wire::decode_error(field, "empty RelativeDistinguishedName");
    }
    while (!rdn.empty()) {
      WIRE_TRY(Reader attribute, read_constructed(rdn, tag::sequence, field));
      WIRE_CHECK(read_oid(attribute, field).map([](Bytes) {}));
      WIRE_CHECK(read_tlv(attribute, field).map([](const Tlv&) {}));
      WIRE_CHECK(attribute.expect_end(field));
    }
  }
  return name.encoding;
}

wire::Result<AlgorithmIdentifier> read_algorithm(Reader& in, std::string_view field) {
  WIRE_TRY(const Tlv sequence, read_element(in, tag::sequence, field));
  Reader body(sequence.value);
  AlgorithmIdentifier algorithm;
  algorithm.encoding = sequence.encoding;
  WIRE_TRY(algorithm.oid, read_oid(body, field));
  if (!body.empty()) {
    WIRE_TRY(algorithm.parameters, read_tlv(body, field));
  }
  WIRE_CHECK(body.expect_end(field));
  return algorithm;
}

/// IA5String contents (dNSName): ASCII only.
wire::Result<std::string> ia5_text(Bytes value, std::string_view field) {
  std::string text;
  text.reserve(value.size());
  for (const std::uint8_t octet : value) {
    if (octet >= 0x80) {
      return wire::decode_error(field, "IA5String with a non-ASCII octet");
    }
    text.push_back(static_cast<char>(octet));
  }
  return text;
}

/// GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.
wire::Result<SubjectAltName> parse_subject_alt_name(Reader in) {
  constexpr std::string_view field = "subjectAltName";
  WIRE_TRY(Reader names, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  if (names.empty()) {
    return wire::decode_error(field, "empty GeneralNames");
  }
  SubjectAltName san;
  while (!names.empty()) {
    WIRE_TRY(const Tlv name, read_tlv(names, field));
    if (name.tag == general_name_dns) {
      WIRE_TRY(std::string dns, ia5_text(name.value, "subjectAltName.dNSName"));
      san.dns_names.push_back(std::move(dns));
    } else if (name.tag == general_name_ip) {
      // §4.2.1.6: "the octet string MUST contain exactly four octets" (IPv4) or sixteen (IPv6).
      if (name.value.size() != 4 && name.value.size() != 16) {
        return wire::decode_error("subjectAltName.iPAddress", "neither 4 nor 16 octets");
      }
      san.ip_addresses.emplace_back(name.value.begin(), name.value.end());
    } else {
      ++san.other;
    }
  }
  return san;
}

/// True when `mask` is a run of one bits followed by zero bits (a CIDR prefix).
bool is_prefix_mask(Bytes mask) {
  bool zeros = false;
  for (const std::uint8_t octet : mask) {
    for (int bit = 7; bit >= 0; --bit) {
      const bool set = ((octet >> static_cast<unsigned>(bit)) & 1U) != 0;
      if (set && zeros) {
        return false;
      }
      zeros = zeros || !set;
    }
  }
  return true;
}

/// GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree.
wire::Result<std::vector<GeneralSubtree>> parse_subtrees(Reader in) {
  constexpr std::string_view field = "nameConstraints.subtree";
  if (in.empty()) {
    return wire::decode_error(field, "empty GeneralSubtrees");
  }
  std::vector<GeneralSubtree> subtrees;
  while (!in.empty()) {
    WIRE_TRY(Reader subtree, read_constructed(in, tag::sequence, field));
    WIRE_TRY(const Tlv base, read_tlv(subtree, field));
    // §4.2.1.10: "Within this profile, the minimum and maximum fields are not used with any
    // name forms, thus, the minimum MUST be zero, and maximum MUST be absent." DER omits a
    // DEFAULT value, so neither may appear.
    if (!subtree.empty()) {
      return wire::decode_error(field, "minimum or maximum present");
    }
    GeneralSubtree entry;
    entry.tag = base.tag;
    if (base.tag == general_name_dns) {
      entry.kind = GeneralSubtree::Kind::dns;
      WIRE_TRY(entry.dns, ia5_text(base.value, "nameConstraints.dNSName"));
    } else if (base.tag == general_name_ip) {
      // §4.2.1.10: "eight octets" for IPv4, "32 octets" for IPv6: address then mask.
      if (base.value.size() != 8 && base.value.size() != 32) {
        return wire::decode_error("nameConstraints.iPAddress", "neither 8 nor 32 octets");
      }
      const std::size_t half = base.value.size() / 2;
      const Bytes address = base.value.first(half);
      const Bytes mask = base.value.subspan(half);
      if (!is_prefix_mask(mask)) {
        return wire::decode_error("nameConstraints.iPAddress", "mask is not a prefix");
      }
      entry.kind = GeneralSubtree::Kind::ip;
      entry.address.assign(address.begin(), address.end());
      entry.mask.assign(mask.begin(), mask.end());
    }
    subtrees.push_back(std::move(entry));
  }
  return subtrees;
}

wire::Result<NameConstraints> parse_name_constraints(Reader in) {
  constexpr std::string_view field = "nameConstraints";
  WIRE_TRY(Reader body, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  NameConstraints constraints;
  bool any = false;
  if (peek_tag(body) == tag::context_constructed(0)) {
    WIRE_TRY(Reader permitted, read_constructed(body, tag::context_constructed(0), field));
    WIRE_TRY(constraints.permitted, parse_subtrees(permitted));
    any = true;
  }
  if (peek_tag(body) == tag::context_constructed(1)) {
    WIRE_TRY(Reader excluded, read_constructed(body, tag::context_constructed(1), field));
    WIRE_TRY(constraints.excluded, parse_subtrees(excluded));
    any = true;
  }
  WIRE_CHECK(body.expect_end(field));
  // §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is an empty
  // sequence."
  if (!any) {
    return wire::decode_error(field, "empty sequence");
  }
  return constraints;
}

wire::Result<BasicConstraints> parse_basic_constraints(Reader in) {
  constexpr std::string_view field = "basicConstraints";
  WIRE_TRY(Reader body, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  BasicConstraints constraints;
  if (peek_tag(body) == tag::boolean) {
    WIRE_TRY(constraints.ca, read_boolean(body, "basicConstraints.cA"));
    // X.690 §11.5: a DEFAULT value is never encoded in DER.
    if (!constraints.ca) {
      return wire::decode_error("basicConstraints.cA", "explicit DEFAULT FALSE (not DER)");
    }
  }
  if (peek_tag(body) == tag::integer) {
    WIRE_TRY(const std::uint64_t length,
             read_small_unsigned(body, 255, "basicConstraints.pathLenConstraint"));
    constraints.path_length = length;
    // §4.2.1.9: "CAs MUST NOT include the pathLenConstraint field unless the cA boolean is
    // asserted".
    if (!constraints.ca) {
      return wire::decode_error("basicConstraints.pathLenConstraint", "present without cA");
    }
  }
  WIRE_CHECK(body.expect_end(field));
  return constraints;
}

wire::Result<std::uint16_t> parse_key_usage(Reader in) {
  constexpr std::string_view field = "keyUsage";
  WIRE_TRY(const BitString bits, read_bit_string(in, field));
  WIRE_CHECK(in.expect_end(field));
  // §4.2.1.3: "When the keyUsage extension appears in a certificate, at least one of the bits
  // MUST be set to 1"; X.690 §11.2.2: a named bit list has no trailing zero bits in DER.
  if (bits.bytes.empty() || bits.bytes.size() > 2) {
    return wire::decode_error(field, "wrong length");
  }
  if ((bits.bytes.back() & (1U << bits.unused_bits)) == 0) {
    return wire::decode_error(field, "trailing zero bits (not DER) or no bit set");
  }
  std::uint16_t usage = 0;
  for (std::size_t i = 0; i < bits.bytes.size(); ++i) {
    for (unsigned bit = 0; bit < 8; ++bit) {
      if (((bits.bytes[i] >> (7U - bit)) & 1U) != 0) {
        usage = static_cast<std::uint16_t>(usage | (1U << (i * 8 + bit)));
      }
    }
  }
  return usage;
}

wire::Result<ExtendedKeyUsage> parse_ext_key_usage(Reader in) {
  constexpr std::string_view field = "extendedKeyUsage";
  WIRE_TRY(Reader purposes, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  if (purposes.empty()) {
    return wire::decode_error(field, "empty sequence");
  }
  ExtendedKeyUsage usage;
  while (!purposes.empty()) {
    WIRE_TRY(const Bytes purpose, read_oid(purposes, field));
    usage.server_auth = usage.server_auth || same_bytes(purpose, oid_kp_server_auth);
    usage.client_auth = usage.client_auth || same_bytes(purpose, oid_kp_client_auth);
    usage.any = usage.any || same_bytes(purpose, oid_any_extended_key_usage);
  }
  return usage;
}

/// AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL, authorityCertIssuer [1]
/// OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }.
wire::Result<std::optional<Bytes>> parse_authority_key_identifier(Reader in) {
  constexpr std::string_view field = "authorityKeyIdentifier";
  WIRE_TRY(Reader body, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  std::optional<Bytes> key_id;
  if (peek_tag(body) == tag::context(0)) {
    WIRE_TRY(const Tlv id, read_tlv(body, field));
    key_id = id.value;
  }
  if (peek_tag(body) == tag::context_constructed(1)) {
    WIRE_CHECK(read_tlv(body, field).map([](const Tlv&) {}));
  }
  if (peek_tag(body) == tag::context(2)) {
    WIRE_CHECK(read_tlv(body, field).map([](const Tlv&) {}));
  }
  WIRE_CHECK(body.expect_end(field));
  return key_id;
}

/// PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL,
/// inhibitPolicyMapping [1] SkipCerts OPTIONAL }. Returns whether requireExplicitPolicy is set.
wire::Result<bool> parse_policy_constraints(Reader in) {
  constexpr std::string_view field = "policyConstraints";
  WIRE_TRY(Reader body, read_constructed(in, tag::sequence, field));
  WIRE_CHECK(in.expect_end(field));
  bool explicit_policy = false;
  if (peek_tag(body) == tag::context(0)) {
    WIRE_CHECK(read_tlv(body, field).map([](const Tlv&) {}));
    explicit_policy = true;
  }
  if (peek_tag(body) == tag::context(1)) {
    WIRE_CHECK(read_tlv(body, field).map([](const Tlv&) {}));
  }
  WIRE_CHECK(body.expect_end(field));
  // §4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an
  // empty sequence."
  if (body.position() == 0) {
    return wire::decode_error(field, "empty sequence");
  }
  return explicit_policy;
}

wire::Status parse_extension(Reader& extensions, ParsedCertificate& cert, std::vector<Bytes>& seen,
                             Role role) {
  constexpr std::string_view field = "Extension";
  WIRE_TRY(Reader extension, read_constructed(extensions, tag::sequence, field));
  WIRE_TRY(const Bytes oid, read_oid(extension, "Extension.extnID"));
  bool critical = false;
  if (peek_tag(extension) == tag::boolean) {
    WIRE_TRY(critical, read_boolean(extension, "Extension.critical"));
    // X.690 §11.5: "critical BOOLEAN DEFAULT FALSE" is never encoded as FALSE in DER.
    if (!critical) {
      return wire::decode_error("Extension.critical", "explicit DEFAULT FALSE (not DER)");
    }
  }
  WIRE_TRY(const Tlv value, read_element(extension, tag::octet_string, "Extension.extnValue"));
  WIRE_CHECK(extension.expect_end(field));
  // §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
  for (const Bytes previous : seen) {
    if (same_bytes(previous, oid)) {
      return wire::decode_error(field, "duplicate extension");
    }
  }
  seen.push_back(oid);
  const Reader body(value.value);
  if (same_bytes(oid, oid_basic_constraints)) {
    WIRE_TRY(cert.basic_constraints, parse_basic_constraints(body));
    cert.basic_constraints->critical = critical;
  } else if (same_bytes(oid, oid_key_usage)) {
    WIRE_TRY(cert.key_usage, parse_key_usage(body));
  } else if (same_bytes(oid, oid_ext_key_usage)) {
    WIRE_TRY(cert.extended_key_usage, parse_ext_key_usage(body));
  } else if (same_bytes(oid, oid_subject_alt_name)) {
    WIRE_TRY(cert.subject_alt_name, parse_subject_alt_name(body));
    cert.subject_alt_name_critical = critical;
  } else if (same_bytes(oid, oid_name_constraints)) {
    WIRE_TRY(cert.name_constraints, parse_name_constraints(body));
  } else if (same_bytes(oid, oid_authority_key_identifier)) {
    // §4.2.1.1: "Conforming CAs MUST mark this extension as non-critical."
    if (critical) {
      return wire::decode_error("authorityKeyIdentifier", "marked critical");
    }
    WIRE_TRY(cert.authority_key_id, parse_authority_key_identifier(body));
    cert.has_authority_key_identifier = true;
  } else if (same_bytes(oid, oid_subject_key_identifier)) {
    // §4.2.1.2: "Conforming CAs MUST mark this extension as non-critical."
    if (critical) {
      return wire::decode_error("subjectKeyIdentifier", "marked critical");
    }
    Reader id_reader = body;
    WIRE_TRY(const Tlv id, read_element(id_reader, tag::octet_string, "subjectKeyIdentifier"));
    WIRE_CHECK(id_reader.expect_end("subjectKeyIdentifier"));
    cert.subject_key_id = id.value;
  } else if (same_bytes(oid, oid_policy_constraints)) {
    WIRE_TRY(cert.requires_explicit_policy, parse_policy_constraints(body));
  } else if (same_bytes(oid, oid_certificate_policies)) {
    // Known, not acted on: sanstls validates with the initial policy set any-policy and no
    // explicit policy required (RFC 5280 §6.1.1 (c)-(f)), so the policies cannot fail a path.
    Reader policies = body;
    WIRE_TRY(const Reader list, read_constructed(policies, tag::sequence, "certificatePolicies"));
    WIRE_CHECK(policies.expect_end("certificatePolicies"));
    if (list.empty()) {
      return wire::decode_error("certificatePolicies", "empty sequence");
    }
  } else if (critical && role == Role::path) {
    // §4.2: "A certificate-using system MUST reject the certificate if it encounters a
    // critical extension it does not recognize" (a trust anchor's are not processed).
    return wire::decode_error(field, "unknown critical extension");
  }
  return {};
}

wire::Status parse_tbs(Reader& tbs, ParsedCertificate& cert, Role role) {
  // §4.1.2.1: version [0] EXPLICIT Version DEFAULT v1.
  if (peek_tag(tbs) == tag::context_constructed(0)) {
    WIRE_TRY(Reader version, read_constructed(tbs, tag::context_constructed(0), "version"));
    WIRE_TRY(const std::uint64_t number, read_small_unsigned(version, 2, "version"));
    WIRE_CHECK(version.expect_end("version"));
    if (number == 0) {
      return wire::decode_error("version", "explicit DEFAULT v1 (not DER)");
    }
    cert.version = static_cast<unsigned>(number);
  }
  // §4.1.2.2: "The serial number MUST be a positive integer ... Conforming CAs MUST NOT use
  // serialNumber values longer than 20 octets." (A positive 20-octet value may need a leading
  // zero octet in DER; that zero is not part of the value.)
  WIRE_TRY(cert.serial, read_integer(tbs, "serialNumber"));
  if ((cert.serial[0] & 0x80U) != 0) {
    return wire::decode_error("serialNumber", "negative");
  }
  if (cert.serial.size() == 1 && cert.serial[0] == 0) {
    return wire::decode_error("serialNumber", "zero");
  }
  const std::size_t value_octets =
      cert.serial[0] == 0 ? cert.serial.size() - 1 : cert.serial.size();
  if (value_octets > 20) {
    return wire::decode_error("serialNumber", "longer than 20 octets");
  }
  WIRE_TRY(const AlgorithmIdentifier inner, read_algorithm(tbs, "TBSCertificate.signature"));
  // §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature
  // field in the sequence tbsCertificate".
  if (!same_bytes(inner.encoding, cert.signature_algorithm.encoding)) {
    return wire::decode_error("TBSCertificate.signature",
                              "differs from the certificate's signatureAlgorithm");
  }
  WIRE_TRY(cert.issuer, read_name(tbs, "issuer"));
  // §4.1.2.4: "The issuer field MUST contain a non-empty distinguished name".
  if (cert.issuer.size() <= 2) {
    return wire::decode_error("issuer", "empty name");
  }
  WIRE_TRY(Reader validity, read_constructed(tbs, tag::sequence, "validity"));
  WIRE_TRY(cert.not_before, read_time(validity, "validity.notBefore"));
  WIRE_TRY(cert.not_after, read_time(validity, "validity.notAfter"));
  WIRE_CHECK(validity.expect_end("validity"));
  WIRE_TRY(cert.subject, read_name(tbs, "subject"));
  WIRE_TRY(const Tlv spki, read_element(tbs, tag::sequence, "subjectPublicKeyInfo"));
  cert.spki = spki.encoding;
  Reader spki_body(spki.value);
  WIRE_TRY(cert.spki_algorithm, read_algorithm(spki_body, "subjectPublicKeyInfo.algorithm"));
  WIRE_CHECK(
      read_bit_string(spki_body, "subjectPublicKeyInfo.subjectPublicKey").map([](const BitString&) {
      }));
  WIRE_CHECK(spki_body.expect_end("subjectPublicKeyInfo"));
  // §4.1.2.8: unique identifiers "MUST only appear if the version is 2 or 3".
  for (const unsigned id : {1U, 2U}) {
    if (peek_tag(tbs) == tag::context(id)) {
      if (cert.version < 1) {
        return wire::decode_error("uniqueIdentifier", "present in a v1 certificate");
      }
      WIRE_CHECK(read_tlv(tbs, "uniqueIdentifier").map([](const Tlv&) {}));
    }
  }
  if (peek_tag(tbs) == tag::context_constructed(3)) {
    // §4.1.2.9: "This field MUST only appear if the version is 3".
    if (cert.version != 2) {
      return wire::decode_error("extensions", "present in a certificate that is not v3");
    }
    WIRE_TRY(Reader wrapper, read_constructed(tbs, tag::context_constructed(3), "extensions"));
    WIRE_TRY(Reader extensions, read_constructed(wrapper, tag::sequence, "extensions"));
    WIRE_CHECK(wrapper.expect_end("extensions"));
    if (extensions.empty()) {
      return wire::decode_error("extensions", "empty sequence");
    }
    std::vector<Bytes> seen;
    while (!extensions.empty()) {
      WIRE_CHECK(parse_extension(extensions, cert, seen, role));
    }
  }
  WIRE_CHECK(tbs.expect_end("TBSCertificate"));
  // §4.1.2.6: an empty subject needs a critical subjectAltName.
  if (cert.subject.size() <= 2 && (!cert.subject_alt_name || !cert.subject_alt_name_critical)) {
    return wire::decode_error("subject", "empty name without a critical subjectAltName");
  }
  return {};
}

}  // namespace

wire::Result<ParsedCertificate> parse_certificate(Bytes der, Role role) {
  ParsedCertificate cert;
  cert.der = der;
  Reader input(der);
  // §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
  WIRE_TRY(Reader certificate, read_constructed(input, tag::sequence, "Certificate"));
  WIRE_CHECK(input.expect_end("Certificate"));
  WIRE_TRY(const Tlv tbs, read_element(certificate, tag::sequence, "TBSCertificate"));
  cert.tbs = tbs.encoding;
  WIRE_TRY(cert.signature_algorithm, read_algorithm(certificate, "signatureAlgorithm"));
  WIRE_TRY(const BitString signature, read_bit_string(certificate, "signatureValue"));
  if (signature.unused_bits != 0) {
    return wire::decode_error("signatureValue", "unused bits");
  }
  cert.signature = signature.bytes;
  WIRE_CHECK(certificate.expect_end("Certificate"));
  Reader tbs_body(tbs.value);
  WIRE_CHECK(parse_tbs(tbs_body, cert, role));
  return cert;
}

}  // namespace sanstls::x509::der
