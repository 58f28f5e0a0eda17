// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file
/// Session resumption (RFC 8446 §2.2, §4.6.1; RFC 5077 with RFC 7627) and 0-RTT early data
/// (RFC 8446 §2.3, §4.2.10, §8).
///
/// A server seals session tickets under TicketKeys that its configuration owns; a client keeps
/// the tickets it receives in a SessionStore and offers one (once) when it connects to the same
/// server again. Resumption data is dropped when a session ends in a fatal alert or a
/// truncation, on both sides (the 2014 proposal's one hard requirement).

#include <sanstls/error.hpp>
#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace sanstls {

namespace core {
struct TicketKeysState;
class TicketKeysAccess;
}  // namespace core

/// The keys a server seals its session tickets with: the current one and the previous ones
/// that still open tickets. Owned by the configuration(s) that share it, never process-wide: a
/// ServerTLS without one makes its own, so two configurations resume each other's sessions only
/// when they share one TicketKeys. Thread-safe.
class SANSTLS_API TicketKeys {
 public:
  /// How long keys and tickets live.
  struct Options {
    /// The age at which the current key is replaced (checked whenever a ticket is sealed).
    std::chrono::seconds rotation_interval = std::chrono::hours(6);
    /// How long a ticket is valid, told to the client as ticket_lifetime (RFC 8446 §4.6.1: at
    /// most 7 days; the default is 24 hours). A replaced key keeps opening tickets until every
    /// ticket it sealed has expired, then it is erased.
    std::chrono::seconds ticket_lifetime = std::chrono::hours(24);
    /// The time source; the system clock when empty.
    std::function<std::chrono::system_clock::time_point()> clock;
  };

  /// Fresh random keys. Fails with Errc::bad_configuration when a duration is out of range
  /// (rotation 1 s to the ticket lifetime, lifetime 1 s to 7 days).
  static Result<std::shared_ptr<TicketKeys>> create(Options options);
  /// create() with the default options.
  static Result<std::shared_ptr<TicketKeys>> create();

  /// Starts sealing with a new key now; the previous keys keep opening their tickets until
  /// those expire.
  void rotate();
  /// Erases every key: no ticket issued so far opens any more (e.g. after a key compromise).
  void revoke_all();
  /// The ticket lifetime these keys were made with.
  [[nodiscard]] std::chrono::seconds ticket_lifetime() const;

  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;
  ~TicketKeys();

 private:
  friend class core::TicketKeysAccess;
  explicit TicketKeys(std::unique_ptr<core::TicketKeysState> state);
  std::unique_ptr<core::TicketKeysState> state_;
};

/// One resumable session as a client keeps it: the ticket, the resumption secret and what the
/// first handshake established (server name, ALPN, the verified peer chain). Opaque, move-only,
/// wiped when destroyed. bytes() may be persisted by a SessionStore: it holds a secret, so
/// encrypting it at rest is the application's job.
class SANSTLS_API StoredSession {
 public:
  StoredSession() = default;
  /// Takes bytes an earlier bytes() returned (e.g. read back from disk). Whether they can be
  /// used is checked when they are offered; unusable ones lead to a full handshake.
  explicit StoredSession(std::span<const std::byte> bytes);
  /// Moves the session; `other` is left empty.
  StoredSession(StoredSession&& other) noexcept;
  /// Wipes this session, then takes `other`'s; `other` is left empty.
  StoredSession& operator=(StoredSession&& other) noexcept;
  StoredSession(const StoredSession&) = delete;
  StoredSession& operator=(const StoredSession&) = delete;
  ~StoredSession();

  /// The serialised session (secret).
  [[nodiscard]] std::span<const std::byte> bytes() const { return bytes_; }
  /// True when it holds nothing.
  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  /// When the ticket expires (ticket_lifetime from the server, capped at 7 days).
  [[nodiscard]] std::chrono::system_clock::time_point expires() const { return expires_; }

  /// Used by sanstls to build a session; applications only move StoredSessions around.
  StoredSession(std::span<const std::byte> bytes, std::chrono::system_clock::time_point expires);

 private:
  std::vector<std::byte> bytes_;
  std::chrono::system_clock::time_point expires_{};
};

/// Where a client keeps the sessions it may resume. sanstls calls it from the thread that
/// drives a session, so several sessions call it concurrently: implementations must be
/// thread-safe. Keys are the server's host name plus the ClientOptions::session_identity the
/// application gives (never a port, unless the application puts one there).
class SANSTLS_API SessionStore {
 public:
  virtual ~SessionStore() = default;
  /// Keeps `session` for `key` (a server sends several tickets; keep them all, newest last).
  virtual void put(std::string_view key, StoredSession session) = 0;
  /// Removes and returns one session for `key` (newest first), or an empty one. A session is
  /// offered at most once (RFC 8446 §C.4: clients SHOULD NOT reuse a ticket), so take() must
  /// remove what it returns.
  virtual StoredSession take(std::string_view key) = 0;
  /// Removes every session for `key`: called when a session with that server ended in a fatal
  /// alert or a truncation.
  virtual void forget(std::string_view key) = 0;
};

/// The in-memory SessionStore every ClientTLS uses unless given another: bounded in entries
/// and bytes (the oldest entries are dropped first), expired entries skipped, thread-safe.
class SANSTLS_API MemorySessionStore final : public SessionStore {
 public:
  /// Bounds of the store.
  struct Limits {
    /// Sessions kept in all (the oldest go first).
    std::size_t max_entries = 256;
    /// Bytes of session data kept in all.
    std::size_t max_bytes = 1024 * 1024;
    /// Sessions kept per key (a server usually sends 2 tickets per connection).
    std::size_t max_per_key = 4;
  };

  /// An empty store with the default limits.
  MemorySessionStore();
  /// An empty store with `limits`.
  explicit MemorySessionStore(Limits limits);
  ~MemorySessionStore() override;
  MemorySessionStore(const MemorySessionStore&) = delete;
  MemorySessionStore& operator=(const MemorySessionStore&) = delete;

  /// Keeps `session`, dropping the oldest entries (of this key first) to stay in the limits.
  void put(std::string_view key, StoredSession session) override;
  /// The newest unexpired session for `key`, removed from the store.
  StoredSession take(std::string_view key) override;
  /// Removes every session for `key`.
  void forget(std::string_view key) override;

  /// Sessions currently kept (for tests and monitoring).
  [[nodiscard]] std::size_t size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Server settings for 0-RTT early data (RFC 8446 §2.3, §4.2.10). Off by default. Early data
/// can be replayed by an attacker: accept it only for requests that are safe to process twice
/// (idempotent ones). sanstls accepts a ticket's early data at most once per configuration (a
/// bounded register of ticket identities, RFC 8446 §8.1) and only from clients whose ticket age
/// matches the server's clock (RFC 8446 §8.3); data that arrives as early data is handed only to
/// SessionCallbacks::early_data, never mixed into receive_data()'s 1-RTT output.
struct EarlyDataOptions {
  /// Accept early data from clients resuming with a ticket that allows it.
  bool enabled = false;
  /// max_early_data_size sent in tickets (RFC 8446 §4.6.1): bytes of early data accepted.
  std::uint32_t max_size = 16384;
  /// Ticket identities remembered to refuse a replay (the oldest go first; early data with a
  /// ticket that may have been forgotten is rejected, never accepted twice).
  std::size_t replay_register_entries = 65536;
  /// How far a client's idea of its ticket's age may be from the server's (RFC 8446 §8.3).
  std::chrono::milliseconds freshness_window = std::chrono::seconds(10);
};

}  // namespace sanstls
