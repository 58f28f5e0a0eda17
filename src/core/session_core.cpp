// SPDX-License-Identifier: Apache-2.0 OR MIT
// The session state shared by every engine. See session_core.hpp.

#include "core/session_core.hpp"

#include <sanstls/backends.hpp>
#include <sanstls/hazmat/hazmat.hpp>

#include "core/hello_inspection.hpp"
#include "wire/reader.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <exception>

namespace sanstls::core {
namespace {

constexpr std::uint16_t kSsl3 = 0x0300;
constexpr std::uint16_t kTls12 = 0x0303;
constexpr std::uint8_t kContentTypeAlert = 21;
/// encrypt()'s piece: key changes are checked between pieces.
constexpr std::size_t kMaxWritePiece = std::size_t{1} << 20U;

/// Runs a user callback, turning an escaping exception into an Error: exceptions must never
/// unwind through the engines' C code, which may be on the stack.
template <class F>
Result<void> call_user(std::string_view what, F&& f) noexcept {
  try {
    f();
    return {};
  } catch (const std::exception& e) {
    return fail(Errc::internal_error, fmt::format("the {} callback threw: {}", what, e.what()));
  } catch (...) {
    return fail(Errc::internal_error, fmt::format("the {} callback threw", what));
  }
}

/// Sets a flag for the duration of a scope (re-entrancy guards).
class ScopedFlag {
 public:
  explicit ScopedFlag(bool& flag) : flag_(flag) { flag_ = true; }
  ScopedFlag(const ScopedFlag&) = delete;
  ScopedFlag& operator=(const ScopedFlag&) = delete;
  ~ScopedFlag() { flag_ = false; }

 private:
  bool& flag_;
};

}  // namespace

SessionCore::SessionCore(std::shared_ptr<const ClientContext> client, SessionCallbacks callbacks)
    : client_(std::move(client)), callbacks_(std::move(callbacks)) {
  info_.backend = client_->config.backend;
  info_.server_name = client_->config.server_name.text();
  key_update_interval_ = configured_key_update_interval();
}

SessionCore::SessionCore(std::shared_ptr<const ServerContext> server, SessionCallbacks callbacks)
    : server_(std::move(server)), callbacks_(std::move(callbacks)) {
  info_.backend = server_->config.backend;
  key_update_interval_ = configured_key_update_interval();
}

SessionCore::~SessionCore() = default;

const CommonConfig& SessionCore::common() const {
  return client_ ? static_cast<const CommonConfig&>(client_->config)
                 : static_cast<const CommonConfig&>(server_->config);
}

Result<void> SessionCore::start() {
  if (!callbacks_.write) {
    return fail(Errc::api_misuse,
                "SessionCallbacks::write is required: it carries every byte "
                "the session sends");
  }
  const EngineFactory& factory = client_ ? *client_->factory : *server_->factory;
  auto engine = factory.make_engine(*this);
  if (!engine) {
    return fail(engine.error());
  }
  engine_ = std::move(*engine);
  Result<EngineStatus> status = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->start(to_peer_);
  }();
  return settle(status);
}

Result<void> SessionCore::check_usable(std::string_view operation) const {
  if (in_engine_ || in_callback_) {
    return fail(Errc::api_misuse,
                fmt::format("{}() was called from inside one of this session's callbacks; "
                            "call it after the callback returns",
                            operation));
  }
  if (state_ == SessionState::invalidated) {
    Error error =
        make_error(Errc::invalidated,
                   fmt::format("{}() on a session invalidated by an earlier error: {}", operation,
                               failure_ ? failure_->message : std::string{"unknown"}));
    return fail(std::move(error));
  }
  if (!engine_) {
    return fail(Errc::api_misuse, "the session was not started");
  }
  return {};
}

void SessionCore::apply_status(EngineStatus status) {
  switch (status) {
    case EngineStatus::handshaking:
      state_ = SessionState::handshaking;
      break;
    case EngineStatus::waiting_for_certificate:
      state_ = SessionState::waiting_for_certificate;
      break;
    case EngineStatus::established:
      handshake_complete_ = true;
      if (state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate) {
        state_ = SessionState::established;
      }
      break;
    case EngineStatus::peer_closed:
      // settle() refused a close_notify before the end of the handshake: here it is a clean
      // close of an established session.
      state_ = sent_close_notify_ ? SessionState::closed : SessionState::peer_closed;
      break;
  }
}

Error SessionCore::closed_before_handshake() {
  // Errc::handshake_failure: the handshake did not finish and no session exists. Not
  // bad_tls_data (a close_notify is valid at any time, RFC 8446 §6.1) and not truncated (that
  // code means data may be missing from an established session): what the peer did is abandon
  // the handshake. Never a clean close: before the peer's first protected record the
  // close_notify may come in plaintext from anyone on the path (RFC 8446 §6: alerts are
  // protected only "as specified by the current connection state"), so a clean end here would
  // let an attacker end any connection "cleanly" without authentication.
  Error error = make_error(Errc::handshake_failure, std::string{closed_before_handshake_message});
  error.alert_received = Alert::close_notify;
  return error;
}

