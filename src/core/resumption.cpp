// SPDX-License-Identifier: Apache-2.0 OR MIT
// TicketKeys, StoredSession and MemorySessionStore (include/sanstls/resumption.hpp).

#include <sanstls/resumption.hpp>

#include "base/ossl_ptr.hpp"
#include "base/secret_bytes.hpp"
#include "core/library_context.hpp"
#include "core/limits.hpp"
#include "core/ticket_keys.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <string>

namespace sanstls {

namespace core {

struct TicketKeysState {
  TicketKeys::Options options;
  std::shared_ptr<const LibraryContext> library;
  mutable std::mutex mutex;
  /// Newest first. The first one seals; every one opens until it retires.
  struct Entry {
    std::shared_ptr<const TicketKey> key;
    /// When it stopped sealing (time_point::max() while it is the current key).
    std::chrono::system_clock::time_point retired = std::chrono::system_clock::time_point::max();
  };
  std::deque<Entry> keys;

  [[nodiscard]] std::chrono::system_clock::time_point now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }

  /// A fresh random key (names are random too: they say nothing about the server).
  Result<std::shared_ptr<const TicketKey>> make_key(
      std::chrono::system_clock::time_point at) const {
    auto key = std::make_shared<TicketKey>();
    key->secret = base::SecretBytes(TicketKey::secret_length);
    key->created = at;
    if (RAND_bytes_ex(library->get(), key->name.data(), key->name.size(), 0) != 1 ||
        RAND_priv_bytes_ex(library->get(), key->secret.data(), key->secret.size(), 0) != 1) {
      return fail(Errc::internal_error, "cannot draw random bytes for a session ticket key");
    }
    return key;
  }

  /// Drops keys whose every ticket has expired. Caller holds the mutex.
  void erase_retired(std::chrono::system_clock::time_point at) {
    std::erase_if(keys, [&](const Entry& entry) {
      return entry.retired != std::chrono::system_clock::time_point::max() &&
             at - entry.retired >= options.ticket_lifetime;
    });
  }

  /// Makes `key` the current one. Caller holds the mutex.
  void install(std::shared_ptr<const TicketKey> key, std::chrono::system_clock::time_point at) {
    if (!keys.empty()) {
      keys.front().retired = at;
    }
    keys.push_front(Entry{std::move(key)});
    erase_retired(at);
  }
};

Result<base::SecretBytes> TicketKey::derive(std::string_view label, std::size_t length) const {
  {
    std::lock_guard lock(derived_mutex);
    for (const auto& entry : derived) {
      if (entry.label == label && entry.key.size() == length) return base::SecretBytes(entry.key);
    }
  }
  auto library = LibraryContext::create();
  if (!library) {
    return fail(library.error());
  }
  ossl::KdfPtr kdf{EVP_KDF_fetch((*library)->get(), OSSL_KDF_NAME_HKDF, nullptr)};
  ossl::KdfCtxPtr ctx{kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr};
  if (!ctx) {
    return fail(Errc::internal_error, "libcrypto has no HKDF for session ticket keys");
  }
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[] = "SHA256";
  std::string info(label);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<std::uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  base::SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return fail(Errc::internal_error, "cannot derive a session ticket key (HKDF failed)");
  }
  std::lock_guard lock(derived_mutex);
  const bool kept = std::any_of(derived.begin(), derived.end(), [&](const Derived& entry) {
    return entry.label == label && entry.key.size() == length;
  });
  if (!kept && derived.size() < max_derived) derived.push_back(Derived{std::string(label), out});
  return out;
}

Result<std::shared_ptr<const TicketKey>> TicketKeysAccess::sealing_key(TicketKeys& keys) {
  TicketKeysState& state = *keys.state_;
  const auto at = state.now();
  std::unique_lock lock(state.mutex);
  if (!state.keys.empty() &&
      at - state.keys.front().key->created < state.options.rotation_interval) {
    return state.keys.front().key;
  }
  lock.unlock();
  auto key = state.make_key(at);  // outside the lock: it draws randomness
  if (!key) {
    return fail(key.error());
  }
  lock.lock();
  // Another thread may have rotated meanwhile: keep its key if it is fresh enough.
  if (!state.keys.empty() &&
      at - state.keys.front().key->created < state.options.rotation_interval) {
    return state.keys.front().key;
  }
  state.install(*key, at);
  return *key;
}

std::shared_ptr<const TicketKey> TicketKeysAccess::opening_key(TicketKeys& keys,
                                                               std::span<const std::uint8_t> name) {
  TicketKeysState& state = *keys.state_;
  const auto at = state.now();
  std::lock_guard lock(state.mutex);
  state.erase_retired(at);
  for (const auto& entry : state.keys) {
    if (name.size() == entry.key->name.size() &&
        CRYPTO_memcmp(name.data(), entry.key->name.data(), name.size()) == 0) {
      return entry.key;
    }
  }
  return nullptr;
}

std::chrono::system_clock::time_point TicketKeysAccess::now(const TicketKeys& keys) {
  return keys.state_->now();
}

}  // namespace core

// ---- TicketKeys -------------------------------------------------------------------------

TicketKeys::TicketKeys(std::unique_ptr<core::TicketKeysState> state) : state_(std::move(state)) {}
TicketKeys::~TicketKeys() = default;

Result<std::shared_ptr<TicketKeys>> TicketKeys::create() { return create(Options{}); }

