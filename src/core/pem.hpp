// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A strict PEM reader (RFC 7468 "strict" textual encoding): the text must be nothing but
// BEGIN/END blocks separated by white space. Anything else is an error naming the line.

#include <sanstls/error.hpp>

#include "base/secret_bytes.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sanstls::core {

struct PemBlock {
  std::string label;      // "CERTIFICATE", "PRIVATE KEY", ...
  base::SecretBytes der;  // wiped on destruction: a block may hold a private key
  std::size_t line = 0;   // 1-based line of the BEGIN marker, for messages
};

/// Splits `text` into PEM blocks. Fails with bad_configuration / malformed_pem for broken
/// blocks and stray_content for text outside blocks.
Result<std::vector<PemBlock>> parse_pem(std::string_view text);

/// Encodes DER as one PEM block with 64-column lines.
std::string to_pem(std::string_view label, std::span<const std::uint8_t> der);

}  // namespace sanstls::core
