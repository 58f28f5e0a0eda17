// SPDX-License-Identifier: Apache-2.0 OR MIT
// A small program over sanstls::asio::stream for the interop tests (test_asio_interop.py):
//
//   asio_peer client ENGINE PORT CA_FILE     GET / from localhost at 127.0.0.1:PORT, prints the
//                                           response; exit 0 only after the server's
//                                           close_notify (eof), 3 on truncation, 1 on failure
//   asio_peer server ENGINE CERT KEY         listens on 127.0.0.1 (prints "port N"), answers one
//                                           HTTP request, sends close_notify, exits 0
//
// The request is read with asio::async_read_until over the stream: composed operations work.

#include <sanstls/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <iostream>
#include <optional>
#include <string>

namespace {

using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Stream = sanstls::asio::stream<tcp::socket>;

std::optional<sanstls::Backend> engine_named(std::string_view name) {
  for (const auto& capabilities : sanstls::backends()) {
    if (capabilities.available && sanstls::backend_name(capabilities.backend) == name) {
      return capabilities.backend;
    }
  }
  return std::nullopt;
}

asio::awaitable<int> client(sanstls::Backend engine, unsigned short port,
                            sanstls::TrustStore trust) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket{executor};
  co_await socket.async_connect({asio::ip::address_v4::loopback(), port}, use_awaitable);
  Stream tls{std::move(socket),
             sanstls::ClientTLS{"localhost", {.trust = std::move(trust), .backend = engine}}};
  std::error_code ec;
  co_await tls.async_handshake(asio::redirect_error(use_awaitable, ec));
  if (ec) {
    std::cerr << "asio_peer client: handshake: " << tls.error_message(ec) << '\n';
    co_return 1;
  }
  std::cerr << "asio_peer client: " << tls.session().info().summary() << '\n';
  co_await asio::async_write(tls, asio::buffer(std::string_view{"GET / HTTP/1.0\r\n\r\n"}),
                             use_awaitable);
  std::string response;
  char buffer[4096];
  for (;;) {
    const std::size_t n =
        co_await tls.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    response.append(buffer, n);
    if (ec) {
      break;
    }
  }
  std::cout << response << std::flush;
  if (ec == make_error_code(sanstls::Errc::truncated)) {
    std::cerr << "asio_peer client: truncated: " << tls.error_message(ec) << '\n';
    co_return 3;
  }
  if (ec != asio::error::eof) {
    std::cerr << "asio_peer client: read: " << tls.error_message(ec) << '\n';
    co_return 1;
  }
  std::cerr << "asio_peer client: eof (the server's close_notify)\n";
  co_await tls.async_shutdown(asio::redirect_error(use_awaitable, ec));
  co_return 0;
}

asio::awaitable<int> server(tcp::acceptor& acceptor, const sanstls::ServerTLS& config,
                            std::string_view engine) {
  Stream tls{co_await acceptor.async_accept(use_awaitable), config};
  std::error_code ec;
  co_await tls.async_handshake(asio::redirect_error(use_awaitable, ec));
  if (ec) {
    std::cerr << "asio_peer server: handshake: " << tls.error_message(ec) << '\n';
    co_return 1;
  }
  std::cerr << "asio_peer server: " << tls.session().info().summary() << '\n';
  std::string request;
  co_await asio::async_read_until(tls, asio::dynamic_buffer(request), "\r\n\r\n",
                                  asio::redirect_error(use_awaitable, ec));
  if (ec) {
    std::cerr << "asio_peer server: request: " << tls.error_message(ec) << '\n';
    co_return 1;
  }
  const std::string body = "hello from sanstls::asio (" + std::string{engine} + ")\n";
  const std::string response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
  co_await asio::async_write(tls, asio::buffer(response), use_awaitable);
  co_await tls.async_shutdown(asio::redirect_error(use_awaitable, ec));
  // The client may close the connection without its own close_notify once it has the
  // response (curl does): what we sent is complete either way.
  std::cerr << "asio_peer server: shutdown: "
            << (ec ? tls.error_message(ec) : std::string{"clean (both close_notify)"}) << '\n';
  co_return 0;
}

int finish(asio::io_context& io, asio::awaitable<int> main_coroutine) {
  int status = 1;
  asio::co_spawn(io, std::move(main_coroutine), [&](const std::exception_ptr& error, int result) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "asio_peer: " << e.what() << '\n';
      }
    }
    status = error ? 1 : result;
  });
  io.run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: asio_peer client ENGINE PORT CA_FILE | asio_peer server ENGINE CERT KEY\n";
  if (argc != 5) {
    std::cerr << usage;
    return 2;
  }
  const std::string mode = argv[1];
  const auto engine = engine_named(argv[2]);
  if (!engine) {
    std::cerr << "asio_peer: engine " << argv[2] << " is not available\n";
    return 2;
  }
  asio::io_context io;
  if (mode == "client") {
    auto trust = sanstls::TrustStore::from_file(argv[4]);
    if (!trust) {
      std::cerr << trust.error().message << '\n';
      return 1;
    }
    return finish(
        io, client(*engine, static_cast<unsigned short>(std::stoi(argv[3])), std::move(*trust)));
  }
  if (mode == "server") {
    auto chain = sanstls::CertificateChain::from_files(argv[3], argv[4]);
    if (!chain) {
      std::cerr << chain.error().message << '\n';
      return 1;
    }
    const sanstls::ServerTLS config{std::move(*chain), {.backend = *engine}};
    tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
    std::cout << "port " << acceptor.local_endpoint().port() << std::endl;
    return finish(io, server(acceptor, config, argv[2]));
  }
  std::cerr << usage;
  return 2;
}
