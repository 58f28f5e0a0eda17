// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/peer_certificate_cache.hpp"

#include "core/credentials_impl.hpp"

#include <algorithm>
#include <cstring>

namespace sanstls::core {

Result<Certificate> PeerCertificateCache::get(std::span<const std::byte> der) const {
  // memcmp: std::ranges::equal compares std::byte one at a time (it is no integer type).
  const auto same = [&](const Certificate& known) {
    const auto bytes = known.der();
    return bytes.size() == der.size() &&
           (der.empty() || std::memcmp(bytes.data(), der.data(), der.size()) == 0);
  };
  {
    const std::lock_guard lock(mutex_);
    if (auto it = std::ranges::find_if(entries_, same); it != entries_.end()) return *it;
  }
  // Parsed outside the lock: sessions of one configuration in other threads go on meanwhile.
  auto parsed = certificate_from_der(der, library_);
  if (!parsed) return parsed;
  const std::lock_guard lock(mutex_);
  if (std::ranges::none_of(entries_, same)) {
    if (entries_.size() == max_entries) entries_.erase(entries_.begin());
    entries_.push_back(*parsed);
  }
  return parsed;
}

}  // namespace sanstls::core
