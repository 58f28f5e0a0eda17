// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The name a client asks for: a DNS name or an IP literal, validated and normalised once, and
// the matching of that name against a certificate (RFC 9525 / RFC 6125; RFC 5280 §4.2.1.6).

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::x509 {

class ServerName {
 public:
  enum class Kind { dns, ipv4, ipv6 };

  /// Accepts a DNS name (LDH labels, at most 253 characters, no empty label; a trailing dot
  /// is dropped; normalised to lower case) or an IPv4/IPv6 literal (IPv6 without brackets).
  /// Refuses anything else with Errc::bad_configuration and a message saying why.
  static Result<ServerName> parse(std::string_view text);

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool is_ip() const { return kind_ != Kind::dns; }
  /// The normalised text ("example.org", "192.0.2.1", "2001:db8::1").
  [[nodiscard]] const std::string& text() const { return text_; }
  /// For IP names: the 4 or 16 address bytes.
  [[nodiscard]] const std::vector<std::uint8_t>& ip_bytes() const { return ip_; }

 private:
  Kind kind_ = Kind::dns;
  std::string text_;
  std::vector<std::uint8_t> ip_;
};

/// Checks the leaf's subjectAltName against `name`: DNS names only against dNSName entries
/// (with the RFC 9525 §6.3 wildcard rule: '*' alone as the whole left-most label, never in a
/// public-suffix-like two-label name such as '*.com'), IP names only against iPAddress entries.
/// The subject CN is never used (RFC 9525 §6.3). On mismatch: certificate_rejected /
/// name_mismatch with a message listing the names the certificate does hold.
Result<void> match_server_name(const Certificate& leaf, const ServerName& name);

/// True if the certificate's name pattern (a SAN dNSName, possibly "*.example.org") matches
/// `name` (already normalised). Exposed for SNI certificate selection and for tests.
bool dns_pattern_matches(std::string_view pattern, std::string_view name);

}  // namespace sanstls::x509
