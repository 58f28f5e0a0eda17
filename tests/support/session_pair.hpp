// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Two sessions, a client and a server, connected through memory: each side's write callback
// fills an outbox, and pump() delivers outboxes to the other side (optionally in chunks) until
// nothing moves. Used by the API tests and the cross-engine conformance suite.

#include <sanstls/sanstls.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::test {

/// One side of a SessionPair.
struct Endpoint {
  std::optional<Session> session;
  /// Bytes this side wrote that the other side has not received yet.
  std::vector<std::byte> outbox;
  /// Application data this side received.
  std::vector<std::byte> received;
  /// Every close callback, in order.
  std::vector<CloseMode> closes;
  /// The first error a receive_data() call on this side returned.
  std::optional<Error> error;
  /// How many times the write callback ran.
  std::size_t write_calls = 0;

  [[nodiscard]] std::string received_text() const;
  /// The session's callbacks, writing into this endpoint. `verify` is passed through.
  SessionCallbacks callbacks(
      std::function<Result<void>(std::span<const Certificate>, const SessionInfo&)> verify = {});
};

/// Chooses how many bytes to deliver next (given how many are waiting); 0 means "all".
using Chunker = std::function<std::size_t(std::size_t waiting)>;

class SessionPair {
 public:
  /// Starts both sessions (the client's ClientHello lands in client.outbox). Start failures
  /// are recorded in start_error.
  SessionPair(const ClientTLS& client_tls, const ServerTLS& server_tls,
              SessionCallbacks client_callbacks = {}, SessionCallbacks server_callbacks = {},
              std::span<const std::byte> client_early_data = {});
  SessionPair(const SessionPair&) = delete;
  SessionPair& operator=(const SessionPair&) = delete;
  ~SessionPair();

  /// Delivers outboxes both ways until neither side has anything to send or a side failed.
  void pump(const Chunker& chunker = {});
  /// pump(), then true if both sides completed the handshake (handshake_complete()) and
  /// neither failed.
  bool handshake(const Chunker& chunker = {});
  /// The first error of either side (client's first), if any.
  [[nodiscard]] const Error* first_error() const;

  Endpoint& client() { return *client_; }
  Endpoint& server() { return *server_; }
  std::optional<Error> start_error;

 private:
  /// Moves `from.outbox` into `to.session`; false if nothing was delivered.
  static bool deliver(Endpoint& from, Endpoint& to, const Chunker& chunker);

  std::unique_ptr<Endpoint> client_;
  std::unique_ptr<Endpoint> server_;
};

/// A system clock shifted by `offset` (for validity tests).
Clock shifted_clock(std::chrono::system_clock::duration offset);

std::vector<std::byte> to_bytes(std::string_view text);

}  // namespace sanstls::test
