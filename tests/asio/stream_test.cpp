// SPDX-License-Identifier: Apache-2.0 OR MIT
// sanstls::asio::stream over TCP on 127.0.0.1, for every client engine × server engine pair.
// Each test runs its io_context on two threads, every stream on its own strand, so that the
// TSan build checks the full-duplex contract (one read and one write at once on one stream).

#include <sanstls/asio.hpp>
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using sanstls::test::EnginePair;
using sanstls::test::TestPki;
using tcp = asio::ip::tcp;
using Stream = sanstls::asio::stream<tcp::socket>;
using asio::awaitable;
using asio::use_awaitable;

/// A TCP socket that writes at most 4 KiB per async_write_some (so a stream's write stays under
/// way across many completions) and counts overlapping writes: a stream must never run two
/// writes on its next layer at once, or records would interleave.
class CheckedSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket::lowest_layer_type;

  explicit CheckedSocket(tcp::socket socket) : socket_(std::move(socket)) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() noexcept { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const noexcept { return socket_.lowest_layer(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const asio::const_buffer first = *asio::buffer_sequence_begin(buffers);
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        [this, first, started = false](auto& self, std::error_code ec = {},
                                       std::size_t bytes = 0) mutable {
          if (!started) {
            started = true;
            if (writes_++ > 0) {
              ++overlaps;
            }
            socket_.async_write_some(asio::buffer(first, 4096), std::move(self));
            return;
          }
          --writes_;
          self.complete(ec, bytes);
        },
        token, socket_);
  }

  int overlaps = 0;  // only touched on the stream's strand

 private:
  tcp::socket socket_;
  int writes_ = 0;
};

class AsioStream : public ::testing::TestWithParam<EnginePair> {
 protected:
  static const TestPki& pki() { return TestPki::shared(); }

  [[nodiscard]] sanstls::ClientTLS client_tls(std::string name = "localhost") const {
    sanstls::ClientOptions options;
    options.trust = pki().trust_store();
    options.backend = GetParam().client;
    return sanstls::ClientTLS{std::move(name), std::move(options)};
  }
  [[nodiscard]] sanstls::ServerOptions server_options() const {
    sanstls::ServerOptions options;
    options.backend = GetParam().server;
    return options;
  }
  [[nodiscard]] sanstls::ServerTLS server_tls() const {
    return sanstls::ServerTLS{pki().server(), server_options()};
  }

  /// A connected pair of sockets on 127.0.0.1, each on its own strand.
  std::pair<tcp::socket, tcp::socket> connect() {
    tcp::acceptor acceptor{io_, {asio::ip::address_v4::loopback(), 0}};
    tcp::socket client{asio::make_strand(io_)};
    tcp::socket server{asio::make_strand(io_)};
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    return {std::move(client), std::move(server)};
  }

  /// Runs the io_context on two threads until every coroutine finished (or 20 s passed).
  void run() {
    std::thread second{[this] { io_.run_for(20s); }};
    io_.run_for(20s);
    second.join();
  }

  /// Starts a coroutine on `executor` (a stream's strand: the stream's operations and their
  /// completions must run there); `finished_` counts the ones that ran to their end.
  void spawn(const asio::any_io_executor& executor, std::function<awaitable<void>()> body) {
    ++started_;
    asio::co_spawn(executor, std::move(body), [this](const std::exception_ptr& error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "coroutine threw: " << e.what();
        }
      }
      ++finished_;
    });
  }

  /// The results of both handshakes, each run to its end.
  struct HandshakeResults {
    std::error_code client;
    std::error_code server;
  };
  HandshakeResults handshake_both(Stream& client, Stream& server) {
    HandshakeResults results;
    spawn(server.get_executor(), [&]() -> awaitable<void> {
      co_await server.async_handshake(asio::redirect_error(use_awaitable, results.server));
    });
    spawn(client.get_executor(), [&]() -> awaitable<void> {
      co_await client.async_handshake(asio::redirect_error(use_awaitable, results.client));
    });
    run();
    return results;
  }

  void TearDown() override { EXPECT_EQ(finished_.load(), started_) << "a coroutine did not end"; }

  asio::io_context io_;
  int started_ = 0;
  std::atomic<int> finished_{0};
};

