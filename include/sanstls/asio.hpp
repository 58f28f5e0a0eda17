// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file asio.hpp
/// sanstls over standalone Asio: `sanstls::asio::stream<NextLayer>`, used the way
/// `asio::ssl::stream` is used. Header-only, over the public sanstls API; the library itself
/// stays free of IO. Needs standalone Asio (namespace `asio`, Debian: libasio-dev) and, in
/// CMake, the target `sanstls::asio`.
///
///   asio::ip::tcp::socket socket = ...;                       // connected
///   sanstls::asio::stream<asio::ip::tcp::socket> tls{std::move(socket),
///                                                   sanstls::ClientTLS{"example.org"}};
///   co_await tls.async_handshake(asio::use_awaitable);
///   co_await asio::async_write(tls, asio::buffer(request), asio::use_awaitable);
///
/// Contract (as asio::ssl::stream):
/// - The role comes from the configuration: a ClientTLS makes a client, a ServerTLS a server.
/// - At most one read (async_read_some, or a composed read over it) and one write
///   (async_write_some, or a composed write) may be outstanding at a time, and they may run
///   concurrently. async_handshake and async_shutdown count as both: run nothing else with them.
///   Every operation on one stream runs on the stream's executor (use a strand when several
///   threads run the io_context).
/// - A read after the peer's close_notify completes with asio::error::eof; an end of stream
///   without it completes with sanstls::Errc::truncated (the data may have been cut short).
/// - Failures are std::error_code values in sanstls::error_category() (value: sanstls::Errc),
///   or the next layer's own errors. The code's message() is the kind of failure
///   ("certificate_rejected"); the full sentence (what failed, what to do) is
///   `stream.last_error()->message`, or `stream.error_message(ec)`. The synchronous overloads
///   without an error_code& throw asio::system_error whose what() holds that sentence.
/// - Per-operation cancellation (cancellation slots, e.g. asio::bind_cancellation_slot or
///   asio::experimental::awaitable_operators): a read cancels while it waits for the peer, a
///   handshake also while it waits for a certificate store; a write cancels only while it waits
///   for its turn, never in the middle of records (that would corrupt the stream).
/// - Certificate stores that answer later (certificate_stores.hpp): the handshake operation
///   suspends, not the thread. Answer on the stream's executor, e.g.
///   `asio::post(tls.get_executor(), [responder] { (void)responder.provide(chain); })`; the
///   handshake continues from there. The synchronous handshake() cannot wait for such a store
///   and fails with Errc::api_misuse.

#include <sanstls/sanstls.hpp>

#include <algorithm>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/system_error.hpp>
#include <asio/write.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace sanstls::asio {

namespace detail {

/// What an operation needs next from the next layer.
enum class want : std::uint8_t {
  start,   // not started yet
  write,   // write the whole of engine::flight_
  read,    // read some bytes into engine::input_
  wait,    // wait until woken (another operation's flush ended, or a certificate store answered)
  done,    // complete the operation
  posted,  // completed at once: the completion was posted (async only)
};

struct step {
  want what = want::done;
  std::error_code ec;
  std::size_t bytes = 0;
};

inline step done(std::error_code ec, std::size_t bytes = 0) { return {want::done, ec, bytes}; }

/// The stream's state, shared by its operations. Lives on the heap so that the session's
/// callbacks (which point here) survive moving the stream.
class engine {
 public:
  template <class Executor>
  explicit engine(const Executor& executor)
      : wake_(executor, ::asio::steady_timer::time_point::max()) {
    input_.resize(input_size);
  }
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine() = default;

  template <class Config>
  void start(const Config& config) {
    SessionCallbacks callbacks;
    callbacks.write = [this](std::span<const std::byte> bytes) {
      pending_.insert(pending_.end(), bytes.begin(), bytes.end());
      wake();
    };
    // The session is done with the transport: an operation waiting for a certificate store's
    // answer must look again (a declined answer may have failed the handshake).
    callbacks.close = [this](CloseMode /*mode*/) { wake(); };
    auto session = config.start(std::move(callbacks));
    if (session) {
      session_.emplace(std::move(*session));
    } else {
      error_ = std::move(session.error());
    }
  }