Result<void> SessionCore::settle(const Result<EngineStatus>& status) {
  // The engine says whether its handshake completed, also when the same call then failed or
  // ended with the peer's close_notify. (Never asked again once it did: the flag is never
  // cleared.)
  if (!handshake_complete_ && engine_ && engine_->handshake_complete()) {
    handshake_complete_ = true;
  }
  if (status && *status == EngineStatus::peer_closed && !handshake_complete_) {
    // We answer nothing, on every engine: the peer closed its side, there is nothing to
    // negotiate any more, and an alert would only be an error report to a peer that already
    // left. Output the engine produced in this call (a flight answering a ClientHello that came
    // with the close_notify) is dropped for the same reason.
    to_peer_.clear();
    return invalidate(closed_before_handshake());
  }
  if (!status && !handshake_complete_ && !presentation_error_ &&
      (state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate) &&
      close_watch_.last_record_is_close_notify()) {
    // The engine refused the peer's plaintext close_notify where it expected a protected
    // record or a handshake message (OpenSSL does): the peer closed, the same failure as above.
    // Should the same input also hold something the engine refused before the close_notify,
    // the peer's close is still what ended the handshake on its side, and what we report.
    to_peer_.clear();
    return invalidate(closed_before_handshake());
  }
  if (!status) {
    Error error = status.error();
    explain_old_peer(error);
    if (presentation_error_) {
      // The engine failed because our chain was refused: say why, keep the alert it sent.
      error.code = presentation_error_->code;
      error.credential_problem = presentation_error_->credential_problem;
      error.message = presentation_error_->message;
    }
    return invalidate(std::move(error));
  }
  const SessionState before = state_;
  apply_status(*status);
  if (before == SessionState::established && state_ == SessionState::established) {
    // Data in and out of an established session: what info() says was fixed when the handshake
    // completed (the call that made the state established read it below), and reading it again
    // per call (a SessionInfo built and moved) was a tenth of a small record's overhead.
    if (auto sent = send_queued(); !sent) {
      return sent;
    }
    flush();
    return {};
  }
  // Keep what the engine knows, and what only the core knows (peer chain, verdict).
  SessionInfo engine_info = engine_->info();
  // Judged once the handshake is complete: engines may say "resumed" from the ServerHello on,
  // before the EncryptedExtensions that carry the ALPN protocol.
  if (engine_info.resumed && handshake_complete_ && !resumption_restored_) {
    resumption_restored_ = true;
    if (auto restored = restore_resumed_identity(engine_info); !restored) {
      return invalidate(restored.error());
    }
  }
  engine_info.peer_certificates = std::move(info_.peer_certificates);
  engine_info.peer_verified = info_.peer_verified;
  if (engine_info.server_name.empty()) {
    engine_info.server_name = info_.server_name;
  }
  info_ = std::move(engine_info);
  if (auto sent = send_queued(); !sent) {
    return sent;
  }
  flush();
  if (state_ == SessionState::closed && before != SessionState::closed) {
    call_close(CloseMode::after_flush);
  }
  return {};
}

void SessionCore::flush(bool keep_buffer) {
  if (to_peer_.empty()) {
    return;
  }
  Bytes out;
  out.swap(to_peer_);
  {
    ScopedFlag busy(in_callback_);
    // A throwing write callback cannot be reported better than by dropping the exception: the
    // bytes are the caller's to send, and the next call will report any transport problem.
    (void)call_user("write", [&] { callbacks_.write(out); });
  }
  // After write_data(): the buffer serves the next call when it is small (an allocation and a
  // free per call were a tenth of the cost of a 1 KiB write). Cleared first: the next output
  // overwrites it, and to_peer_ is empty here (the callback cannot call into the session).
  if (keep_buffer && out.capacity() <= limits::max_kept_output_buffer && to_peer_.empty()) {
    out.clear();
    to_peer_.swap(out);
  }
}

void SessionCore::explain_old_peer(Error& error) const {
  if (!client_ || !error.alert_received ||
      (state_ != SessionState::handshaking && state_ != SessionState::waiting_for_certificate)) {
    return;
  }
  // Only a server whose very first record is the alert refused our ClientHello itself.
  wire::Reader header{first_record_header()};
  auto type = header.u8("ContentType");
  auto version = header.u16("legacy_record_version");
  if (!type || !version || *type != kContentTypeAlert) {
    return;
  }
  const bool tls13_only = common().min_version == ProtocolVersion::tls13;
  // Our ClientHello: what the engine speaks as a client.
  const auto engine_versions = backend_capabilities(common().backend).client_versions;
  const bool engine_tls13_only = std::find(engine_versions.begin(), engine_versions.end(),
                                           ProtocolVersion::tls12) == engine_versions.end();
  if (error.alert_received == Alert::handshake_failure && engine_tls13_only && !tls13_only) {
    // A TLS 1.2-only server that ignores supported_versions finds none of our (TLS 1.3)
    // suites usable and answers handshake_failure: the likeliest reason, said as a hint.
    error.message += fmt::format(
        " in answer to our ClientHello; the {} engine offers only TLS 1.3, so a server that "
        "speaks only TLS 1.2 answers this way (the openssl and gnutls engines speak TLS 1.2 too)",
        backend_name(common().backend));
    return;
  }
  if (error.alert_received != Alert::protocol_version) {
    return;
  }
  const bool capped_at_tls12 =
      common().hazmat && common().hazmat->max_version == ProtocolVersion::tls12;
  const std::string offered = tls13_only || engine_tls13_only ? "TLS 1.3"
                              : capped_at_tls12 ? "TLS 1.2 (capped by hazmat::Settings)"
                                                : "TLS 1.2 and TLS 1.3";
  std::string required = tls13_only ? "TLS 1.3" : "TLS 1.2 or newer";
  if (engine_tls13_only && !tls13_only) {
    required += fmt::format(
        ", and the {} engine speaks TLS 1.3 only (the openssl and gnutls "
        "engines speak TLS 1.2 too)",
        backend_name(common().backend));
  }
  error.code = Errc::forbidden_by_policy;
  // RFC 5246 Appendix E.1: an old server may answer in its own record version, which then
  // names what it speaks; many answer in TLS 1.2's, which tells nothing more.
  if (*version >= kSsl3 && *version < kTls12) {
    error.message = fmt::format(
        "the server refused {} with a protocol_version alert sent as {}: it speaks only {} or "
        "older; sanstls requires {}",
        offered, protocol_version_text(*version), protocol_version_text(*version), required);
  } else {
    error.message = fmt::format(
        "the server refused {} with a protocol_version alert: it supports none of the versions "
        "offered; sanstls requires {}",
        offered, required);
  }
}

void SessionCore::call_close(CloseMode mode) {
  if (close_called_ || !callbacks_.close) {
    close_called_ = true;
    return;
  }
  close_called_ = true;
  ScopedFlag busy(in_callback_);
  (void)call_user("close", [&] { callbacks_.close(mode); });
}

