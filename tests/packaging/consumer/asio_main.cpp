// SPDX-License-Identifier: Apache-2.0 OR MIT
// Uses the installed Asio adapter (sanstls::asio): the header, Asio and the library link.
#include <sanstls/asio.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <iostream>

int main() {
  asio::io_context io;
  // A configuration error reaches the handshake as an error code with its message.
  sanstls::asio::stream<asio::ip::tcp::socket> tls{io, sanstls::ClientTLS{"not a host name!"}};
  std::error_code ec;
  tls.handshake(ec);
  if (ec.category() != sanstls::error_category() || tls.error_message(ec).empty()) {
    return 1;
  }
  std::cout << "sanstls::asio works from an install: " << tls.error_message(ec) << '\n';
  return 0;
}
