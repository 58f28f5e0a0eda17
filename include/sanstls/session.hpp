// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file session.hpp
/// A TLS session over a transport the caller owns. sanstls never touches sockets: the caller
/// feeds received bytes in with receive_data() and sends whatever the write callback hands
/// it. One session is driven by one thread at a time; different sessions are independent.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sanstls {

namespace core {
class SessionCore;
}

/// How the transport should shut down when the session is done with it.
enum class CloseMode : std::uint8_t {
  /// Send what the write callback was given first (a close_notify or an alert), then close.
  after_flush,
  /// Close now: nothing more is worth sending.
  immediate,
};

/// Where the session stands.
enum class SessionState : std::uint8_t {
  handshaking,
  /// The handshake waits for a certificate store to answer (see certificate_stores.hpp).
  waiting_for_certificate,
  /// Application data flows both ways.
  established,
  /// We sent close_notify (finish()); the peer may still send data until its close_notify.
  closing,
  /// The peer sent close_notify; we may still write, then finish().
  peer_closed,
  /// Both sides closed cleanly.
  closed,
  /// A fatal error happened; every call now fails with Errc::invalidated.
  invalidated,
};
/// The enumerator's name ("handshaking", "peer_closed", ...), for logs.
SANSTLS_API std::string_view session_state_name(SessionState state);

/// The callbacks a session talks through. `write` is required; the others are optional.
struct SessionCallbacks {
  /// Bytes to send to the peer, in order. Called at most once per API call (output is
  /// coalesced). The span is valid only during the call: copy or send it before returning.
  std::function<void(std::span<const std::byte> bytes)> write;
  /// The session is done with the transport: after a fatal error (once the alert was handed to
  /// `write`), after both close_notify messages, or after the transport's end of stream.
  std::function<void(CloseMode mode)> close;
  /// Extra checks on the peer's chain (leaf first). Runs only after every built-in check
  /// passed, so it can reject but never accept what sanstls refused. A failure result
  /// rejects the peer: the handshake fails with certificate_rejected / rejected_by_callback and
  /// the failure's message.
  std::function<Result<void>(std::span<const Certificate> chain, const SessionInfo& info)> verify;
  /// Server only: 0-RTT early data accepted from the client (ServerOptions::early_data), in
  /// order, before the handshake completes. It may be a replay of an earlier connection's: act
  /// only on requests that are safe to process twice. Early data never appears in
  /// receive_data()'s output. Without this callback the server rejects early data.
  std::function<void(std::span<const std::byte> data)> early_data;
};

/// What Session::receive_data_into() put into a caller's buffer.
struct Received {
  /// Bytes of application data written to the front of the buffer (0 to its size).
  std::size_t size = 0;
  /// Bytes of application data the session still holds because the buffer was full. They come
  /// first in the next call's buffer: call receive_data_into() again, with no new input if none
  /// arrived, before waiting on the transport (the peer may send nothing more).
  std::size_t pending = 0;
};

/// A running TLS session. Move-only. Destroying it abandons the connection without sending
/// anything (call finish() first for a clean close).
class SANSTLS_API Session {
 public:
  /// Takes over the session; the moved-from object may only be destroyed or assigned to.
  Session(Session&&) noexcept;
  /// Takes over the session (the one this object held is abandoned, as by the destructor).
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  /// Consumes bytes received from the transport (any split: one byte at a time works) and
  /// appends the application data they carried to `application_data`. Handshake progress and
  /// replies go out through the write callback. Errors from peer input are returned, never
  /// thrown; a fatal one sends the alert, calls `close` and invalidates the session. A
  /// close_notify before the handshake completed is such a failure, never a clean close:
  /// Errc::handshake_failure, alert_received close_notify, no alert sent back, on every engine
  /// (before the handshake keys are in use anyone on the path can send one).
  Result<void> receive_data(std::span<const std::byte> bytes,
                            std::vector<std::byte>& application_data);
  /// The same, returning the application data.
  Result<std::vector<std::byte>> receive_data(std::span<const std::byte> bytes);
  /// receive_data() into a buffer the caller owns, with no vector for the library to grow (a
  /// name of its own: a std::vector passed to receive_data() is appended to, never filled). The
  /// application data goes to the front of `buffer`, up to its size, and what does not fit is
  /// held by the session and comes first in the next call's buffer, in order (Received::pending
  /// says how much waits; call again with empty `bytes` to get it). All of `bytes` is consumed
  /// either way. Records that fit whole in the room left go straight into `buffer` (decrypted
  /// there by the native and OpenSSL engines, copied from GnuTLS's record buffer by the GnuTLS
  /// engine); a record that does not fit is decrypted aside and copied. A 64 KiB buffer holds
  /// several full records (16 KiB of data each). An empty buffer is allowed (everything is held).
  /// After the peer's close_notify, new input is ignored (RFC 8446 §6.1) but held data is still
  /// handed out. On failure (as for the other overloads) the session is invalidated and no data is
  /// reported: what the call wrote into `buffer` is not to be used, and held data is dropped.
  Result<Received> receive_data_into(std::span<const std::byte> bytes, std::span<std::byte> buffer);

