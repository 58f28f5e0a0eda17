// SPDX-License-Identifier: Apache-2.0 OR MIT
// Example: a TLS echo server with C++20 coroutines over sanstls::asio::stream, serving many
// clients at once on one thread.
//
//   example-asio-echo-server CERT KEY CLIENTS     listens on 127.0.0.1 (prints "port N"),
//                                                 echoes for CLIENTS clients, then exits
//
// Exit status 0 when every client ended with a clean close (its close_notify).

#include <sanstls/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace {

using asio::use_awaitable;
using tcp = asio::ip::tcp;

asio::awaitable<void> echo(tcp::socket socket, const sanstls::ServerTLS& tls, int& clean_ends) {
  sanstls::asio::stream<tcp::socket> stream{std::move(socket), tls};
  std::error_code ec;
  co_await stream.async_handshake(asio::redirect_error(use_awaitable, ec));
  char buffer[4096];
  while (!ec) {
    const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer),
                                                          asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      co_await asio::async_write(stream, asio::buffer(buffer, n),
                                 asio::redirect_error(use_awaitable, ec));
    }
  }
  if (ec != asio::error::eof) {  // eof: the client's close_notify
    std::cerr << "client failed: " << stream.error_message(ec) << '\n';
    co_return;
  }
  ++clean_ends;
  // Our close_notify. The client may have closed its socket already: that is its choice.
  co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, const sanstls::ServerTLS& tls, int clients,
                             int& clean_ends) {
  for (int i = 0; i < clients; ++i) {
    tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
    // One coroutine per client; they all run concurrently on this thread.
    asio::co_spawn(acceptor.get_executor(), echo(std::move(socket), tls, clean_ends),
                   asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: example-asio-echo-server CERT KEY CLIENTS\n";
    return 2;
  }
  auto chain = sanstls::CertificateChain::from_files(argv[1], argv[2]);
  if (!chain) {
    std::cerr << chain.error().message << '\n';
    return 1;
  }
  const sanstls::ServerTLS tls{std::move(*chain)};
  const int clients = std::atoi(argv[3]);
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
  std::cout << "port " << acceptor.local_endpoint().port() << std::endl;
  int clean_ends = 0;
  asio::co_spawn(io, listen(acceptor, tls, clients, clean_ends), asio::detached);
  io.run();
  std::cerr << clean_ends << " of " << clients << " clients ended cleanly\n";
  return clean_ends == clients ? 0 : 1;
}
