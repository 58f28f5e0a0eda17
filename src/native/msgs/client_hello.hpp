// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ClientHello (RFC 8446 §4.1.2), including what TLS 1.2 clients send (no extensions block,
// several compression methods).

#include "native/msgs/extensions.hpp"

#include <array>

namespace sanstls::native::msgs {

struct ClientHello {
  std::uint16_t legacy_version = tls12_version;
  std::array<std::uint8_t, 32> random{};
  ByteVec legacy_session_id;
  std::vector<CipherSuite> cipher_suites;
  ByteVec legacy_compression_methods{0};
  /// False for a TLS 1.2-style ClientHello that ends after the compression methods.
  bool has_extensions = true;
  Extensions extensions;

  /// Parses a ClientHello body (after the 4-byte handshake header). With `storage` view, the
  /// extensions nobody reads and the key shares for groups this engine cannot negotiate stay
  /// in `body` (see SkippedEntries): the result must then not outlive `body`.
  static Result<ClientHello> parse(Bytes body,
                                   SkippedEntries::Storage storage = SkippedEntries::Storage::copy);
  /// The complete handshake message; `skip`, if given, leaves out the extensions it returns
  /// true for.
  [[nodiscard]] Result<ByteVec> encode(ExtensionFilter skip = nullptr) const;
  /// Whether supported_versions offers TLS 1.3.
  [[nodiscard]] bool offers_tls13() const;
  /// RFC 8446 §4.2.11.2: the length of Truncate(ClientHello) — the message without the binders
  /// list — for a ClientHello carrying pre_shared_key; nothing otherwise.
  [[nodiscard]] std::optional<std::size_t> truncated_length(std::size_t message_length) const;
};

}  // namespace sanstls::native::msgs