tl::unexpected<Error> SessionCore::invalidate(Error error) {
  // Every fatal end (an alert sent or received, a truncation, a local failure) drops this
  // session's resumption data on both sides: the 2014 proposal's one hard rule.
  drop_resumption_data();
  // Held application data can no longer be handed out (every call now fails): dropped, as
  // Session::receive_data_into says.
  Bytes().swap(pending_application_data_);
  pending_offset_ = 0;
  state_ = SessionState::invalidated;
  failure_ = error;
  flush();  // the alert the engine queued, if any
  call_close(error.alert_sent ? CloseMode::after_flush : CloseMode::immediate);
  return tl::unexpected<Error>(std::move(error));
}

void SessionCore::note_input(std::span<const std::byte> bytes) {
  if (handshake_complete_ && first_record_header_size_ == first_record_header_.size()) {
    return;  // nothing left to note: the established path's common case
  }
  for (std::size_t i = 0;
       i < bytes.size() && first_record_header_size_ < first_record_header_.size(); ++i) {
    first_record_header_.at(first_record_header_size_++) = static_cast<std::uint8_t>(bytes[i]);
  }
  if (!handshake_complete_) {
    close_watch_.feed(bytes);
  }
}

Result<void> SessionCore::receive(std::span<const std::byte> bytes, Bytes& application_data) {
  if (!usable_now()) {
    return check_usable("receive_data");
  }
  if (held() > 0) {
    application_data.insert(
        application_data.end(),
        pending_application_data_.begin() + static_cast<std::ptrdiff_t>(pending_offset_),
        pending_application_data_.end());
    pending_application_data_.clear();
    pending_offset_ = 0;
  }
  if (state_ == SessionState::closed || state_ == SessionState::peer_closed) {
    // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be
    // ignored."
    return {};
  }
  note_input(bytes);
  if (auto settled = settle(receive_bounded(bytes, DataTarget{.vector = &application_data}));
      !settled) {
    return settled;
  }
  return keep_receiving_keys_fresh();
}

void SessionCore::hand_out_held(ReceiveBuffer& into) {
  const std::size_t n = std::min(held(), into.buffer.size() - into.used);
  if (n > 0) {
    std::copy_n(pending_application_data_.begin() + static_cast<std::ptrdiff_t>(pending_offset_), n,
                into.buffer.begin() + static_cast<std::ptrdiff_t>(into.used));
    pending_offset_ += n;
    into.used += n;
  }
  if (pending_offset_ == pending_application_data_.size() && pending_offset_ > 0) {
    pending_application_data_.clear();
    pending_offset_ = 0;
  }
}

Result<Received> SessionCore::receive_into(std::span<const std::byte> bytes,
                                           std::span<std::byte> buffer) {
  if (!usable_now()) {
    return fail(check_usable("receive_data").error());
  }
  // Held data first; when some is still held after that, the buffer is full and everything the
  // input carries goes after it (ReceiveBuffer: nothing goes to the buffer once the overflow
  // holds something).
  ReceiveBuffer into{.buffer = buffer, .used = 0, .overflow = &pending_application_data_};
  if (!pending_application_data_.empty()) {
    hand_out_held(into);
  }
  if (state_ == SessionState::closed || state_ == SessionState::peer_closed) {
    // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be
    // ignored." (What arrived before it is still handed out.)
    return Received{.size = into.used, .pending = held()};
  }
  note_input(bytes);
  if (auto settled = settle(receive_bounded(bytes, DataTarget{.buffer = &into})); !settled) {
    return fail(settled.error());
  }
  if (auto fresh = keep_receiving_keys_fresh(); !fresh) {
    return fail(fresh.error());
  }
  // What the engine could not put into the buffer (a record larger than the room left, or an
  // engine that receives into the overflow only).
  if (!pending_application_data_.empty()) {
    hand_out_held(into);
  }
  return Received{.size = into.used, .pending = held()};
}

Result<EngineStatus> SessionCore::engine_receive(std::span<const std::byte> bytes,
                                                 DataTarget target) {
  return target.vector != nullptr ? engine_->receive(bytes, *target.vector, to_peer_)
                                  : engine_->receive_into(bytes, *target.buffer, to_peer_);
}

Result<EngineStatus> SessionCore::receive_bounded(std::span<const std::byte> bytes,
                                                  DataTarget target) {
  ScopedFlag busy(in_engine_);
  const bool handshaking =
      state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate;
  const std::size_t data_before = target.size();
  const std::size_t output_before = to_peer_.size();
  const std::size_t records = records_.feed(bytes);
  if (!handshaking) {
    records_received_since_request_ += records;
  } else {
    // Input that is not TLS, or a first record no TLS peer sends, is refused here before any
    // engine reads it: one Errc, alert and message on every engine (hello_inspection.hpp).
    constexpr std::uint8_t kClientHello = 1;
    const bool client_hello = server_ != nullptr && records_.first_message_type() == kClientHello;
    if (auto refused = refuse_peer_start(
            {.first_bytes = first_record_header(),
             .first_message_length = records_.first_message_length(),
             .client_hello_version = client_hello ? records_.first_message_version() : std::nullopt,
             .peer_is_client = server_ != nullptr,
             .tls13_only = common().min_version == ProtocolVersion::tls13})) {
      if (refused->alert_sent) {
        const auto alert = plaintext_alert(*refused->alert_sent);
        to_peer_.insert(to_peer_.end(), alert.begin(), alert.end());
      }
      return fail(std::move(*refused));
    }
  }
  // Before the handshake completes, the peer may send at most max_handshake_input bytes: what
  // lies beyond is handed over only if the handshake completed within them.
  std::span<const std::byte> beyond;
  if (handshaking) {
    const std::size_t room = limits::max_handshake_input - handshake_input_;
    if (bytes.size() > room) {
      beyond = bytes.subspan(room);
      bytes = bytes.first(room);
    }
    handshake_input_ += bytes.size();
  }
  Result<EngineStatus> status =
      handshaking ? engine_receive(bytes, target) : receive_established(bytes, target);
  if (status && !beyond.empty()) {
    if (*status == EngineStatus::handshaking || *status == EngineStatus::waiting_for_certificate) {
      return fail(Errc::limit_exceeded,
                  fmt::format("the peer sent more than {} KiB without completing the handshake; "
                              "no real handshake needs that much",
                              limits::max_handshake_input / 1024));
    }
    status = receive_established(beyond, target);
  }
  if (!status) {
    return status;
  }
  if (records_.oversized()) {
    return fail(Errc::limit_exceeded,
                fmt::format("the peer announced a record longer than the {} bytes TLS allows",
                            limits::max_record_body));
  }
  if (to_peer_.size() - output_before > limits::max_output_per_receive) {
    return fail(Errc::limit_exceeded,
                fmt::format("the peer's records made the session send more than {} KiB at once",
                            limits::max_output_per_receive / 1024));
  }
  if (!handshaking) {
    // A record that yields application data yields at least one byte: at most `produced` of
    // these records carried data, the others (empty records, warning alerts, KeyUpdate,
    // NewSessionTicket, renegotiation attempts) did not.
    const std::size_t produced = target.size() - data_before;
    const std::size_t idle = records > produced ? records - produced : 0;
    records_without_data_ = produced == 0 ? records_without_data_ + records : idle;
    if (records_without_data_ > limits::max_records_without_data) {
      return fail(Errc::limit_exceeded,
                  fmt::format("the peer sent more than {} records in a row without application "
                              "data (empty records, warning alerts, KeyUpdate or "
                              "NewSessionTicket messages, renegotiation attempts)",
                              limits::max_records_without_data));
    }
  }
  return status;
}

