// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Shared helpers that turn the parts of an X.509 certificate that name things (distinguished
// names, subjectAltName entries, IP address bytes) into text for accessors and error messages.
// Used by Certificate's accessors (src/core/credentials.cpp) and by the verifier.

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::x509 {

/// One-line distinguished name, most specific attribute first (RFC 4514 order and escaping,
/// UTF-8 kept as is): "CN=example.org,O=Example". "" for a null or empty name.
std::string one_line_name(const X509_NAME* name);

/// The last (most specific) commonName of the subject, if any. For messages only: the CN is
/// never used for name matching (RFC 9525 §6.3).
std::optional<std::string> subject_common_name(const X509* certificate);

/// How error messages name a distinguished name: "CN=Example CA" when it has a commonName (the
/// most specific one), else the one-line name, else "(empty name)".
std::string display_name(const X509_NAME* name);

/// How error messages name a certificate: "CN=leaf.example" when the subject has a commonName,
/// else the one-line subject, else "(empty subject)".
std::string display_name(const X509* certificate);

/// The subjectAltName of the certificate, or nothing when it has none.
struct SubjectAltNames {
  /// dNSName entries exactly as in the certificate (not lower-cased), in certificate order.
  std::vector<std::string> dns_names;
  /// iPAddress entries as raw bytes (4 or 16 for a well-formed certificate), in order.
  std::vector<std::vector<std::uint8_t>> ip_addresses;
};

/// Parses the subjectAltName extension. std::nullopt when the certificate has none (or, for
/// robustness, when the extension is present more than once or cannot be decoded — RFC 5280
/// §4.2: "A certificate MUST NOT include more than one instance of a particular extension").
std::optional<SubjectAltNames> subject_alt_names(const X509* certificate);

/// The dNSName entries of the subjectAltName, in certificate order (empty when none).
std::vector<std::string> san_dns_names(const X509* certificate);

/// The iPAddress entries of the subjectAltName as raw bytes, in certificate order.
std::vector<std::vector<std::uint8_t>> san_ip_addresses(const X509* certificate);

/// IPv4 as dotted decimal ("192.0.2.1"), IPv6 in the RFC 5952 canonical form ("2001:db8::1").
/// Any other length is shown as "<invalid IP address: 0a0b0c>" (hex of the bytes).
std::string ip_to_text(std::span<const std::uint8_t> bytes);

}  // namespace sanstls::x509
