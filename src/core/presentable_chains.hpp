// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The chains a configuration's certificate store answered with that x509::check_presentable()
// accepted. A store answers every handshake with the same chain (usually the one it was made
// with), and the check asks libcrypto each key's type and curve by name (a lock of the library
// context per query: 16 of the ~33 a native full handshake takes) and each signature's
// algorithm. Certificates are immutable shared handles: a chain of the very same certificate
// objects (compared by identity, not by bytes) gets the same verdict. Thread-safe; bounded (the
// oldest goes); refused chains are never kept, so a refusal is checked (and explained) anew.

#include <sanstls/credentials.hpp>

#include <cstddef>
#include <mutex>
#include <span>
#include <vector>

namespace sanstls::core {

class PresentableChains {
 public:
  static constexpr std::size_t max_entries = 8;
  /// Whether `chain` is made of the same certificate objects, in the same order, as a chain
  /// remember()ed before.
  [[nodiscard]] bool known(std::span<const Certificate> chain) const;
  /// Keeps `chain` (which check_presentable() accepted).
  void remember(std::span<const Certificate> chain) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::vector<Certificate>> entries_;  // oldest first
};

}  // namespace sanstls::core