  /// Tells the session the transport reached end of stream. Fine after the peer's close_notify
  /// once the handshake completed; before it, this is Errc::truncated (the data may have been
  /// cut short by an attacker).
  Result<void> receive_eof();

  /// Encrypts `data` and hands the records to the write callback. Allowed from start() on,
  /// also after the peer's close_notify, until finish(). Data written before the handshake
  /// completed is queued (at most 64 KiB in all, more is Errc::limit_exceeded and nothing of
  /// that call is queued) and sent, encrypted under the application keys, in the same write
  /// callback call as the end of our handshake: never as 0-RTT data. A handshake that fails
  /// drops the queue.
  Result<void> write_data(std::span<const std::byte> data);
  /// The same for text (sent as its bytes, no terminator).
  Result<void> write_data(std::string_view text);

  /// Sends close_notify. Data may still arrive until the peer's close_notify.
  Result<void> finish();

  /// Sends an alert to the peer (the proposal's `Session.alert(alert_code, level)`). `level`
  /// defaults to what the alert allows: warning for close_notify and user_canceled, fatal for
  /// the others. Any other level is Errc::invalid_alert_level and nothing happens (RFC 8446 §6:
  /// only close_notify and user_canceled are warnings; close_notify is never fatal).
  /// - close_notify: the same as finish().
  /// - user_canceled as a warning: once the handshake completed it is followed by close_notify,
  ///   as finish() (RFC 8446 §6.1); during the handshake it abandons the handshake.
  /// - a fatal alert (or user_canceled during the handshake): the alert goes out, then the
  ///   session is invalidated: failure() is Errc::closed with alert_sent, `close` runs, later
  ///   calls fail with Errc::invalidated. The call itself succeeds.
  /// The OpenSSL engine cannot send an arbitrary alert: there, every alert but close_notify is
  /// Errc::unsupported and the session goes on unaffected.
  Result<void> alert(Alert code, std::optional<AlertLevel> level = std::nullopt);

  /// TLS 1.3 KeyUpdate (RFC 8446 §4.6.3): our sending keys change now, and the peer is asked to
  /// change its own too. For long-lived sessions that want fresh keys before the AEAD limits
  /// (every TLS 1.3 session also changes its keys on its own every 2^23 records it sends, and
  /// asks the peer to after 2^24 it receives: docs/limits.md). Allowed once established and before
  /// finish(); a TLS 1.2 session gives Errc::unsupported (TLS 1.2 has no KeyUpdate).
  Result<void> update_keys();

  /// Keying material for the application, derived from this session's secrets (RFC 5705; in
  /// TLS 1.3, RFC 8446 §7.5): both ends get the same bytes for the same label and context, and
  /// nobody else can compute them. Fills all of `out` (1 to max_exported_bytes bytes).
  /// `label` is 1 to 63 bytes: one of your own that starts with "EXPORTER" (RFC 5705 §4) or a
  /// registered one, e.g. "EXPORTER-Channel-Binding" with no context and 32 bytes for
  /// tls-exporter channel binding (RFC 9266). The labels TLS 1.2 itself uses ("master secret",
  /// "key expansion", ...) are refused. Allowed once established, until the session is
  /// invalidated or destroyed (also after finish() and the peer's close_notify). The bytes are
  /// a secret: wipe `out` when done. On failure `out` is zeroed and the session is unaffected.
  Result<void> export_keying_material(std::span<std::byte> out, std::string_view label);
  /// The same with a context value (at most 65535 bytes). In TLS 1.2 "no context" and an
  /// empty context give different bytes (RFC 5705 §4); in TLS 1.3 they are the same (§7.5).
  Result<void> export_keying_material(std::span<std::byte> out, std::string_view label,
                                      std::span<const std::byte> context);
  /// The most bytes one export_keying_material() call fills: 255 × 32, what HKDF-Expand yields
  /// with SHA-256 (RFC 5869 §2.3), so every suite and engine can give it.
  static constexpr std::size_t max_exported_bytes = 255 * 32;

  /// Where the session stands (see SessionState).
  [[nodiscard]] SessionState state() const;
  /// True while application data flows both ways (state() == established). Not the test for
  /// "may I stop handshaking": the peer's last flight, its first data and its close_notify can
  /// arrive in one read, taking the state from handshaking straight to peer_closed.
  [[nodiscard]] bool established() const { return state() == SessionState::established; }
  /// True from the end of the handshake on, whatever follows (data, the peer's close_notify,
  /// finish(), even a later failure): the peer was authenticated and the keys were agreed. Use
  /// this, not established(), to end a handshake loop.
  [[nodiscard]] bool handshake_complete() const;
  /// What was negotiated so far.
  [[nodiscard]] const SessionInfo& info() const;
  /// The error that invalidated the session, if any.
  [[nodiscard]] const Error* failure() const;

  /// @cond INTERNAL
  explicit Session(std::shared_ptr<core::SessionCore> core);
  /// @endcond

 private:
  std::shared_ptr<core::SessionCore> core_;
};

}  // namespace sanstls
