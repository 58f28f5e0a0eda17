// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What every implementation under test offers the harness: a configuration (Setup) that makes
// connections, each a client and a server joined through memory, driven in this thread.
// Every call into the client or the server runs inside a SideScope, which charges its thread
// CPU time and its allocations to that side.

#include <sanstls/sanstls.hpp>

#include "alloc_counter.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sanstls::bench {

/// Thread CPU time in nanoseconds (CLOCK_THREAD_CPUTIME_ID).
std::int64_t thread_cpu_ns();
/// Process CPU time in nanoseconds (CLOCK_PROCESS_CPUTIME_ID).
std::int64_t process_cpu_ns();

/// CPU time spent on each side.
struct SideTimes {
  std::int64_t client_ns = 0;
  std::int64_t server_ns = 0;
};

/// Charges what runs in its lifetime to one side (CPU time when `times` is set, and
/// allocations).
class SideScope {
 public:
  SideScope(alloc::Side side, SideTimes* times)
      : side_(side),
        times_(times),
        previous_(alloc::set_side(side)),
        start_(times != nullptr ? thread_cpu_ns() : 0) {}
  SideScope(const SideScope&) = delete;
  SideScope& operator=(const SideScope&) = delete;
  ~SideScope() {
    if (times_ != nullptr) {
      const std::int64_t spent = thread_cpu_ns() - start_;
      (side_ == alloc::Side::client ? times_->client_ns : times_->server_ns) += spent;
    }
    alloc::set_side(previous_);
  }

 private:
  alloc::Side side_;
  SideTimes* times_;
  alloc::Side previous_;
  std::int64_t start_;
};

/// The credentials of one benchmark: a root, an intermediate and a server leaf for
/// "localhost", all of one key type, as objects and as PEM.
struct Credentials {
  std::string label;  // "ecdsa_p256", "rsa_2048"
  CertificateChain chain;
  TrustStore trust;
  std::string chain_pem;  // leaf then intermediate
  std::string key_pem;
  std::string root_pem;
};

inline constexpr const char* kHostname = "localhost";

/// One client + server pair.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Runs the handshake to completion (both sides established); false on failure, with
  /// `error` set.
  virtual bool handshake(SideTimes* times) = 0;
  /// Sends `count` writes of `chunk` from one side and receives them on the other, one
  /// record at a time; false on failure.
  virtual bool transfer(bool client_to_server, std::span<const std::byte> chunk, std::size_t count,
                        SideTimes* times) = 0;
  /// sanstls only: how transfer() receives. By default into a caller-owned 64 KiB buffer
  /// (Session::receive_data_into); `true` receives into a std::vector the library grows
  /// (the older overload), to measure the difference. False when the implementation has no
  /// such choice.
  virtual bool receive_into_vector(bool /*on*/) { return false; }
  /// Frees the harness's own transport buffers (the scale measurement keeps 100,000
  /// connections: their 64 KiB wires would dwarf the sessions). The connection stays usable.
  virtual void release_buffers() {}
  std::string error;
};

/// A client and a server configuration of one implementation.
class Setup {
 public:
  virtual ~Setup() = default;
  /// A new connection; the client's first flight may already be written. nullptr on failure
  /// (error set).
  virtual std::unique_ptr<Connection> connect(SideTimes* times) = 0;
  std::string error;
};

/// One implementation under test.
struct Implementation {
  std::string name;     // "sanstls/openssl", "raw OpenSSL"
  std::string kind;     // "engine" or "raw"
  std::string library;  // "openssl", "gnutls", "native"
  std::string version;
  /// Makes a setup for these credentials and this TLS 1.3 suite (X25519 only).
  std::function<std::unique_ptr<Setup>(const Credentials&, CipherSuite)> make_setup;
  /// The same, but each connection resumes the previous one's session (TLS 1.3 psk_dhe_ke,
  /// one ticket per connection; the first connection makes a full handshake). Empty when the
  /// implementation does not resume.
  std::function<std::unique_ptr<Setup>(const Credentials&, CipherSuite)> make_resumed_setup;
};

/// A sanstls engine with X25519 (or, for the key-exchange comparison, another group).
Implementation sanstls_implementation(Backend backend, NamedGroup group = NamedGroup::x25519);
Implementation raw_openssl_implementation();
Implementation raw_gnutls_implementation();

/// A buffer of bytes in flight from one side to the other.
struct Wire {
  std::vector<std::byte> bytes;
  Wire() {
    const auto scope = alloc::set_side(alloc::Side::none);
    bytes.reserve(64 * 1024);
    alloc::set_side(scope);
  }
};

}  // namespace sanstls::bench
