// SPDX-License-Identifier: Apache-2.0 OR MIT
// Example: a sanstls server for one connection over a plain POSIX socket, echoing what it
// receives until the client closes.
//
//   example-server CHAIN_FILE KEY_FILE     prints "port N", then serves one client

#include <sanstls/sanstls.hpp>

#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: example-server CHAIN_FILE KEY_FILE\n";
    return 2;
  }
  auto chain = sanstls::CertificateChain::from_files(argv[1], argv[2]);
  if (!chain) {
    std::cerr << chain.error().message << '\n';
    return 1;
  }
  sanstls::ServerTLS tls{*chain};

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::cerr << "cannot listen\n";
    return 1;
  }
  std::cout << "port " << ntohs(address.sin_port) << std::endl;
  const int fd = accept(listener, nullptr, nullptr);

  auto session = tls.start({
      .write = [&](std::span<const std::byte> out) { send(fd, out.data(), out.size(), 0); },
      .close = [&](sanstls::CloseMode) { shutdown(fd, SHUT_WR); },
      .verify = {},
  });
  if (!session) {
    std::cerr << session.error().message << '\n';
    return 1;
  }
  std::vector<std::byte> buffer(16384);
  bool reported = false;
  while (true) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    std::vector<std::byte> data;
    // End of stream (n <= 0) goes to the session: before the client's close_notify it is an
    // error (Errc::truncated), after it the normal end.
    auto received = n > 0 ? session->receive_data({buffer.data(), static_cast<size_t>(n)}, data)
                          : session->receive_eof();
    if (!received) {
      std::cerr << "TLS error: " << received.error().to_string() << '\n';
      return 1;
    }
    // handshake_complete(), not established(): the client's Finished, its data and its
    // close_notify can come in one read, taking the state straight to peer_closed.
    if (session->handshake_complete() && !reported) {
      std::cerr << "handshake complete: " << session->info().summary() << '\n';
      reported = true;
    }
    if (!data.empty()) {
      (void)session->write_data(data);  // echo
    }
    if (session->state() == sanstls::SessionState::peer_closed) {
      (void)session->finish();  // answer the client's close_notify
    }
    if (n <= 0 || session->state() == sanstls::SessionState::closed) {
      break;
    }
  }
  std::cerr << "served: " << session->info().summary() << '\n';
  close(fd);
  close(listener);
  return 0;
}