Result<EngineStatus> SessionCore::receive_established(std::span<const std::byte> bytes,
                                                      DataTarget target) {
  while (true) {
    // Engines buffer a post-handshake message until it completes: a peer announcing a 16 MiB
    // NewSessionTicket and sending it forever in full records must be cut off by bytes, not only
    // by records. A piece that yields data resets the count (we cannot tell where in the piece
    // the data was), so an engine holds at most twice the limit of input without data.
    const std::size_t room = limits::max_input_without_data - input_without_data_;
    const auto piece = bytes.first(std::min(room, bytes.size()));
    const std::size_t data_before = target.size();
    Result<EngineStatus> status = engine_receive(piece, target);
    if (!status) {
      return status;
    }
    input_without_data_ = target.size() > data_before ? 0 : input_without_data_ + piece.size();
    bytes = bytes.subspan(piece.size());
    if (bytes.empty() || *status != EngineStatus::established) {
      return status;
    }
    if (input_without_data_ >= limits::max_input_without_data) {
      return fail(Errc::limit_exceeded,
                  fmt::format("the peer sent more than {} KiB in a row without application data "
                              "(a post-handshake message that never completes, or padding)",
                              limits::max_input_without_data / 1024));
    }
  }
}

Result<void> SessionCore::receive_eof() {
  if (auto usable = check_usable("receive_eof"); !usable) {
    return usable;
  }
  if (state_ == SessionState::peer_closed || state_ == SessionState::closed) {
    call_close(CloseMode::immediate);
    return {};
  }
  Error error = make_error(
      Errc::truncated,
      state_ == SessionState::established || state_ == SessionState::closing
          ? std::string{"the transport closed before the peer's close_notify: the data may have "
                        "been truncated"}
          : std::string{"the transport closed during the handshake"});
  return invalidate(std::move(error));
}

Result<void> SessionCore::write(std::span<const std::byte> data) {
  if (!usable_now()) {
    return check_usable("write_data");
  }
  if (state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate) {
    // The proposal's callback style: data may be written right after start(); it goes out,
    // encrypted, once the handshake completed (never as 0-RTT data).
    if (data.size() > limits::max_queued_before_handshake - queued_.size()) {
      return fail(Errc::limit_exceeded,
                  fmt::format("write_data() before the handshake finished queues at most {} KiB "
                              "({} bytes are queued); wait until handshake_complete() for more",
                              limits::max_queued_before_handshake / 1024, queued_.size()));
    }
    queued_.insert(queued_.end(), data.begin(), data.end());
    return {};
  }
  if (state_ == SessionState::closing || state_ == SessionState::closed) {
    return fail(Errc::closed, "write_data() after finish(): the session no longer sends data");
  }
  if (engine_->writes_to_output_buffer() && to_peer_.empty() && !data.empty() &&
      data.size() <= kMaxWritePiece) {
    if (auto written = write_through_buffer(data)) {
      return *written;
    }
  }
  direct_write_ = true;
  auto encrypted = encrypt(data);
  direct_write_ = false;
  if (!encrypted) {
    return encrypted;
  }
  flush(/*keep_buffer=*/true);
  return {};
}

bool SessionCore::write_directly(std::span<const std::byte> records) noexcept {
  // Only write_data()'s first output: nothing may precede these records (to_peer_ is sent
  // after them), and nothing may follow them in a second callback.
  if (!direct_write_ || !to_peer_.empty()) {
    return false;
  }
  direct_write_ = false;
  records_sent_under_key_ += sent_records_.feed(records);
  ScopedFlag busy(in_callback_);
  // As in flush(): a throwing callback's exception is dropped.
  (void)call_user("write", [&] { callbacks_.write(records); });
  return true;
}

std::optional<Result<void>> SessionCore::write_through_buffer(std::span<const std::byte> data) {
  // encrypt() for one piece: the key change first, then the records.
  if (auto fresh = keep_sending_keys_fresh(); !fresh) {
    flush();
    return fresh;
  }
  if (!to_peer_.empty()) {
    return std::nullopt;  // a KeyUpdate waits in to_peer_: the records go after it, there
  }
  sealed_.clear();
  Result<void> written = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->write_to_buffer(data, sealed_);
  }();
  if (!written) {
    // What was sealed before the failure goes out with the alert, as encrypt() does.
    to_peer_.insert(to_peer_.end(), sealed_.data(), sealed_.data() + sealed_.size());
    sealed_.clear();
    return invalidate(written.error());
  }
  records_sent_under_key_ += sent_records_.feed(sealed_.span());
  {
    ScopedFlag busy(in_callback_);
    (void)call_user("write", [&] { callbacks_.write(sealed_.span()); });
  }
  // As flush(): the buffer serves the next call while small.
  if (sealed_.capacity() > limits::max_kept_output_buffer) {
    sealed_.release();
  } else {
    sealed_.clear();
  }
  return Result<void>{};
}

