// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What a server configuration remembers between sessions so that resumption stays safe (one
// per ServerTLS, never process-wide; thread-safe, bounded):
// - revoked lineages: sessions that ended in a fatal alert or a truncation; their tickets (and
//   those of every session resumed from them) never resume again (the 2014 proposal's rule);
// - the replay register: identities of tickets whose early data was accepted, so 0-RTT data is
//   accepted at most once per ticket (RFC 8446 §8.1).
// Both forget their oldest entries past their bound, and then refuse everything as old as what
// they forgot: a bound never turns into a second acceptance.

#include "core/resumption_records.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>
#include <span>

namespace sanstls::core {

class ResumptionRegistry {
 public:
  ResumptionRegistry(std::size_t max_revoked, std::size_t max_replay_entries)
      : max_revoked_(max_revoked), max_replay_entries_(max_replay_entries) {}

  /// A session of `lineage` ended in a fatal alert or a truncation.
  void revoke(const SessionLineage& lineage);
  [[nodiscard]] bool revoked(const SessionLineage& lineage) const;

  /// True the first time a ticket identity (`identity`, as the client sent it; `issued`, when
  /// the ticket was sealed) asks to have its early data accepted; false on any later attempt
  /// and for tickets issued before the oldest identity the register had to forget.
  bool admit_early_data(std::span<const std::byte> identity,
                        std::chrono::system_clock::time_point issued);

 private:
  using Digest = std::array<std::uint8_t, 32>;
  struct Entry {
    Digest key;
    std::chrono::system_clock::time_point at;
  };

  std::size_t max_revoked_;
  std::size_t max_replay_entries_;
  mutable std::mutex mutex_;
  std::set<std::array<std::uint8_t, 16>> revoked_;
  std::deque<Entry> revoked_order_;  // lineage id padded, oldest first
  std::chrono::system_clock::time_point revoked_floor_{};
  std::set<Digest> replay_;
  std::deque<Entry> replay_order_;
  std::chrono::system_clock::time_point replay_floor_{};
};

}  // namespace sanstls::core
