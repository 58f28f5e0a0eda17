// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// X.509 v3 certificate parsing (RFC 5280 §4) with the strict DER reader: the TBSCertificate
// fields, and the extensions the sanstls path validator acts on. The result is a view: every
// span points into the DER given to parse_certificate, which must outlive it.
//
// Refused here (decode_error naming the field): anything that is not DER, trailing data after
// the certificate, a TBSCertificate signature algorithm that differs from the outer one
// (§4.1.1.2), a serial that is not positive or longer than 20 octets (§4.1.2.2), extensions in a
// certificate that is not v3 (§4.1.2.9), a duplicate extension (§4.2), a critical extension we
// do not know (§4.2), and malformed contents of the extensions we know.

#include "wire/reader.hpp"
#include "x509/der/der.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::x509::der {

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (§4.1.1.2).
struct AlgorithmIdentifier {
  /// The whole SEQUENCE (compared byte for byte between the TBS and the outer one).
  wire::Bytes encoding;
  /// The OID's contents octets.
  wire::Bytes oid;
  /// The parameters element, when present.
  std::optional<Tlv> parameters;
};

/// keyUsage bits (RFC 5280 §4.2.1.3), as 1 << bit number.
namespace key_usage {
inline constexpr std::uint16_t digital_signature = 1U << 0U;
inline constexpr std::uint16_t key_encipherment = 1U << 2U;
inline constexpr std::uint16_t key_cert_sign = 1U << 5U;
}  // namespace key_usage

/// basicConstraints (§4.2.1.9).
struct BasicConstraints {
  bool ca = false;
  std::optional<std::uint64_t> path_length;
  bool critical = false;
};

/// extendedKeyUsage (§4.2.1.12): the purposes sanstls cares about.
struct ExtendedKeyUsage {
  bool server_auth = false;
  bool client_auth = false;
  bool any = false;  // anyExtendedKeyUsage
};

/// subjectAltName (§4.2.1.6).
struct SubjectAltName {
  std::vector<std::string> dns_names;
  std::vector<std::vector<std::uint8_t>> ip_addresses;  // 4 or 16 octets each
  /// Entries of any other form (email, URI, directoryName, ...): kept as a count only.
  std::size_t other = 0;
};

/// One GeneralSubtree of nameConstraints (§4.2.1.10), the forms sanstls checks.
struct GeneralSubtree {
  enum class Kind : std::uint8_t { dns, ip, other };
  Kind kind = Kind::other;
  /// dns: the constraint as written ("example.org", ".example.org", "" for every name).
  std::string dns;
  /// ip: the address and its mask (both 4 or both 16 octets; the mask is a prefix).
  std::vector<std::uint8_t> address;
  std::vector<std::uint8_t> mask;
  /// other: the GeneralName tag (for messages).
  std::uint8_t tag = 0;
};

/// nameConstraints (§4.2.1.10).
struct NameConstraints {
  std::vector<GeneralSubtree> permitted;
  std::vector<GeneralSubtree> excluded;
};

/// A parsed certificate; spans point into the DER passed to parse_certificate.
struct ParsedCertificate {
  wire::Bytes der;
  /// The TBSCertificate element (what the signature covers).
  wire::Bytes tbs;
  AlgorithmIdentifier signature_algorithm;
  /// The signature BIT STRING's octets (no unused bits).
  wire::Bytes signature;
  /// 0 = v1, 1 = v2, 2 = v3 (the encoded value).
  unsigned version = 0;
  wire::Bytes serial;
  /// issuer and subject Name, whole encodings (compared byte for byte, see docs/x509.md).
  wire::Bytes issuer;
  wire::Bytes subject;
  std::chrono::sys_seconds not_before{};
  std::chrono::sys_seconds not_after{};
  /// The SubjectPublicKeyInfo element (what d2i_PUBKEY imports) and its algorithm.
  wire::Bytes spki;
  AlgorithmIdentifier spki_algorithm;

  std::optional<BasicConstraints> basic_constraints;
  std::optional<std::uint16_t> key_usage;
  std::optional<ExtendedKeyUsage> extended_key_usage;
  std::optional<SubjectAltName> subject_alt_name;
  bool subject_alt_name_critical = false;
  std::optional<NameConstraints> name_constraints;
  /// authorityKeyIdentifier present (with or without keyIdentifier), and its keyIdentifier.
  bool has_authority_key_identifier = false;
  std::optional<wire::Bytes> authority_key_id;
  std::optional<wire::Bytes> subject_key_id;
  /// policyConstraints with requireExplicitPolicy (not supported: see docs/x509.md).
  bool requires_explicit_policy = false;

  /// RFC 5280 §6.1: issuer and subject are the same name.
  [[nodiscard]] bool self_issued() const { return same_bytes(issuer, subject); }
  [[nodiscard]] bool is_ca() const { return basic_constraints && basic_constraints->ca; }
};

/// Where a certificate comes from. RFC 5280 §6.1.1 (d): a trust anchor is its name and key,
/// so the self-signed certificate carrying it may have critical extensions we do not know.
enum class Role : std::uint8_t { path, trust_anchor };

/// Parses one DER certificate; the whole input must be the certificate.
wire::Result<ParsedCertificate> parse_certificate(wire::Bytes der, Role role = Role::path);

}  // namespace sanstls::x509::der
