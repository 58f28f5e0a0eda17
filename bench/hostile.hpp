// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Hostile ClientHellos for the "hostile hello" row of `sanstls bench` (issue 12): peer input
// that would buy quadratic work from a parser that searches the entries it has seen so far.

#include <cstddef>
#include <string>
#include <vector>

namespace sanstls::bench {

struct HostileHello {
  std::string label;               // "many_extensions", "many_key_shares"
  std::string description;         // for the report's notes
  std::vector<std::byte> records;  // the ClientHello in TLSPlaintext records
};

/// A valid TLS 1.3 ClientHello (X25519, ECDSA/RSA-PSS signatures) padded out to about 64 KiB with
/// 16,000 empty extensions of distinct unknown types; and one with 6,500 unknown groups in
/// supported_groups, each with a one-byte key share.
std::vector<HostileHello> hostile_hellos();

}  // namespace sanstls::bench
