// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The command-line program's IO: TCP sockets and a TLS session driven over one. The library
// itself never touches a socket; this is the caller side of its sans-IO API.

#include <sanstls/sanstls.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sanstls::cli {

/// Exit statuses of `sanstls client` (and the server's --once mode).
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_usage = 2,
  exit_certificate = 3,
  exit_tls = 4,
  exit_network = 5,
};

/// A failure in the program: what to print and which exit status it means.
struct Failure {
  int exit_code = exit_failure;
  std::string message;
};

template <class T>
using Outcome = tl::expected<T, Failure>;

/// Maps a library error to the CLI's exit statuses (3 for certificates, 4 for other TLS).
Failure tls_failure(const Error& error);

/// The options `client` and `server` share: --backend, --alpn and --tls13-only.
template <class Options>
Outcome<void> apply_common_options(const std::string& backend_name_text,
                                   const std::vector<std::string>& alpn, bool tls13_only,
                                   Options& options) {
  auto backend = parse_backend(backend_name_text);
  if (!backend) {
    return tl::unexpected(Failure{exit_usage, backend.error().message});
  }
  options.backend = *backend;
  options.alpn = alpn;
  if (tls13_only) {
    options.policy = Policy::tls13_only();
  }
  return {};
}
Failure network_failure(std::string message);

/// An owned TCP socket.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  [[nodiscard]] int fd() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Sends everything (blocking).
  Outcome<void> send_all(std::span<const std::byte> bytes) const;
  /// Waits up to `timeout` for bytes; returns them (empty at end of stream). A timeout is a
  /// network failure.
  Outcome<std::vector<std::byte>> receive(std::chrono::milliseconds timeout) const;
  void shutdown_write() const;

 private:
  int fd_ = -1;
};

/// "host:port" or "[v6]:port".
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Outcome<HostPort> parse_host_port(const std::string& text);

Outcome<Socket> connect_tcp(const std::string& host, std::uint16_t port);

/// A listening socket. port 0 picks a free port; bound_port() tells which.
class Listener {
 public:
  static Outcome<Listener> open(const std::string& host, std::uint16_t port);
  /// Waits up to `timeout` for a connection (nullopt on timeout).
  Outcome<std::optional<Socket>> accept(std::chrono::milliseconds timeout) const;
  [[nodiscard]] std::uint16_t bound_port() const { return port_; }

 private:
  Socket socket_;
  std::uint16_t port_ = 0;
};

/// A TLS session over a socket: every library call's output is sent before the call returns.
class TlsSocket {
 public:
  /// `early_data`: sent as 0-RTT data when a stored session allows it (ClientTLS::start).
  static Outcome<std::unique_ptr<TlsSocket>> connect(Socket socket, const ClientTLS& tls,
                                                     std::span<const std::byte> early_data = {});
  /// `accept_early_data`: collect the client's 0-RTT data (take_early_data()); without it the
  /// server rejects early data.
  static Outcome<std::unique_ptr<TlsSocket>> accept(Socket socket, const ServerTLS& tls,
                                                    bool accept_early_data = false);
  /// The 0-RTT data the client sent (server, accept_early_data), once.
  std::vector<std::byte> take_early_data() { return std::exchange(early_data_, {}); }

  /// Runs the handshake until handshake_complete(). Application data (and the peer's
  /// close_notify) may have come with the last flight: read() hands the data out first, or
  /// take_pending() does for callers that poll the socket themselves.
  Outcome<void> handshake(std::chrono::milliseconds timeout);
  /// The application data that arrived with the handshake (empty if none), once.
  std::vector<std::byte> take_pending();
  /// Waits for application data; appends it to `out`. Returns false once the peer closed
  /// cleanly (close_notify).
  Outcome<bool> read(std::vector<std::byte>& out, std::chrono::milliseconds timeout);
  Outcome<void> write(std::span<const std::byte> bytes);
  /// Sends close_notify.
  Outcome<void> finish();
  [[nodiscard]] const Session& session() const { return *session_; }
  [[nodiscard]] Session& session() { return *session_; }
  [[nodiscard]] const Socket& socket() const { return socket_; }
  /// Feeds bytes already read from the socket (for callers that poll the socket themselves).
  Outcome<bool> feed(std::span<const std::byte> bytes, std::vector<std::byte>& out);

 private:
  TlsSocket() = default;
  Outcome<void> flush();
  SessionCallbacks callbacks();

  Socket socket_;
  std::optional<Session> session_;
  std::vector<std::byte> outgoing_;
  /// Application data that arrived with the handshake, handed out by the next read().
  std::vector<std::byte> pending_;
  /// Server: 0-RTT data the client sent, kept apart from 1-RTT data.
  std::vector<std::byte> early_data_;
};

}  // namespace sanstls::cli