/// Reads until end of stream; returns the error that ended it.
awaitable<std::error_code> read_to_end(Stream& tls, std::string& out) {
  std::vector<char> buffer(4096);
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await tls.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    out.append(buffer.data(), n);
    if (ec) {
      co_return ec;
    }
  }
}

/// The sending side of a one-message exchange: handshake, write `text`, shut down (its result
/// in `shutdown_result`).
awaitable<void> send_and_shut_down(Stream& tls, std::string_view text,
                                   std::error_code& shutdown_result) {
  co_await tls.async_handshake(use_awaitable);
  co_await asio::async_write(tls, asio::buffer(text), use_awaitable);
  co_await tls.async_shutdown(asio::redirect_error(use_awaitable, shutdown_result));
}

/// The receiving side: handshake, read to the end of the stream into `received` (`end`: the
/// error that ended it), shut down (its result in `shutdown_result`).
awaitable<void> receive_and_shut_down(Stream& tls, std::string& received, std::error_code& end,
                                      std::error_code& shutdown_result) {
  co_await tls.async_handshake(use_awaitable);
  end = co_await read_to_end(tls, received);
  co_await tls.async_shutdown(asio::redirect_error(use_awaitable, shutdown_result));
}

TEST_P(AsioStream, EchoesOneMebibyteWithConcurrentReadAndWriteThenShutsDownCleanly) {
  auto [client_socket, server_socket] = connect();
  // Small socket buffers keep the client's write under way while its read answers the
  // server's KeyUpdates: both operations then need the socket at the same time.
  client_socket.set_option(asio::socket_base::send_buffer_size{32768});
  server_socket.set_option(asio::socket_base::receive_buffer_size{32768});
  client_socket.set_option(tcp::no_delay{true});
  server_socket.set_option(tcp::no_delay{true});
  sanstls::asio::stream<CheckedSocket> client{CheckedSocket{std::move(client_socket)},
                                              client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  std::vector<char> sent(std::size_t{1} << 20U);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    sent[i] = static_cast<char>((i * 131U) ^ (i >> 11U));
  }
  std::vector<char> echoed(sent.size());
  std::error_code server_end;
  std::error_code client_shutdown{sanstls::Errc::internal_error};

  spawn(server.get_executor(), [&]() -> awaitable<void> {
    co_await server.async_handshake(use_awaitable);
    std::vector<char> buffer(10000);  // not a multiple of anything on purpose
    for (int round = 1;; ++round) {
      if (round % 16 == 0) {
        // The client's read answers with its own KeyUpdate while its write is under way:
        // both operations flush to the socket (TLS 1.2 has no KeyUpdate: unsupported). Six in
        // all: GnuTLS refuses more than eight KeyUpdates a second from its peer.
        (void)server.session().update_keys();
      }
      std::error_code ec;
      const std::size_t n = co_await server.async_read_some(
          asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        server_end = ec;
        if (ec != asio::error::eof) {
          ADD_FAILURE() << "server: " << server.error_message(ec);
        }
        break;
      }
      co_await asio::async_write(server, asio::buffer(buffer.data(), n), use_awaitable);
    }
    co_await server.async_shutdown(use_awaitable);  // the peer closed: only sends ours
  });
  spawn(client.get_executor(), [&]() -> awaitable<void> {
    co_await client.async_handshake(use_awaitable);
    EXPECT_TRUE(client.session().handshake_complete());
    auto pending = std::make_shared<std::atomic<int>>(2);
    auto timer = std::make_shared<asio::steady_timer>(client.get_executor(),
                                                      asio::steady_timer::time_point::max());
    // The write and the read run at the same time on the same stream.
    asio::co_spawn(
        client.get_executor(),
        [&]() -> awaitable<void> {
          co_await asio::async_write(client, asio::buffer(sent), use_awaitable);
        },
        [&client, pending, timer](const std::exception_ptr& error) {
          EXPECT_FALSE(error) << (client.last_error() ? client.last_error()->to_string() : "");
          if (--*pending == 0) {
            timer->cancel();
          }
        });
    asio::co_spawn(
        client.get_executor(),
        [&]() -> awaitable<void> {
          co_await asio::async_read(client, asio::buffer(echoed), use_awaitable);
        },
        [&client, pending, timer](const std::exception_ptr& error) {
          EXPECT_FALSE(error) << (client.last_error() ? client.last_error()->to_string() : "");
          if (--*pending == 0) {
            timer->cancel();
          }
        });
    std::error_code ignored;
    co_await timer->async_wait(asio::redirect_error(use_awaitable, ignored));
    co_await client.async_shutdown(asio::redirect_error(use_awaitable, client_shutdown));
  });
  run();
  EXPECT_TRUE(sent == echoed) << "the echo differs from what was sent";
  EXPECT_EQ(client.next_layer().overlaps, 0) << "two writes ran on the socket at once";
  EXPECT_EQ(server_end, asio::error::eof) << server_end.message();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
  EXPECT_EQ(client.session().state(), sanstls::SessionState::closed);
  EXPECT_EQ(server.session().state(), sanstls::SessionState::closed);
}

