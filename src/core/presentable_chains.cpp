// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/presentable_chains.hpp"

#include <algorithm>

namespace sanstls::core {
namespace {

bool same_objects(std::span<const Certificate> a, std::span<const Certificate> b) {
  return std::ranges::equal(
      a, b, [](const Certificate& x, const Certificate& y) { return &x.impl() == &y.impl(); });
}

}  // namespace

bool PresentableChains::known(std::span<const Certificate> chain) const {
  const std::lock_guard lock(mutex_);
  return std::ranges::any_of(
      entries_, [&](const std::vector<Certificate>& entry) { return same_objects(entry, chain); });
}

void PresentableChains::remember(std::span<const Certificate> chain) const {
  std::vector<Certificate> entry(chain.begin(), chain.end());
  const std::lock_guard lock(mutex_);
  if (std::ranges::any_of(entries_, [&](const auto& kept) { return same_objects(kept, chain); })) {
    return;
  }
  if (entries_.size() >= max_entries) {
    entries_.erase(entries_.begin());
  }
  entries_.push_back(std::move(entry));
}

}  // namespace sanstls::core