  /// Records `error` as the last error and returns its code.
  std::error_code fail(Error error) {
    const auto code = error.code;
    error_ = std::move(error);
    return make_error_code(code);
  }

  /// The error that ended the session (or stopped it from starting), or nullopt.
  [[nodiscard]] std::optional<std::error_code> broken() {
    if (!session_) {
      return make_error_code(error_ ? error_->code : Errc::internal_error);
    }
    if (const Error* failure = session_->failure()) {
      return fail(*failure);
    }
    return std::nullopt;
  }

  /// Moves what the session wrote into the flight buffer, unless a flush is running.
  bool start_flush() {
    if (writing_ || pending_.empty()) {
      return false;
    }
    flight_.clear();
    flight_.swap(pending_);
    writing_ = true;
    return true;
  }

  /// After a flush: flush again what came meanwhile (the flushing operation drains the
  /// buffer, so bytes another operation produced meanwhile go out too), or end the flush.
  std::optional<step> after_write(std::error_code ec) {
    writing_ = false;
    flight_.clear();
    if (ec) {
      wake();
      return done(ec);
    }
    if (start_flush()) {
      return step{want::write};
    }
    wake();
    return std::nullopt;
  }

  /// Feeds what a read brought (or its end of stream) into the session.
  std::optional<step> after_read(std::error_code ec, std::size_t bytes) {
    if (ec == ::asio::error::eof) {
      transport_eof_ = true;
      if (auto closed = session_->receive_eof(); !closed) {
        // Errc::truncated: the transport ended before the peer's close_notify. The error
        // stays the session's failure, so later reads report the same.
        return done(fail(closed.error()));
      }
      return std::nullopt;
    }
    if (ec) {
      return done(ec);
    }
    // A failure (a bad record, an alert) invalidates the session: it is reported through
    // broken() once the alert the session wrote was flushed.
    (void)session_->receive_data(std::span<const std::byte>{input_.data(), bytes}, data_);
    return std::nullopt;
  }

  [[nodiscard]] bool peer_closed() const {
    const auto state = session_->state();
    return transport_eof_ || state == SessionState::peer_closed || state == SessionState::closed;
  }

  [[nodiscard]] bool has_data() const { return data_read_ < data_.size(); }

  /// Copies received application data into `buffers`.
  template <class MutableBuffers>
  std::size_t take_data(const MutableBuffers& buffers) {
    const std::size_t copied = ::asio::buffer_copy(
        buffers, ::asio::buffer(data_.data() + data_read_, data_.size() - data_read_));
    data_read_ += copied;
    if (data_read_ == data_.size()) {
      data_.clear();
      data_read_ = 0;
    }
    return copied;
  }

  void wake() {
    if (waiters_ > 0) {
      wake_.cancel();
    }
  }

  static constexpr std::size_t input_size = 18 * 1024;
  /// The most plaintext one write_some takes (four full records).
  static constexpr std::size_t max_write = 4 * 16384;

  std::optional<Session> session_;
  std::optional<Error> error_;
  std::vector<std::byte> pending_;  // written by the session, not yet on the way
  std::vector<std::byte> flight_;   // on the way to the next layer
  bool writing_ = false;
  std::vector<std::byte> input_;  // read from the next layer
  std::vector<std::byte> data_;   // application data not yet read by the user
  std::size_t data_read_ = 0;
  bool transport_eof_ = false;
  int waiters_ = 0;
  ::asio::steady_timer wake_;
};

/// The handshake: flush, read, and wait for certificate stores until the handshake is complete.
struct handshake_logic {
  static constexpr bool has_size = false;