Result<void> SessionCore::encrypt(std::span<const std::byte> data) {
  // Written in pieces so that automatic key changes happen within a piece's worth of records
  // of their interval, however much one call writes.
  constexpr std::size_t max_piece = kMaxWritePiece;
  while (!data.empty()) {
    if (auto fresh = keep_sending_keys_fresh(); !fresh) {
      flush();  // what earlier pieces produced was accepted: it goes out
      return fresh;
    }
    const auto piece = data.first(std::min(max_piece, data.size()));
    const std::size_t output_before = to_peer_.size();
    Result<void> written = [&] {
      ScopedFlag busy(in_engine_);
      return engine_->write(piece, to_peer_);
    }();
    if (!written) {
      return invalidate(written.error());
    }
    records_sent_under_key_ +=
        sent_records_.feed(std::span<const std::byte>{to_peer_}.subspan(output_before));
    data = data.subspan(piece.size());
  }
  return {};
}

Result<void> SessionCore::send_queued() {
  if (queued_.empty() || !handshake_complete_ ||
      (state_ != SessionState::established && state_ != SessionState::peer_closed)) {
    return {};
  }
  Bytes queued;
  queued.swap(queued_);
  return encrypt(queued);
}

std::uint64_t SessionCore::configured_key_update_interval() const {
  const auto& hazmat = common().hazmat;
  return hazmat && hazmat->key_update_interval_records ? *hazmat->key_update_interval_records
                                                       : limits::key_update_interval_records;
}

Result<void> SessionCore::keep_sending_keys_fresh() {
  const std::uint64_t interval = key_update_interval();
  if (info_.version == ProtocolVersion::tls12) {
    const bool aes_gcm =
        info_.cipher_suite != CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256 &&
        info_.cipher_suite != CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256;
    const std::uint64_t most = limits::key_update_request_factor * interval;
    if (aes_gcm && records_sent_under_key_ >= most) {
      // RFC 8446 §5.5's AES-GCM limit applies to TLS 1.2 too, which has no way to change keys.
      return fail(Errc::limit_exceeded,
                  fmt::format("this TLS 1.2 session sent {} records under one AES-GCM key, the "
                              "most sanstls sends safely (RFC 8446 §5.5); TLS 1.2 cannot change "
                              "keys: finish() and reconnect (TLS 1.3 changes keys on its own)",
                              most));
    }
    return {};
  }
  if (records_sent_under_key_ < interval) {
    return {};
  }
  Result<void> updated = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->update_keys(to_peer_, /*request_peer_update=*/false);
  }();
  if (!updated) {
    return invalidate(updated.error());
  }
  // The KeyUpdate record itself is not fed to sent_records_: engines emit whole records, so
  // leaving one out keeps the framing in step.
  records_sent_under_key_ = 0;
  return {};
}

Result<void> SessionCore::keep_receiving_keys_fresh() {
  if (state_ != SessionState::established || info_.version != ProtocolVersion::tls13 ||
      records_received_since_request_ < limits::key_update_request_factor * key_update_interval()) {
    return {};
  }
  Result<void> updated = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->update_keys(to_peer_, /*request_peer_update=*/true);
  }();
  if (!updated) {
    return invalidate(updated.error());
  }
  records_received_since_request_ = 0;
  records_sent_under_key_ = 0;
  flush();
  return {};
}

namespace {

/// The labels TLS 1.2 derives its own secrets with: RFC 5705 §4 says they "MUST NOT be used"
/// for exporters, and RFC 7627 §4 adds "extended master secret". Refused on every version.
constexpr std::array<std::string_view, 5> reserved_exporter_labels = {
    "client finished", "server finished", "master secret", "key expansion",
    "extended master secret"};

/// RFC 8446 §7.1: HkdfLabel's label is opaque<7..255> and starts with "tls13 ", so an exporter
/// label (Derive-Secret(exporter_master_secret, label, "")) has at least 1 byte and at most 249.
/// GnuTLS 3.7 refuses TLS 1.3 labels of 64 bytes or more; every engine keeps to its bound, so a
/// label works on all of them or on none (registered labels have fewer than 30 bytes).
constexpr std::size_t max_exporter_label = 63;
/// RFC 5705 §4: the context value's length is a uint16.
constexpr std::size_t max_exporter_context = 65535;

}  // namespace

Result<void> SessionCore::export_keying_material(
    std::span<std::byte> out, std::string_view label,
    std::optional<std::span<const std::byte>> context) {
  const auto refuse = [&](Errc code, std::string message) -> Result<void> {
    std::fill(out.begin(), out.end(), std::byte{0});
    return fail(code, std::move(message));
  };
  if (auto usable = check_usable("export_keying_material"); !usable) {
    std::fill(out.begin(), out.end(), std::byte{0});
    return usable;
  }
  if (state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate) {
    return refuse(Errc::api_misuse,
                  "export_keying_material() before the handshake finished; wait until "
                  "handshake_complete()");
  }
  if (out.empty() || out.size() > Session::max_exported_bytes) {
    return refuse(Errc::api_misuse,
                  fmt::format("export_keying_material() exports 1 to {} bytes, not {}",
                              Session::max_exported_bytes, out.size()));
  }
  if (label.empty() || label.size() > max_exporter_label) {
    return refuse(Errc::api_misuse, fmt::format("an exporter label has 1 to {} bytes, not {}",
                                                max_exporter_label, label.size()));
  }
  if (std::find(reserved_exporter_labels.begin(), reserved_exporter_labels.end(), label) !=
      reserved_exporter_labels.end()) {
    return refuse(Errc::api_misuse,
                  fmt::format("the exporter label '{}' is one TLS uses itself (RFC 5705 §4); use "
                              "a label of your own that starts with \"EXPORTER\"",
                              label));
  }
  if (context && context->size() > max_exporter_context) {
    return refuse(Errc::api_misuse,
                  fmt::format("an exporter context has at most {} bytes (RFC 5705 §4), not {}",
                              max_exporter_context, context->size()));
  }
  Result<void> exported = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->export_keying_material(out, label, context);
  }();
  if (!exported) {
    std::fill(out.begin(), out.end(), std::byte{0});
  }
  return exported;
}