TEST_P(AsioStream, ServerShutdownIsReadAsEofByTheClient) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  std::string received;
  std::error_code client_end;
  std::error_code server_shutdown{sanstls::Errc::internal_error};
  std::error_code client_shutdown{sanstls::Errc::internal_error};

  spawn(server.get_executor(),
        [&] { return send_and_shut_down(server, "goodbye", server_shutdown); });
  spawn(client.get_executor(),
        [&] { return receive_and_shut_down(client, received, client_end, client_shutdown); });
  run();
  EXPECT_EQ(received, "goodbye");
  EXPECT_EQ(client_end, asio::error::eof) << client_end.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
}

TEST_P(AsioStream, DataArrivingDuringShutdownIsDiscardedNotKept) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  const std::string flood(4 << 20, 'x');  // what a peer that ignores our close_notify sends
  std::error_code server_shutdown{sanstls::Errc::internal_error};
  std::error_code client_shutdown{sanstls::Errc::internal_error};
  std::string after_shutdown;
  std::error_code after_shutdown_end;

  spawn(server.get_executor(), [&] { return send_and_shut_down(server, flood, server_shutdown); });
  spawn(client.get_executor(), [&]() -> awaitable<void> {
    co_await client.async_handshake(use_awaitable);
    // Shut down at once: the 4 MiB reach the client while it waits for the close_notify.
    co_await client.async_shutdown(asio::redirect_error(use_awaitable, client_shutdown));
    after_shutdown_end = co_await read_to_end(client, after_shutdown);
  });
  run();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_EQ(after_shutdown.size(), 0U) << "data sent during the shutdown was kept";
  EXPECT_EQ(after_shutdown_end, asio::error::eof) << after_shutdown_end.message();
}

TEST_P(AsioStream, EndOfStreamWithoutCloseNotifyIsTruncation) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  std::string received;
  std::error_code client_end;

  spawn(server.get_executor(), [&]() -> awaitable<void> {
    co_await server.async_handshake(use_awaitable);
    co_await asio::async_write(server, asio::buffer(std::string_view{"partial"}), use_awaitable);
    server.next_layer().shutdown(tcp::socket::shutdown_send);  // no close_notify
  });
  spawn(client.get_executor(), [&]() -> awaitable<void> {
    co_await client.async_handshake(use_awaitable);
    client_end = co_await read_to_end(client, received);
  });
  run();
  EXPECT_EQ(received, "partial");
  EXPECT_EQ(client_end, make_error_code(sanstls::Errc::truncated)) << client_end.message();
  EXPECT_NE(client_end, asio::error::eof);
  EXPECT_EQ(&client_end.category(), &sanstls::error_category());
  ASSERT_NE(client.last_error(), nullptr);
  EXPECT_NE(client.error_message(client_end).find("truncated"), std::string::npos)
      << client.error_message(client_end);
}

