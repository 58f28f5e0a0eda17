// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 handshake transcript. Every message is kept: a CertificateVerify signs all the
// handshake messages so far (RFC 5246 §7.4.8), with the hash of its own signature scheme. Once the
// suite's PRF hash is known they are also hashed as they come, so the session hash (RFC 7627 §3)
// and the two Finished hashes (RFC 5246 §7.4.9) are read from a running hash instead of hashing
// everything (the certificate chains included) again each time.

#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <memory>
#include <vector>

namespace sanstls::native {

class Transcript12 {
 public:
  /// Appends one complete handshake message (header included).
  void add(Bytes handshake_message);
  /// Starts the running hash (the suite's PRF hash) over everything added so far.
  void select_hash(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash);
  /// Hash of every message so far; an internal error before select_hash().
  [[nodiscard]] Result<std::vector<std::uint8_t>> current_hash() const;
  /// Every message so far, concatenated.
  [[nodiscard]] Bytes messages() const noexcept { return messages_; }
  /// Drops everything (the handshake is over).
  void clear();

 private:
  std::vector<std::uint8_t> messages_;
  std::unique_ptr<crypto::HashContext> running_;
};

}  // namespace sanstls::native