Result<void> SessionCore::update_keys() {
  if (auto usable = check_usable("update_keys"); !usable) {
    return usable;
  }
  if (state_ == SessionState::handshaking || state_ == SessionState::waiting_for_certificate) {
    return fail(Errc::api_misuse,
                "update_keys() before the handshake finished; wait until handshake_complete()");
  }
  if (state_ == SessionState::closing || state_ == SessionState::closed) {
    return fail(Errc::closed, "update_keys() after finish(): the session no longer sends data");
  }
  if (info_.version != ProtocolVersion::tls13) {
    return fail(Errc::unsupported,
                "update_keys() needs TLS 1.3: TLS 1.2 has no KeyUpdate (RFC 8446 §4.6.3)");
  }
  Result<void> updated = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->update_keys(to_peer_, /*request_peer_update=*/true);
  }();
  if (!updated) {
    return invalidate(updated.error());
  }
  records_sent_under_key_ = 0;
  records_received_since_request_ = 0;
  flush();
  return {};
}

Result<void> SessionCore::finish() {
  if (auto usable = check_usable("finish"); !usable) {
    return usable;
  }
  if (state_ == SessionState::closing || state_ == SessionState::closed) {
    return {};  // already sent: finishing twice is harmless
  }
  if (state_ != SessionState::established && state_ != SessionState::peer_closed) {
    return fail(Errc::api_misuse,
                "finish() before the handshake finished; to abandon a "
                "handshake, close the transport");
  }
  Result<void> sent = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->close_notify(to_peer_);
  }();
  if (!sent) {
    return invalidate(sent.error());
  }
  sent_close_notify_ = true;
  const bool both_closed = state_ == SessionState::peer_closed;
  state_ = both_closed ? SessionState::closed : SessionState::closing;
  flush();
  if (both_closed) {
    call_close(CloseMode::after_flush);
  }
  return {};
}

Result<void> SessionCore::alert(Alert code, std::optional<AlertLevel> level) {
  // RFC 8446 §6: close_notify and user_canceled are the closure alerts; "All the alerts listed
  // in Section 6.2 MUST be sent with AlertLevel=fatal". close_notify is never fatal (§6.1).
  const bool closure = code == Alert::close_notify || code == Alert::user_canceled;
  const AlertLevel chosen = level.value_or(closure ? AlertLevel::warning : AlertLevel::fatal);
  if ((chosen == AlertLevel::warning && !closure) ||
      (chosen == AlertLevel::fatal && code == Alert::close_notify)) {
    return fail(Errc::invalid_alert_level,
                fmt::format("invalid alert level: {} cannot be sent as a {} alert (RFC 8446 §6: "
                            "only close_notify and user_canceled are warnings, close_notify is "
                            "never fatal)",
                            alert_name(code), chosen == AlertLevel::warning ? "warning" : "fatal"));
  }
  if (code == Alert::close_notify) {
    return finish();
  }
  if (auto usable = check_usable("alert"); !usable) {
    return usable;
  }
  if (state_ == SessionState::closing || state_ == SessionState::closed) {
    return fail(Errc::closed, fmt::format("alert({}) after finish(): the session no longer sends",
                                          alert_name(code)));
  }
  Result<void> sent = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->send_alert(code, chosen, to_peer_);
  }();
  if (!sent && sent.error().code == Errc::unsupported) {
    return sent;  // nothing was sent: the session goes on
  }
  if (!sent) {
    return invalidate(sent.error());
  }
  if (chosen == AlertLevel::warning && handshake_complete_) {
    // RFC 8446 §6.1: user_canceled "SHOULD be followed by a close_notify".
    queued_.clear();
    return finish();
  }
  // A fatal alert ends the session (RFC 8446 §6.2), and so does user_canceled during the
  // handshake: the handshake is abandoned.
  queued_.clear();
  Error error = make_error(
      Errc::closed,
      fmt::format("the application ended the session with a {} alert (alert())", alert_name(code)));
  error.alert_sent = code;
  // The alert went out as asked: success, and the session is now invalidated (failure() says
  // why; the close callback ran).
  (void)invalidate(std::move(error));
  return {};
}

Result<void> SessionCore::answer_certificate(CertificateAnswer answer) {
  if (certificate_answer_.kind != CertificateAnswer::Kind::pending) {
    return fail(Errc::invalidated,
                "the certificate store answered twice for one session; only the first answer "
                "counts");
  }
  if (!certificate_requested_) {
    return fail(Errc::api_misuse, "no certificate was requested from this responder");
  }
  // A chain that no sanstls peer would accept (possible only through hazmat) is refused here,
  // the same way for every engine, instead of reaching the wire.
  if (answer.kind == CertificateAnswer::Kind::provided) {
    const PresentableChains& checked =
        client_ ? client_->presentable_chains : server_->presentable_chains;
    const auto& chain = answer.chain->certificates();
    if (!checked.known(chain)) {
      if (auto presentable = x509::check_presentable(chain); !presentable) {
        presentation_error_ = presentable.error();
        answer =
            CertificateAnswer{.kind = CertificateAnswer::Kind::declined, .chain = std::nullopt};
      } else {
        checked.remember(chain);
      }
    }
  }
  certificate_answer_ = std::move(answer);
  if (in_engine_) {
    return {};  // answered inside select(): the engine picks the answer up when select returns
  }
  if (state_ != SessionState::waiting_for_certificate) {
    return {};  // the session failed or ended meanwhile; nothing waits for the answer
  }
  Result<EngineStatus> status = [&] {
    ScopedFlag busy(in_engine_);
    return engine_->resume(pending_application_data_, to_peer_);
  }();
  return settle(status);
}