Result<std::shared_ptr<TicketKeys>> TicketKeys::create(Options options) {
  using std::chrono::seconds;
  if (options.ticket_lifetime < seconds(1) ||
      options.ticket_lifetime > core::limits::max_ticket_lifetime) {
    return fail(Errc::bad_configuration,
                fmt::format("TicketKeys ticket_lifetime must be 1 s to 7 days (RFC 8446 §4.6.1), "
                            "not {} s",
                            options.ticket_lifetime.count()));
  }
  if (options.rotation_interval < seconds(1) ||
      options.rotation_interval > options.ticket_lifetime) {
    return fail(
        Errc::bad_configuration,
        fmt::format("TicketKeys rotation_interval must be 1 s to the ticket lifetime ({} s), "
                    "not {} s",
                    options.ticket_lifetime.count(), options.rotation_interval.count()));
  }
  auto library = core::LibraryContext::create();
  if (!library) {
    return fail(library.error());
  }
  auto state = std::make_unique<core::TicketKeysState>();
  state->options = std::move(options);
  state->library = std::move(*library);
  auto first = state->make_key(state->now());
  if (!first) {
    return fail(first.error());
  }
  state->install(std::move(*first), state->now());
  return std::shared_ptr<TicketKeys>(new TicketKeys(std::move(state)));
}

void TicketKeys::rotate() {
  const auto at = state_->now();
  auto key = state_->make_key(at);
  std::lock_guard lock(state_->mutex);
  if (key) {
    state_->install(std::move(*key), at);
  } else {
    // No randomness: stop sealing with the old key anyway; sealing_key() retries.
    state_->keys.clear();
  }
}

void TicketKeys::revoke_all() {
  std::lock_guard lock(state_->mutex);
  state_->keys.clear();
}

std::chrono::seconds TicketKeys::ticket_lifetime() const { return state_->options.ticket_lifetime; }

// ---- StoredSession ----------------------------------------------------------------------

namespace {
void wipe(std::vector<std::byte>& bytes) {
  if (!bytes.empty()) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
  }
  bytes.clear();
}
}  // namespace

StoredSession::StoredSession(std::span<const std::byte> bytes)
    : bytes_(bytes.begin(), bytes.end()) {}

StoredSession::StoredSession(std::span<const std::byte> bytes,
                             std::chrono::system_clock::time_point expires)
    : bytes_(bytes.begin(), bytes.end()), expires_(expires) {}

StoredSession::StoredSession(StoredSession&& other) noexcept
    : bytes_(std::move(other.bytes_)), expires_(other.expires_) {
  other.bytes_.clear();
}

StoredSession& StoredSession::operator=(StoredSession&& other) noexcept {
  if (this != &other) {
    wipe(bytes_);
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
    expires_ = other.expires_;
  }
  return *this;
}

StoredSession::~StoredSession() { wipe(bytes_); }

// ---- MemorySessionStore -----------------------------------------------------------------

struct MemorySessionStore::State {
  Limits limits;
  mutable std::mutex mutex;
  struct Entry {
    std::string key;
    StoredSession session;
  };
  /// Oldest first.
  std::deque<Entry> entries;
  std::size_t bytes = 0;

  void drop(std::deque<Entry>::iterator it) {
    bytes -= it->session.bytes().size();
    entries.erase(it);
  }
};

MemorySessionStore::MemorySessionStore() : MemorySessionStore(Limits{}) {}

MemorySessionStore::MemorySessionStore(Limits limits) : state_(std::make_unique<State>()) {
  state_->limits = limits;
}

MemorySessionStore::~MemorySessionStore() = default;

void MemorySessionStore::put(std::string_view key, StoredSession session) {
  State& s = *state_;
  const std::size_t size = session.bytes().size();
  if (session.empty() || size > s.limits.max_bytes || s.limits.max_entries == 0 ||
      s.limits.max_per_key == 0) {
    return;
  }
  std::lock_guard lock(s.mutex);
  const std::size_t same_key = static_cast<std::size_t>(std::count_if(
      s.entries.begin(), s.entries.end(), [&](const State::Entry& e) { return e.key == key; }));
  if (same_key >= s.limits.max_per_key) {
    s.drop(std::find_if(s.entries.begin(), s.entries.end(),
                        [&](const State::Entry& e) { return e.key == key; }));
  }
  while (!s.entries.empty() &&
         (s.entries.size() >= s.limits.max_entries || s.bytes + size > s.limits.max_bytes)) {
    s.drop(s.entries.begin());
  }
  s.bytes += size;
  s.entries.push_back(State::Entry{std::string(key), std::move(session)});
}

StoredSession MemorySessionStore::take(std::string_view key) {
  State& s = *state_;
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(s.mutex);
  for (std::size_t i = s.entries.size(); i > 0; --i) {
    auto it = s.entries.begin() + static_cast<std::ptrdiff_t>(i - 1);
    if (it->key != key) {
      continue;
    }
    if (it->session.expires() != std::chrono::system_clock::time_point{} &&
        it->session.expires() <= now) {
      s.drop(it);  // expired: never offered
      continue;
    }
    StoredSession taken = std::move(it->session);
    s.bytes -= taken.bytes().size();
    s.entries.erase(it);
    return taken;
  }
  return {};
}

void MemorySessionStore::forget(std::string_view key) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  for (auto it = s.entries.begin(); it != s.entries.end();) {
    if (it->key == key) {
      s.bytes -= it->session.bytes().size();
      it = s.entries.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t MemorySessionStore::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

}  // namespace sanstls