  step resume(engine& e, want last, std::error_code ec, std::size_t bytes) {
    if (last == want::write) {
      if (auto next = e.after_write(ec)) {
        return *next;
      }
    } else if (last == want::read) {
      if (auto next = e.after_read(ec, bytes)) {
        return *next;
      }
    }
    if (!e.session_) {
      return done(*e.broken());
    }
    if (e.start_flush()) {
      return {want::write};
    }
    if (auto failed = e.broken()) {
      return done(*failed);
    }
    if (e.session_->handshake_complete()) {
      return done({});
    }
    if (e.session_->state() == SessionState::waiting_for_certificate || e.writing_) {
      return {want::wait};
    }
    return {want::read};
  }
};

/// One read: received data if there is some, else read from the next layer until there is.
template <class MutableBuffers>
struct read_logic {
  static constexpr bool has_size = true;
  MutableBuffers buffers;

  step resume(engine& e, want last, std::error_code ec, std::size_t bytes) {
    if (last == want::start && ::asio::buffer_size(buffers) == 0) {
      return done({}, 0);
    }
    if (last == want::write) {
      if (auto next = e.after_write(ec)) {
        return *next;
      }
    } else if (last == want::read) {
      if (auto next = e.after_read(ec, bytes)) {
        return *next;
      }
    }
    if (!e.session_) {
      return done(*e.broken());
    }
    // Replies the session owes the peer (a KeyUpdate answer, an alert) go out first; when a
    // write is flushing already, it takes them along.
    if (e.start_flush()) {
      return {want::write};
    }
    if (e.has_data()) {
      return done({}, e.take_data(buffers));
    }
    if (auto failed = e.broken()) {
      return done(*failed);
    }
    if (e.peer_closed()) {
      return done(::asio::error::eof);
    }
    if (!e.session_->handshake_complete()) {
      return done(e.fail(make_error(
          Errc::api_misuse, "a read before the handshake completed; run async_handshake first")));
    }
    return {want::read};
  }
};

/// One write: encrypt up to max_write bytes of the first non-empty buffer and flush them.
template <class ConstBuffers>
struct write_logic {
  static constexpr bool has_size = true;
  ConstBuffers buffers;
  std::size_t accepted = 0;
  bool sent = false;

  step resume(engine& e, want last, std::error_code ec, std::size_t /*bytes*/) {
    if (last == want::write) {
      if (auto next = e.after_write(ec)) {
        return *next;
      }
      return done({}, accepted);
    }
    if (!e.session_) {
      return done(*e.broken());
    }
    if (sent) {  // woken while another operation flushed our records along
      return e.writing_ ? step{want::wait} : done({}, accepted);
    }
    ::asio::const_buffer first;
    for (auto it = ::asio::buffer_sequence_begin(buffers);
         it != ::asio::buffer_sequence_end(buffers); ++it) {
      if (::asio::const_buffer buffer{*it}; buffer.size() > 0) {
        first = buffer;
        break;
      }
    }
    if (first.size() == 0) {
      return done({}, 0);
    }
    if (e.writing_) {  // a read is flushing a reply: our records go after it
      return {want::wait};
    }
    if (auto failed = e.broken()) {
      return done(*failed);
    }
    accepted = std::min(first.size(), engine::max_write);
    if (auto written = e.session_->write_data(
            std::span<const std::byte>{static_cast<const std::byte*>(first.data()), accepted});
        !written) {
      return done(e.fail(written.error()));
    }
    sent = true;
    if (e.start_flush()) {
      return {want::write};
    }
    return done({}, accepted);
  }
};

/// The shutdown: send close_notify, then read until the peer's close_notify. Application data
/// that was received but not read before the shutdown started stays for later reads; data the
/// peer sends during the shutdown is discarded (the caller chose to stop reading, and keeping
/// it would let a peer that never closes grow the stream's memory without bound).
struct shutdown_logic {
  static constexpr bool has_size = false;
  bool finished = false;