Result<void> SessionCore::verify_peer(std::span<const Certificate> chain, const SessionInfo& info) {
  std::size_t chain_bytes = 0;
  for (const auto& certificate : chain) {
    chain_bytes += certificate.der().size();
  }
  if (chain.size() > limits::max_peer_chain_certificates ||
      chain_bytes > limits::max_peer_chain_bytes) {
    Error error = make_error(
        Errc::limit_exceeded,
        fmt::format("the peer sent a chain of {} certificates ({} bytes); sanstls accepts at "
                    "most {} certificates and {} KiB",
                    chain.size(), chain_bytes, limits::max_peer_chain_certificates,
                    limits::max_peer_chain_bytes / 1024));
    error.alert_sent = Alert::bad_certificate;
    return fail(std::move(error));
  }
  info_.peer_certificates.assign(chain.begin(), chain.end());
  const auto now = common().clock ? common().clock() : std::chrono::system_clock::now();
  x509::VerifyRequest request;
  request.presented = chain;
  request.now = now;
  request.libctx = common().library ? common().library->get() : nullptr;
  // Each engine's validator, as backends() reports it (docs/x509.md): the native engine uses
  // sanstls's own, the OpenSSL and GnuTLS engines libcrypto's.
  request.validator = backend_capabilities(common().backend).certificate_validation == "sanstls"
                          ? x509::Validator::sanstls
                          : x509::Validator::openssl;
  if (client_) {
    request.trust = &client_->config.trust;
    request.purpose = x509::Purpose::server_auth;
    request.server_name = &client_->config.server_name;
    request.verifiers = &client_->verifiers;
  } else {
    request.trust = &*server_->config.client_trust;
    request.purpose = x509::Purpose::client_auth;
    request.verifiers = &server_->verifiers;
  }
  if (auto verdict = x509::verify_chain(request); !verdict) {
    return verdict;
  }
  if (callbacks_.verify) {
    SessionInfo snapshot = info;
    snapshot.peer_certificates = info_.peer_certificates;
    snapshot.server_name = info.server_name.empty() ? info_.server_name : info.server_name;
    Result<void> user_verdict;
    ScopedFlag busy(in_callback_);
    auto called = call_user("verify", [&] { user_verdict = callbacks_.verify(chain, snapshot); });
    if (!called || !user_verdict) {
      Error error =
          make_error(Errc::certificate_rejected,
                     fmt::format("the verify callback rejected the certificate: {}",
                                 called ? user_verdict.error().message : called.error().message));
      error.certificate_problem = CertificateProblem::rejected_by_callback;
      error.alert_sent = Alert::bad_certificate;
      return fail(std::move(error));
    }
  }
  info_.peer_verified = true;
  return {};
}

CertificateAnswer SessionCore::select_server_certificate(const ServerCertificateQuery& query) {
  if (!certificate_requested_) {
    certificate_requested_ = true;
    info_.server_name = query.server_name;
    CertificateResponder responder{weak_from_this()};
    ScopedFlag busy(in_callback_);
    (void)call_user("certificate selection",
                    [&] { server_->config.certificates->select(query, responder); });
  }
  return certificate_answer_;
}

CertificateAnswer SessionCore::select_client_certificate(const ClientCertificateQuery& query) {
  if (!client_->config.client_certificates) {
    return CertificateAnswer{.kind = CertificateAnswer::Kind::declined, .chain = std::nullopt};
  }
  if (!certificate_requested_) {
    certificate_requested_ = true;
    CertificateResponder responder{weak_from_this()};
    ScopedFlag busy(in_callback_);
    (void)call_user("client certificate selection",
                    [&] { client_->config.client_certificates->select(query, responder); });
  }
  return certificate_answer_;
}

void SessionCore::key_log(std::string_view line) {
  const auto& hazmat = common().hazmat;
  if (hazmat && hazmat->key_log) {
    (void)call_user("key log", [&] { hazmat->key_log(line); });
  }
}

bool SessionCore::key_log_enabled() const {
  const auto& hazmat = common().hazmat;
  return hazmat && hazmat->key_log;
}

// ---- Resumption and 0-RTT (the core's decisions; engine.hpp) ----------------------------------

std::string SessionCore::store_key() const {
  // Host names hold no '|', so the key is unambiguous whatever the identity holds.
  return client_->config.server_name.text() + "|" + client_->config.session_identity;
}

std::optional<ResumptionOffer> SessionCore::take_session_to_resume() {
  if (!client_ || !client_->config.session_store) {
    return std::nullopt;
  }
  const auto now = common().clock();
  const std::string key = store_key();
  for (std::size_t attempt = 0; attempt < limits::max_stored_sessions_tried; ++attempt) {
    StoredSession stored;
    ScopedFlag busy(in_callback_);
    if (!call_user("session store take",
                   [&] { stored = client_->config.session_store->take(key); }) ||
        stored.empty()) {
      return std::nullopt;
    }
    auto record = parse_client_session(stored.bytes());
    // Another engine's, another configuration's (trust, policy, name) or expired: dropped (take()
    // removed it), never offered.
    if (!record || record->backend != common().backend ||
        record->fingerprint != client_->fingerprint || record->expires <= now) {
      continue;
    }
    ResumptionOffer offer{std::move(record->engine_state), record->max_early_data, record->alpn};
    offered_ = std::move(*record);
    return offer;
  }
  return std::nullopt;
}

std::span<const std::byte> SessionCore::early_data_to_send() const { return early_data_; }

void SessionCore::session_ticket_received(base::SecretBytes engine_state,
                                          std::chrono::seconds lifetime,
                                          std::uint32_t max_early_data) {
  if (!client_ || !client_->config.session_store || state_ == SessionState::invalidated ||
      !engine_ || lifetime.count() <= 0) {
    return;  // RFC 8446 §4.6.1: a lifetime of 0 means "discard it"
  }
  // Once the core saw the handshake complete, its info_ is the settled view; a ticket that comes
  // in the same call as the end of the handshake (TLS 1.2) needs the engine's own view.
  const SessionInfo now = handshake_complete_ ? info_ : engine_->info();
  ClientSessionRecord record;
  if (now.resumed) {
    if (!offered_) {
      return;
    }
    record.peer_chain = offered_->peer_chain;
  } else {
    if (!info_.peer_verified) {
      return;  // only a verified server's tickets are kept
    }
    for (const Certificate& certificate : info_.peer_certificates) {
      record.peer_chain.emplace_back(certificate.der().begin(), certificate.der().end());
    }
  }
  if (!now.version || !now.cipher_suite) {
    return;
  }
  record.backend = common().backend;
  record.fingerprint = client_->fingerprint;
  record.expires = common().clock() + std::min(lifetime, limits::max_ticket_lifetime);
  record.max_early_data = max_early_data;
  record.version = *now.version;
  record.cipher_suite = *now.cipher_suite;
  record.alpn = now.alpn;
  record.engine_state = std::move(engine_state);
  auto bytes = encode(record);
  if (!bytes) {
    return;
  }
  StoredSession stored({reinterpret_cast<const std::byte*>(bytes->data()), bytes->size()},
                       record.expires);
  ScopedFlag busy(in_callback_);
  (void)call_user("session store put",
                  [&] { client_->config.session_store->put(store_key(), std::move(stored)); });
}