TEST_P(AsioStream, VerificationFailureIsReportedWithItsMessage) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls("wrong.example")};
  Stream server{std::move(server_socket), server_tls()};
  const auto [client_result, server_result] = handshake_both(client, server);
  EXPECT_EQ(client_result, make_error_code(sanstls::Errc::certificate_rejected))
      << client_result.message();
  ASSERT_NE(client.last_error(), nullptr);
  EXPECT_EQ(client.last_error()->certificate_problem, sanstls::CertificateProblem::name_mismatch);
  const std::string message = client.error_message(client_result);
  EXPECT_NE(message.find("wrong.example"), std::string::npos) << message;
  ASSERT_NE(client.session().failure(), nullptr);
  EXPECT_EQ(message, client.session().failure()->message);
  // The server hears the client's alert.
  EXPECT_EQ(server_result, make_error_code(sanstls::Errc::alert_received))
      << server.error_message(server_result);
}

TEST_P(AsioStream, PendingReadCanBeCancelledAndTheStreamStaysUsable) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  std::error_code cancelled;
  std::string after;
  std::error_code client_end;
  auto signal = std::make_shared<asio::cancellation_signal>();
  auto go_on = std::make_shared<asio::steady_timer>(server.get_executor(),
                                                    asio::steady_timer::time_point::max());

  spawn(server.get_executor(), [&]() -> awaitable<void> {
    co_await server.async_handshake(use_awaitable);
    std::error_code ignored;
    co_await go_on->async_wait(asio::redirect_error(use_awaitable, ignored));
    co_await asio::async_write(server, asio::buffer(std::string_view{"after"}), use_awaitable);
    co_await server.async_shutdown(use_awaitable);
  });
  spawn(client.get_executor(), [&]() -> awaitable<void> {
    co_await client.async_handshake(use_awaitable);
    std::vector<char> buffer(64);
    asio::steady_timer soon{client.get_executor(), 50ms};
    soon.async_wait([signal](std::error_code) { signal->emit(asio::cancellation_type::terminal); });
    const std::size_t n = co_await client.async_read_some(
        asio::buffer(buffer), asio::bind_cancellation_slot(
                                  signal->slot(), asio::redirect_error(use_awaitable, cancelled)));
    EXPECT_EQ(n, 0U);
    asio::post(server.get_executor(), [go_on] { go_on->cancel(); });
    client_end = co_await read_to_end(client, after);
    co_await client.async_shutdown(use_awaitable);
  });
  run();
  EXPECT_EQ(cancelled, asio::error::operation_aborted) << cancelled.message();
  EXPECT_EQ(after, "after");
  EXPECT_EQ(client_end, asio::error::eof) << client_end.message();
}

/// A server certificate store that answers 50 ms after it was asked, on the stream's executor.
class LateServerCertificates final : public sanstls::ServerCertificates {
 public:
  LateServerCertificates(asio::any_io_executor executor, sanstls::CertificateChain chain)
      : executor_(std::move(executor)), chain_(std::move(chain)) {}

  void select(const sanstls::ServerCertificateQuery& /*query*/,
              sanstls::CertificateResponder responder) override {
    ++asked;
    auto timer = std::make_shared<asio::steady_timer>(executor_, 50ms);
    timer->async_wait([this, timer, responder](std::error_code) {
      if (before_answer) {
        before_answer();
      }
      if (decline) {
        // A server without a certificate refuses the handshake: decline() returns that failure.
        EXPECT_FALSE(responder.decline());
      } else {
        EXPECT_TRUE(responder.provide(chain_));
      }
    });
  }