  step resume(engine& e, want last, std::error_code ec, std::size_t bytes) {
    if (last == want::write) {
      if (auto next = e.after_write(ec)) {
        return *next;
      }
    } else if (last == want::read) {
      const std::size_t kept = e.data_.size();
      auto next = e.after_read(ec, bytes);
      e.data_.resize(kept);  // discard what arrived during the shutdown
      if (next) {
        return *next;
      }
    }
    if (!e.session_) {
      return done(*e.broken());
    }
    if (!finished) {
      finished = true;
      const auto state = e.session_->state();
      if (state != SessionState::closing && state != SessionState::closed) {
        if (auto sent = e.session_->finish(); !sent) {
          return done(e.fail(sent.error()));
        }
      }
    }
    if (e.start_flush()) {
      return {want::write};
    }
    if (e.writing_) {
      return {want::wait};
    }
    if (auto failed = e.broken()) {
      return done(*failed);
    }
    if (e.session_->state() == SessionState::closed || e.transport_eof_) {
      return done({});
    }
    return {want::read};
  }
};

/// Runs one operation's logic asynchronously (the body of an asio::async_compose).
template <class Logic, class NextLayer>
class async_op {
 public:
  async_op(NextLayer& next, engine& state, Logic logic)
      : next_(next), engine_(state), logic_(std::move(logic)) {}

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, std::size_t bytes = 0) {
    if (last_ == want::posted) {
      return complete(self, result_);
    }
    if (last_ == want::wait) {
      --engine_.waiters_;
      if (self.get_cancellation_state().cancelled() != ::asio::cancellation_type::none) {
        return complete(self, done(::asio::error::operation_aborted));
      }
      ec = {};
    }
    const want previous = last_;
    const step next = logic_.resume(engine_, previous, ec, bytes);
    last_ = next.what;
    switch (next.what) {
      case want::write:
        // Records are never cut short by a cancellation: the stream would be corrupt.
        ::asio::async_write(
            next_, ::asio::buffer(engine_.flight_),
            ::asio::bind_cancellation_slot(::asio::cancellation_slot(), std::move(self)));
        return;
      case want::read:
        next_.async_read_some(::asio::buffer(engine_.input_), std::move(self));
        return;
      case want::wait:
        ++engine_.waiters_;
        engine_.wake_.async_wait(std::move(self));
        return;
      case want::start:
      case want::posted:
      case want::done:
        break;
    }
    if (previous == want::start) {
      // Completed without waiting for anything: never call the handler from inside the
      // initiating function.
      result_ = next;
      last_ = want::posted;
      ::asio::post(std::move(self));
      return;
    }
    complete(self, next);
  }

 private:
  template <class Self>
  void complete(Self& self, const step& result) {
    if constexpr (Logic::has_size) {
      self.complete(result.ec, result.bytes);
    } else {
      self.complete(result.ec);
    }
  }

  NextLayer& next_;
  engine& engine_;
  Logic logic_;
  want last_ = want::start;
  step result_;
};

/// Runs one operation's logic with the next layer's blocking calls.
template <class Logic, class NextLayer>
std::size_t run_sync(NextLayer& next, engine& e, Logic logic, std::error_code& ec) {
  want last = want::start;
  std::error_code io_error;
  std::size_t bytes = 0;
  for (;;) {
    const step now = logic.resume(e, last, io_error, bytes);
    last = now.what;
    io_error = {};
    bytes = 0;
    switch (now.what) {
      case want::write:
        bytes = ::asio::write(next, ::asio::buffer(e.flight_), io_error);
        break;
      case want::read:
        bytes = next.read_some(::asio::buffer(e.input_), io_error);
        break;
      case want::wait:
        ec = e.fail(make_error(
            Errc::api_misuse,
            "the synchronous call would have to wait for a certificate store's answer (or for "
            "another operation); use the asynchronous operations with stores that answer later"));
        return 0;
      case want::start:
      case want::posted:
      case want::done:
        ec = now.ec;
        return now.bytes;
    }
  }
}

}  // namespace detail

