// SPDX-License-Identifier: Apache-2.0 OR MIT
// Example: an HTTPS client with C++20 coroutines over sanstls::asio::stream.
//
//   example-asio-https-client HOST PORT CA_FILE     fetches https://HOST:PORT/ and prints it
//
// The stream does the IO: handshake, reads and writes, and the close_notify at the end.

#include <sanstls/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <iostream>
#include <string>

namespace {

using asio::use_awaitable;
using tcp = asio::ip::tcp;

asio::awaitable<int> fetch(std::string host, std::string port, sanstls::TrustStore trust) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver{executor};
  tcp::socket socket{executor};
  co_await asio::async_connect(socket, co_await resolver.async_resolve(host, port, use_awaitable),
                               use_awaitable);

  // The host name is checked against the server's certificate; the role comes from ClientTLS.
  sanstls::asio::stream<tcp::socket> tls{std::move(socket),
                                         sanstls::ClientTLS{host, {.trust = std::move(trust)}}};
  std::error_code ec;
  co_await tls.async_handshake(asio::redirect_error(use_awaitable, ec));
  if (ec) {
    std::cerr << "TLS handshake failed: " << tls.error_message(ec) << '\n';
    co_return 1;
  }
  std::cerr << "connected: " << tls.session().info().summary() << '\n';

  const std::string request = "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  co_await asio::async_write(tls, asio::buffer(request), use_awaitable);

  // Read until the server's close_notify: eof is the clean end; anything else (such as
  // sanstls::Errc::truncated, an end of stream without close_notify) is an error.
  std::string response;
  char buffer[4096];
  for (;;) {
    const std::size_t n =
        co_await tls.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    response.append(buffer, n);
    if (ec == asio::error::eof) {
      break;
    }
    if (ec) {
      std::cerr << "reading the response failed: " << tls.error_message(ec) << '\n';
      co_return 1;
    }
  }
  co_await tls.async_shutdown(asio::redirect_error(use_awaitable, ec));  // our close_notify
  std::cout << response;
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: example-asio-https-client HOST PORT CA_FILE\n";
    return 2;
  }
  auto trust = sanstls::TrustStore::from_file(argv[3]);
  if (!trust) {
    std::cerr << trust.error().message << '\n';
    return 1;
  }
  asio::io_context io;
  int status = 1;
  asio::co_spawn(io, fetch(argv[1], argv[2], std::move(*trust)),
                 [&](const std::exception_ptr& error, int result) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       std::cerr << e.what() << '\n';  // a network error (connection refused)
                     }
                   }
                   status = error ? 1 : result;
                 });
  io.run();
  return status;
}
