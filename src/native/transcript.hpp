// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The transcript hash (RFC 8446 §4.4.1). Messages may arrive before the hash is known (the
// ClientHello precedes the ServerHello that picks the suite): until select_hash() they are
// buffered, then hashed. HelloRetryRequest replaces ClientHello1 by a synthetic message_hash.

#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace sanstls::native {

class Transcript {
 public:
  explicit Transcript(const crypto::CryptoProvider& provider) : provider_(&provider) {}

  /// Appends one complete handshake message (header included).
  void add(Bytes handshake_message);
  /// Fixes the hash; hashes everything buffered so far. Selecting twice is an internal error.
  Status select_hash(crypto::HashAlgorithm hash);
  [[nodiscard]] std::optional<crypto::HashAlgorithm> hash_algorithm() const noexcept {
    return hash_;
  }
  /// Transcript-Hash of everything added so far.
  Result<crypto::Digest> current_hash() const;
  /// Transcript-Hash of everything so far followed by `partial` (e.g. a truncated ClientHello
  /// for a PSK binder), without adding it.
  Result<crypto::Digest> hash_with(Bytes partial) const;
  /// RFC 8446 §4.4.1: when the server answers with a HelloRetryRequest, "the value of
  /// ClientHello1 is replaced with a special synthetic handshake message of handshake type
  /// "message_hash" containing Hash(ClientHello1)". Call after adding exactly ClientHello1 and
  /// selecting the hash, before adding the HelloRetryRequest.
  Status replace_with_message_hash();

 private:
  const crypto::CryptoProvider* provider_;
  std::optional<crypto::HashAlgorithm> hash_;
  std::unique_ptr<crypto::HashContext> ctx_;
  std::vector<std::uint8_t> pending_;
  std::size_t messages_ = 0;
};

}  // namespace sanstls::native