/// A TLS stream over `NextLayer` (usually asio::ip::tcp::socket), modelled on asio::ssl::stream.
template <class NextLayer>
class stream {
 public:
  /// The stream below TLS (NextLayer without a reference).
  using next_layer_type = std::remove_reference_t<NextLayer>;
  /// The lowest layer of the next layer (the socket).
  using lowest_layer_type = typename next_layer_type::lowest_layer_type;
  /// The next layer's executor: the stream's operations run and complete there.
  using executor_type = typename next_layer_type::executor_type;

  /// A client stream: `arg` constructs the next layer (an executor, an io_context, a moved-in
  /// socket). The ClientHello is ready at once; async_handshake sends it. A configuration
  /// error is reported by the handshake.
  template <class Arg>
  stream(Arg&& arg, const ClientTLS& config)
      : next_(std::forward<Arg>(arg)),
        engine_(std::make_unique<detail::engine>(next_.get_executor())) {
    engine_->start(config);
  }
  /// A server stream: it waits for the client's first bytes in async_handshake.
  template <class Arg>
  stream(Arg&& arg, const ServerTLS& config)
      : next_(std::forward<Arg>(arg)),
        engine_(std::make_unique<detail::engine>(next_.get_executor())) {
    engine_->start(config);
  }
  /// Moving is allowed while no operation is outstanding.
  stream(stream&&) noexcept = default;
  /// Moving is allowed while no operation is outstanding (on either stream).
  stream& operator=(stream&&) noexcept = default;
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() = default;

  /// The next layer's executor.
  executor_type get_executor() noexcept { return next_.get_executor(); }
  /// The stream below TLS (for its options; do not read or write it directly).
  next_layer_type& next_layer() noexcept { return next_; }
  /// The stream below TLS.
  const next_layer_type& next_layer() const noexcept { return next_; }
  /// The socket at the bottom (to close it, set options, or read its endpoints).
  lowest_layer_type& lowest_layer() noexcept { return next_.lowest_layer(); }
  /// The socket at the bottom.
  const lowest_layer_type& lowest_layer() const noexcept { return next_.lowest_layer(); }

  /// True when the configuration started a session; false when it was refused (the reason is
  /// last_error(), and the handshake fails with it).
  [[nodiscard]] bool has_session() const noexcept { return engine_->session_.has_value(); }
  /// The session (info(), export_keying_material(), update_keys(), ...). Requires
  /// has_session().
  Session& session() noexcept { return *engine_->session_; }
  /// The session, read-only. Requires has_session().
  const Session& session() const noexcept { return *engine_->session_; }

  /// The last sanstls error an operation of this stream completed with (the full message is
  /// `last_error()->message`), or nullptr. Errors of the next layer are not kept here.
  [[nodiscard]] const Error* last_error() const noexcept {
    return engine_->error_ ? &*engine_->error_ : nullptr;
  }
  /// The sentence to show for `ec`: the sanstls error's message when `ec` is the last sanstls
  /// error, else ec.message().
  [[nodiscard]] std::string error_message(const std::error_code& ec) const {
    if (ec.category() == error_category() && engine_->error_ &&
        ec == make_error_code(engine_->error_->code)) {
      return engine_->error_->message;
    }
    return ec.message();
  }

  // --- Asynchronous operations --------------------------------------------------------------

  /// Runs the handshake. Completes once it is complete (the peer authenticated).
  template <class CompletionToken = ::asio::default_completion_token_t<executor_type>>
  auto async_handshake(
      CompletionToken&& token = ::asio::default_completion_token_t<executor_type>{}) {
    return ::asio::async_compose<CompletionToken, void(std::error_code)>(
        detail::async_op<detail::handshake_logic, next_layer_type>{next_, *engine_, {}}, token,
        next_);
  }

