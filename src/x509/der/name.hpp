// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Distinguished names as text for messages, from the DER Name (RFC 5280 §4.1.2.4): the same
// wording as x509/names.hpp's display_name (which goes through libcrypto), so both validators
// name certificates alike. Never used for comparisons.

#include "wire/reader.hpp"

#include <string>

namespace sanstls::x509::der {

/// "CN=leaf.example" when the name has a commonName (the most specific one), else the
/// attributes most specific first ("O=Example,C=FR"), else "(empty name)".
std::string display_name(wire::Bytes name);

}  // namespace sanstls::x509::der
