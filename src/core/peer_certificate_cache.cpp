// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/peer_certificate_cache.hpp"

#include "core/credentials_impl.hpp"

#include <algorithm>

namespace sanstls::core {

Result<Certificate> PeerCertificateCache::get(std::span<const std::byte> der) const {
  const auto same = [&](const Certificate& known) { return std::ranges::equal(known.der(), der); };
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
