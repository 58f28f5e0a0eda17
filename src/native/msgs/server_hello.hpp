// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4), and a TLS 1.2 ServerHello.

#include "native/msgs/extensions.hpp"

#include <array>

namespace sanstls::native::msgs {

/// RFC 8446 §4.1.3: the special Random value that marks a HelloRetryRequest
/// (SHA-256 of "HelloRetryRequest").
inline constexpr std::array<std::uint8_t, 32> hello_retry_request_random{
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

struct ServerHello {
  std::uint16_t legacy_version = tls12_version;
  std::array<std::uint8_t, 32> random{};
  ByteVec legacy_session_id_echo;
  CipherSuite cipher_suite{};
  std::uint8_t legacy_compression_method = 0;
  bool has_extensions = true;
  Extensions extensions;

  static Result<ServerHello> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;

  [[nodiscard]] bool is_hello_retry_request() const { return random == hello_retry_request_random; }
  /// supported_versions selected TLS 1.3.
  [[nodiscard]] bool is_tls13() const;
};

}  // namespace sanstls::native::msgs
