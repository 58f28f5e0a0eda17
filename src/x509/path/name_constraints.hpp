// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// RFC 5280 §4.2.1.10 name constraints for DNS names and IP addresses, permitted and excluded:
// applied to every subjectAltName entry of a certificate below the constraining CA and, for
// the leaf, to the name the client asked for (the name actually matched).

#include "x509/der/certificate.hpp"
#include "x509/server_name.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sanstls::x509::path {

/// True when the DNS name `name` is within the subtree `base` (RFC 5280 §4.2.1.10: "any DNS
/// name that can be constructed by simply adding zero or more labels to the left-hand side";
/// a base with a leading '.' takes only names below it; "" takes every name). Case-insensitive.
bool dns_within(std::string_view name, std::string_view base);

/// Why `subject`'s names (and `matched`, when given: the leaf's requested name) break
/// `constraints`, as the end of a sentence ("'www.example.com' is not within the permitted
/// DNS subtrees"); nothing when they do not.
std::optional<std::string> name_constraint_violation(const der::NameConstraints& constraints,
                                                     const der::ParsedCertificate& subject,
                                                     const ServerName* matched);

}  // namespace sanstls::x509::path
