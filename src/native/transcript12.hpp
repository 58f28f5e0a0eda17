// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 handshake transcript. The messages are kept while a CertificateVerify may still
// need them: it signs all the handshake messages so far (RFC 5246 §7.4.8) with the hash of its own
// signature scheme; a server that requests no client certificate drops them at once. Once the
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
  [[nodiscard]] Result<crypto::Digest> current_hash() const;
  /// Every message so far, concatenated; an internal error after stop_keeping_messages().
  [[nodiscard]] Result<Bytes> messages() const;
  /// No CertificateVerify will be signed or checked: the messages are dropped and no longer
  /// kept (the running hash goes on). Only after select_hash().
  void stop_keeping_messages();
  /// Drops everything (the handshake is over).
  void clear();

 private:
  std::vector<std::uint8_t> messages_;
  bool keeping_messages_ = true;
  std::unique_ptr<crypto::HashContext> running_;
};

}  // namespace sanstls::native
