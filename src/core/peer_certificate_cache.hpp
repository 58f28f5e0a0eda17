// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The peer certificates a configuration has parsed recently, by DER. A client meets the same
// server chain (and a server the same client chains) over and over, and libcrypto 3.0's
// d2i_X509 decodes the public key through its generic decoder framework on every parse — more
// CPU than a signature verification. Certificates are immutable shared handles, so a hit gives
// the core exactly what parsing the same bytes again would: the verdict is computed afresh on
// every handshake (only the parse is reused). Thread-safe; bounded (past max_entries the oldest
// entry goes); parse failures are not kept. Used by the engines that receive the peer's chain as
// DER (native, GnuTLS); OpenSSL hands over its own parsed X509 objects.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>

#include "core/library_context.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace sanstls::core {

class PeerCertificateCache {
 public:
  static constexpr std::size_t max_entries = 16;
  /// The certificate for `der`: the cached one when the bytes match exactly, else parsed (and
  /// kept when the parse succeeded).
  Result<Certificate> get(std::span<const std::byte> der) const;
  /// The configuration's library context, where certificates are parsed (set once, before the
  /// cache is shared).
  void set_library(std::shared_ptr<const LibraryContext> library) { library_ = std::move(library); }

 private:
  std::shared_ptr<const LibraryContext> library_;
  mutable std::mutex mutex_;
  mutable std::vector<Certificate> entries_;
};

}  // namespace sanstls::core