Bytes SessionCore::ticket_context() {
  if (!server_ || !engine_ || state_ == SessionState::invalidated) {
    return {};
  }
  if (!lineage_) {
    SessionLineage lineage;
    if (RAND_bytes_ex(common().library->get(), lineage.id.data(), lineage.id.size(), 0) != 1) {
      return {};
    }
    lineage.started = common().clock();
    lineage_ = lineage;
  }
  const SessionInfo now = engine_->info();
  TicketContext context;
  context.lineage = *lineage_;
  context.server_name = now.server_name.empty() ? info_.server_name : now.server_name;
  context.alpn = now.alpn;
  if (now.resumed && resumed_context_) {
    context.peer_chain = resumed_context_->peer_chain;
  } else if (info_.peer_verified) {
    for (const Certificate& certificate : info_.peer_certificates) {
      context.peer_chain.emplace_back(certificate.der().begin(), certificate.der().end());
    }
  }
  auto bytes = encode(context);
  return bytes ? std::move(*bytes) : Bytes{};
}

bool SessionCore::accept_resumption(std::span<const std::byte> context) {
  if (!server_ || !server_->resumption) {
    return false;
  }
  auto parsed = parse_ticket_context(context);
  if (!parsed || server_->resumption->revoked(parsed->lineage)) {
    return false;
  }
  lineage_ = parsed->lineage;  // a failure of this session revokes the whole lineage
  resumed_context_ = std::move(*parsed);
  return true;
}

bool SessionCore::accept_early_data(std::span<const std::byte> ticket_identity,
                                    std::chrono::milliseconds ticket_age,
                                    std::chrono::system_clock::time_point issued) {
  if (!server_ || !server_->resumption || !server_->config.early_data.enabled ||
      !callbacks_.early_data) {
    return false;
  }
  // RFC 8446 §8.3: the client's idea of when the ticket was issued must match the server's
  // within the window, so a recorded ClientHello stops working once the window is over.
  const auto now = common().clock();
  const auto expected = issued + ticket_age;
  const auto skew = now > expected ? now - expected : expected - now;
  if (skew > server_->config.early_data.freshness_window) {
    return false;
  }
  return server_->resumption->admit_early_data(ticket_identity, issued);
}

void SessionCore::early_data_received(std::span<const std::byte> data) {
  if (!callbacks_.early_data || data.empty()) {
    return;
  }
  ScopedFlag busy(in_callback_);
  (void)call_user("early_data", [&] { callbacks_.early_data(data); });
}

Result<void> SessionCore::restore_resumed_identity(const SessionInfo& engine_info) {
  const PeerCertificateCache& cache =
      client_ ? client_->restored_certificates : server_->restored_certificates;
  const std::vector<std::vector<std::byte>>* chain = nullptr;
  if (client_) {
    if (!offered_) {
      return fail(Errc::internal_error,
                  "the engine reports a resumed session although none was offered");
    }
    // The resumed session keeps what the original one established (issue 14; RFC 8446
    // §4.2.10 for 0-RTT): another ALPN protocol means another application context.
    if (engine_info.alpn != offered_->alpn) {
      return fail(Errc::handshake_failure,
                  fmt::format("the server resumed a session made with ALPN '{}' but chose '{}'; "
                              "connect again (the stored session was dropped)",
                              offered_->alpn, engine_info.alpn));
    }
    chain = &offered_->peer_chain;
  } else {
    if (!resumed_context_) {
      return fail(Errc::internal_error,
                  "the engine reports a resumed session without an accepted ticket");
    }
    if (engine_info.server_name != resumed_context_->server_name ||
        engine_info.alpn != resumed_context_->alpn) {
      return fail(Errc::handshake_failure,
                  fmt::format("the client resumed a session made for server name '{}' and ALPN "
                              "'{}' with server name '{}' and ALPN '{}'",
                              resumed_context_->server_name, resumed_context_->alpn,
                              engine_info.server_name, engine_info.alpn));
    }
    chain = &resumed_context_->peer_chain;
  }
  std::vector<Certificate> restored;
  for (const auto& der : *chain) {
    auto certificate = cache.get(der);
    if (!certificate) {
      return fail(Errc::internal_error, "a resumed session's peer certificate no longer parses");
    }
    restored.push_back(std::move(*certificate));
  }
  // The built-in checks ran in the original handshake. The verify callback belongs to this
  // session, and may judge differently from the one that approved the original (a new pin, a
  // revocation list): it runs again, on the original chain. A refusal ends this session (there
  // is no alert for it after a resumed handshake completed; the stored tickets are dropped).
  if (callbacks_.verify && !restored.empty()) {
    SessionInfo snapshot = engine_info;
    snapshot.peer_certificates = restored;
    Result<void> user_verdict;
    ScopedFlag busy(in_callback_);
    auto called =
        call_user("verify", [&] { user_verdict = callbacks_.verify(restored, snapshot); });
    if (!called || !user_verdict) {
      Error error = make_error(
          Errc::certificate_rejected,
          fmt::format("the verify callback rejected the certificate of the resumed session: {}",
                      called ? user_verdict.error().message : called.error().message));
      error.certificate_problem = CertificateProblem::rejected_by_callback;
      return fail(std::move(error));
    }
  }
  // A client always verified the server's chain; a server verified a client chain only when
  // the original session had one.
  info_.peer_verified = client_ != nullptr || !restored.empty();
  info_.peer_certificates = std::move(restored);
  return {};
}

void SessionCore::drop_resumption_data() {
  if (client_ && client_->config.session_store) {
    ScopedFlag busy(in_callback_);
    (void)call_user("session store forget",
                    [&] { client_->config.session_store->forget(store_key()); });
  }
  if (server_ && server_->resumption && lineage_) {
    server_->resumption->revoke(*lineage_);
  }
}

}  // namespace sanstls::core
