// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/resumption_registry.hpp"

#include "core/library_context.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace sanstls::core {

void ResumptionRegistry::revoke(const SessionLineage& lineage) {
  std::lock_guard lock(mutex_);
  if (!revoked_.insert(lineage.id).second) {
    return;
  }
  Entry entry{};
  std::copy(lineage.id.begin(), lineage.id.end(), entry.key.begin());
  entry.at = lineage.started;
  revoked_order_.push_back(entry);
  while (revoked_order_.size() > max_revoked_) {
    const Entry& oldest = revoked_order_.front();
    std::array<std::uint8_t, 16> id{};
    std::copy_n(oldest.key.begin(), id.size(), id.begin());
    revoked_.erase(id);
    // Forgotten, so refuse every lineage at least as old as it (never a resumption of a
    // revoked session, at the price of some valid ones).
    revoked_floor_ = std::max(revoked_floor_, oldest.at);
    revoked_order_.pop_front();
  }
}

bool ResumptionRegistry::revoked(const SessionLineage& lineage) const {
  std::lock_guard lock(mutex_);
  if (revoked_floor_ != std::chrono::system_clock::time_point{} &&
      lineage.started <= revoked_floor_) {
    return true;
  }
  return revoked_.count(lineage.id) != 0;
}

bool ResumptionRegistry::admit_early_data(std::span<const std::byte> identity,
                                          std::chrono::system_clock::time_point issued) {
  Digest digest{};
  auto library = LibraryContext::create();
  std::size_t length = 0;
  if (!library || EVP_Q_digest((*library)->get(), "SHA256", nullptr, identity.data(),
                               identity.size(), digest.data(), &length) != 1) {
    return false;  // cannot remember it: never accept
  }
  std::lock_guard lock(mutex_);
  if (replay_floor_ != std::chrono::system_clock::time_point{} && issued <= replay_floor_) {
    return false;
  }
  if (!replay_.insert(digest).second) {
    return false;
  }
  replay_order_.push_back(Entry{digest, issued});
  while (replay_order_.size() > max_replay_entries_) {
    replay_floor_ = std::max(replay_floor_, replay_order_.front().at);
    replay_.erase(replay_order_.front().key);
    replay_order_.pop_front();
  }
  return true;
}

}  // namespace sanstls::core