  /// Reads some application data. eof after the peer's close_notify; Errc::truncated when the
  /// transport ended without it.
  template <class MutableBuffers,
            class CompletionToken = ::asio::default_completion_token_t<executor_type>>
  auto async_read_some(
      const MutableBuffers& buffers,
      CompletionToken&& token = ::asio::default_completion_token_t<executor_type>{}) {
    return ::asio::async_compose<CompletionToken, void(std::error_code, std::size_t)>(
        detail::async_op<detail::read_logic<MutableBuffers>, next_layer_type>{
            next_, *engine_, detail::read_logic<MutableBuffers>{buffers}},
        token, next_);
  }

  /// Writes some application data (at most 64 KiB per call); completes once its records were
  /// written to the next layer.
  template <class ConstBuffers,
            class CompletionToken = ::asio::default_completion_token_t<executor_type>>
  auto async_write_some(
      const ConstBuffers& buffers,
      CompletionToken&& token = ::asio::default_completion_token_t<executor_type>{}) {
    return ::asio::async_compose<CompletionToken, void(std::error_code, std::size_t)>(
        detail::async_op<detail::write_logic<ConstBuffers>, next_layer_type>{
            next_, *engine_, detail::write_logic<ConstBuffers>{buffers}},
        token, next_);
  }

  /// Sends close_notify and waits for the peer's (data that arrives first stays readable).
  /// After the peer's close_notify (a read gave eof) it only sends ours.
  template <class CompletionToken = ::asio::default_completion_token_t<executor_type>>
  auto async_shutdown(
      CompletionToken&& token = ::asio::default_completion_token_t<executor_type>{}) {
    return ::asio::async_compose<CompletionToken, void(std::error_code)>(
        detail::async_op<detail::shutdown_logic, next_layer_type>{next_, *engine_, {}}, token,
        next_);
  }

  // --- Synchronous operations ---------------------------------------------------------------

  /// Runs the handshake to completion, blocking; `ec` says why it failed.
  void handshake(std::error_code& ec) {
    detail::run_sync(next_, *engine_, detail::handshake_logic{}, ec);
  }
  /// The same, throwing asio::system_error (its what() holds the sanstls message).
  void handshake() {
    std::error_code ec;
    handshake(ec);
    throw_if(ec);
  }

  /// Reads at least one byte of application data, blocking; asio::error::eof after the peer's
  /// close_notify, Errc::truncated on end of stream without it.
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec) {
    return detail::run_sync(next_, *engine_, detail::read_logic<MutableBuffers>{buffers}, ec);
  }
  /// The same, throwing asio::system_error.
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    std::error_code ec;
    const std::size_t bytes = read_some(buffers, ec);
    throw_if(ec);
    return bytes;
  }

  /// Encrypts and sends some of `buffers` (returns how many bytes were taken), blocking.
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, std::error_code& ec) {
    return detail::run_sync(next_, *engine_, detail::write_logic<ConstBuffers>{buffers}, ec);
  }
  /// The same, throwing asio::system_error.
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    std::error_code ec;
    const std::size_t bytes = write_some(buffers, ec);
    throw_if(ec);
    return bytes;
  }

  /// Sends close_notify and reads until the peer's, blocking (data arriving meanwhile is
  /// discarded).
  void shutdown(std::error_code& ec) {
    detail::run_sync(next_, *engine_, detail::shutdown_logic{}, ec);
  }
  /// The same, throwing asio::system_error.
  void shutdown() {
    std::error_code ec;
    shutdown(ec);
    throw_if(ec);
  }

 private:
  void throw_if(const std::error_code& ec) const {
    if (ec) {
      throw ::asio::system_error(ec, error_message(ec));
    }
  }

  NextLayer next_;
  std::unique_ptr<detail::engine> engine_;
};

}  // namespace sanstls::asio
