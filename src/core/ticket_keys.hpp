// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What the engines see of TicketKeys (include/sanstls/resumption.hpp): the key to seal a ticket
// with now, and the key a ticket names when it comes back. Each engine derives the keys its
// ticket format needs from a key's secret with its own label, so engines sharing one TicketKeys
// never use the same bytes for two algorithms.

#include <sanstls/resumption.hpp>

#include "base/secret_bytes.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::core {

/// One ticket key: a public 16-byte name (sent in the clear inside tickets) and a secret.
struct TicketKey {
  static constexpr std::size_t name_length = 16;
  static constexpr std::size_t secret_length = 32;
  std::array<std::uint8_t, name_length> name{};
  base::SecretBytes secret;
  /// When it started sealing.
  std::chrono::system_clock::time_point created;

  /// HKDF-SHA256-Expand(secret, label, length): an engine's own key for its ticket format
  /// (e.g. label "sanstls native ticket aes-256-gcm"). Fails only if libcrypto fails. The result
  /// is kept with this key (see `derived`), so sealing or opening a ticket costs no HKDF.
  [[nodiscard]] Result<base::SecretBytes> derive(std::string_view label, std::size_t length) const;

  /// derive()'s results for this key, one per (label, length) asked: engines have one or two
  /// labels each, so a few entries (max_derived; past it derive() computes without keeping). They
  /// live and are wiped with the key, which the configuration's TicketKeys owns: nothing is shared
  /// across TicketKeys.
  struct Derived {
    std::string label;
    base::SecretBytes key;
  };
  static constexpr std::size_t max_derived = 8;
  mutable std::mutex derived_mutex;
  mutable std::vector<Derived> derived;  // guarded by derived_mutex
};

class TicketKeysAccess {
 public:
  /// The key to seal a ticket with now: the current one, replaced first when it is older than
  /// the rotation interval.
  static Result<std::shared_ptr<const TicketKey>> sealing_key(TicketKeys& keys);
  /// The key named `name` when it may still open tickets (not erased, not older than its last
  /// sealing plus the ticket lifetime), else null.
  static std::shared_ptr<const TicketKey> opening_key(TicketKeys& keys,
                                                      std::span<const std::uint8_t> name);
  /// The TicketKeys clock's time.
  static std::chrono::system_clock::time_point now(const TicketKeys& keys);
};

}  // namespace sanstls::core