  std::atomic<int> asked{0};
  /// Runs on the stream's strand just before the answer.
  std::function<void()> before_answer;
  /// Answer "no certificate" instead.
  bool decline = false;

 private:
  asio::any_io_executor executor_;
  sanstls::CertificateChain chain_;
};

TEST_P(AsioStream, HandshakeWaitsForACertificateStoreThatAnswersLater) {
  auto [client_socket, server_socket] = connect();
  auto store =
      std::make_shared<LateServerCertificates>(server_socket.get_executor(), pki().server());
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), sanstls::ServerTLS{store, server_options()}};
  bool answered_while_waiting = false;
  store->before_answer = [&] {
    answered_while_waiting =
        server.session().state() == sanstls::SessionState::waiting_for_certificate;
  };
  std::string received;
  std::error_code client_end;
  std::error_code server_shutdown{sanstls::Errc::internal_error};
  std::error_code client_shutdown{sanstls::Errc::internal_error};

  spawn(server.get_executor(), [&] { return send_and_shut_down(server, "late", server_shutdown); });
  spawn(client.get_executor(),
        [&] { return receive_and_shut_down(client, received, client_end, client_shutdown); });
  run();
  EXPECT_EQ(store->asked.load(), 1);
  EXPECT_TRUE(answered_while_waiting)
      << "the handshake did not wait in waiting_for_certificate for the store";
  EXPECT_EQ(received, "late");
  EXPECT_EQ(client_end, asio::error::eof) << client_end.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
}

TEST_P(AsioStream, CertificateStoreThatDeclinesLaterFailsTheHandshake) {
  auto [client_socket, server_socket] = connect();
  auto store =
      std::make_shared<LateServerCertificates>(server_socket.get_executor(), pki().server());
  store->decline = true;
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), sanstls::ServerTLS{store, server_options()}};
  const auto [client_result, server_result] = handshake_both(client, server);
  EXPECT_EQ(store->asked.load(), 1);
  EXPECT_TRUE(server_result);
  ASSERT_NE(server.last_error(), nullptr);
  EXPECT_EQ(server.last_error()->alert_sent, sanstls::Alert::unrecognized_name)
      << server.error_message(server_result);
  EXPECT_EQ(client_result, make_error_code(sanstls::Errc::alert_received))
      << client.error_message(client_result);
}

/// A client certificate store that answers 50 ms after it was asked.
class LateClientCertificates final : public sanstls::ClientCertificateStore {
 public:
  LateClientCertificates(asio::any_io_executor executor, sanstls::CertificateChain chain)
      : executor_(std::move(executor)), chain_(std::move(chain)) {}

  void select(const sanstls::ClientCertificateQuery& /*query*/,
              sanstls::CertificateResponder responder) override {
    ++asked;
    auto timer = std::make_shared<asio::steady_timer>(executor_, 50ms);
    timer->async_wait(
        [this, timer, responder](std::error_code) { EXPECT_TRUE(responder.provide(chain_)); });
  }

  std::atomic<int> asked{0};

 private:
  asio::any_io_executor executor_;
  sanstls::CertificateChain chain_;
};

TEST_P(AsioStream, ClientCertificateStoreThatAnswersLater) {
  if (!sanstls::backend_capabilities(GetParam().client).async_client_certificates) {
    GTEST_SKIP() << "this client engine's certificate store must answer inside select()";
  }
  auto [client_socket, server_socket] = connect();
  auto store =
      std::make_shared<LateClientCertificates>(client_socket.get_executor(), pki().client());
  sanstls::ClientOptions client_options;
  client_options.trust = pki().trust_store();
  client_options.backend = GetParam().client;
  client_options.client_certificates = store;
  sanstls::ServerOptions options = server_options();
  options.client_auth = sanstls::ClientAuth::required;
  options.client_trust = pki().trust_store();
  Stream client{std::move(client_socket), sanstls::ClientTLS{"localhost", client_options}};
  Stream server{std::move(server_socket), sanstls::ServerTLS{pki().server(), options}};
  std::string received;
  std::error_code server_end;
  std::error_code server_shutdown{sanstls::Errc::internal_error};
  std::error_code client_shutdown{sanstls::Errc::internal_error};

  spawn(server.get_executor(),
        [&] { return receive_and_shut_down(server, received, server_end, server_shutdown); });
  spawn(client.get_executor(),
        [&] { return send_and_shut_down(client, "mutual", client_shutdown); });
  run();
  EXPECT_EQ(store->asked.load(), 1);
  EXPECT_EQ(received, "mutual");
  EXPECT_EQ(server_end, asio::error::eof) << server_end.message();
  EXPECT_TRUE(server.session().info().peer_verified);
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
}

TEST_P(AsioStream, SynchronousCallsAndFuturesWork) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  std::string received;
  std::error_code server_end;
  std::error_code server_shutdown{sanstls::Errc::internal_error};
  spawn(server.get_executor(),
        [&] { return receive_and_shut_down(server, received, server_end, server_shutdown); });
  // The client blocks in its own thread: handshake(), write_some(), shutdown().
  std::thread blocking{[&] {
    client.handshake();
    std::string_view text{"synchronous"};
    while (!text.empty()) {
      text.remove_prefix(client.write_some(asio::buffer(text)));
    }
    std::error_code ec;
    client.shutdown(ec);
    EXPECT_FALSE(ec) << client.error_message(ec);
  }};
  run();
  blocking.join();
  EXPECT_EQ(received, "synchronous");
  EXPECT_EQ(server_end, asio::error::eof) << server_end.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
}

TEST_P(AsioStream, SynchronousFailureThrowsWithTheMessage) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls("wrong.example")};
  Stream server{std::move(server_socket), server_tls()};
  std::error_code server_result;
  spawn(server.get_executor(), [&]() -> awaitable<void> {
    co_await server.async_handshake(asio::redirect_error(use_awaitable, server_result));
  });
  std::string what;
  std::thread blocking{[&] {
    try {
      client.handshake();
    } catch (const asio::system_error& e) {
      what = e.what();
    }
  }};
  run();
  blocking.join();
  EXPECT_NE(what.find("wrong.example"), std::string::npos) << what;
  EXPECT_TRUE(server_result);
}

TEST_P(AsioStream, FutureCompletionToken) {
  auto [client_socket, server_socket] = connect();
  Stream client{std::move(client_socket), client_tls()};
  Stream server{std::move(server_socket), server_tls()};
  auto work = asio::make_work_guard(io_);  // the io_context runs until the end of the test
  auto server_done = server.async_handshake(asio::use_future);
  auto client_done = client.async_handshake(asio::use_future);
  std::thread runner{[this] { run(); }};
  client_done.get();  // throws on failure
  server_done.get();
  auto written =
      asio::async_write(client, asio::buffer(std::string_view{"future"}), asio::use_future);
  std::string received(6, '\0');
  auto read = asio::async_read(server, asio::buffer(received), asio::use_future);
  EXPECT_EQ(written.get(), 6U);
  EXPECT_EQ(read.get(), 6U);
  EXPECT_EQ(received, "future");
  auto client_closed = client.async_shutdown(asio::use_future);
  auto server_closed = server.async_shutdown(asio::use_future);
  client_closed.get();
  server_closed.get();
  work.reset();
  runner.join();
}

INSTANTIATE_TEST_SUITE_P(EnginePairs, AsioStream,
                         ::testing::ValuesIn(sanstls::test::engine_pairs()),
                         [](const auto& param_info) { return engine_pair_name(param_info.param); });

}  // namespace
