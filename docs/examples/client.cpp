// SPDX-License-Identifier: Apache-2.0 OR MIT
// Example: a sanstls client over a plain POSIX socket.
//
//   example-client HOST PORT CA_FILE      sends "hello" and prints the reply
//
// sanstls never touches the socket: we read from it and feed the bytes in with
// receive_data(); the session hands us bytes to send through the write callback.

#include <sanstls/sanstls.hpp>

#include <cstdio>
#include <iostream>
#include <netdb.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

int connect_to(const char* host, const char* port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host, port, &hints, &found) != 0) {
    return -1;
  }
  const int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  const bool connected = fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  return connected ? fd : -1;
}

/// Reads from the socket into the session until `done()`; false on error, or on end of stream
/// before `done()`.
template <class Done>
bool pump(int fd, sanstls::Session& session, std::vector<std::byte>& data, Done done) {
  std::vector<std::byte> buffer(16384);
  while (!done()) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      std::perror("recv");
      return false;
    }
    // End of stream (n == 0) goes to the session too: before the peer's close_notify it is an
    // error (Errc::truncated), so a loop like this one always ends.
    auto received = n > 0 ? session.receive_data({buffer.data(), static_cast<size_t>(n)}, data)
                          : session.receive_eof();
    if (!received) {
      std::cerr << "TLS error: " << received.error().to_string() << '\n';
      return false;
    }
    if (n <= 0) {
      return done();
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: example-client HOST PORT CA_FILE\n";
    return 2;
  }
  const int fd = connect_to(argv[1], argv[2]);
  if (fd < 0) {
    std::cerr << "cannot connect\n";
    return 1;
  }
  auto trust = sanstls::TrustStore::from_file(argv[3]);
  if (!trust) {
    std::cerr << trust.error().message << '\n';
    return 1;
  }

  // The whole configuration: a host name (mandatory; checked against the certificate) and,
  // here, a private CA instead of the system trust store. Everything else is secure defaults.
  sanstls::ClientTLS tls{argv[1], {.trust = *trust}};
  auto session = tls.start({
      .write = [&](std::span<const std::byte> out) { send(fd, out.data(), out.size(), 0); },
      .close = [&](sanstls::CloseMode) { shutdown(fd, SHUT_WR); },
      .verify = {},
  });
  if (!session) {
    std::cerr << session.error().message << '\n';
    return 1;
  }

  // Not established(): the server's last handshake flight, its data and its close_notify may
  // arrive in one read, and then the state goes straight to peer_closed.
  std::vector<std::byte> reply;
  if (!pump(fd, *session, reply, [&] { return session->handshake_complete(); })) {
    return 1;
  }
  std::cerr << "connected: " << session->info().summary() << '\n';
  if (auto written = session->write_data("hello"); !written) {
    std::cerr << "TLS error: " << written.error().to_string() << '\n';
    return 1;
  }
  if (!pump(fd, *session, reply, [&] { return !reply.empty(); })) {
    return 1;
  }
  std::cout.write(reinterpret_cast<const char*>(reply.data()), static_cast<long>(reply.size()));
  std::cout << '\n';
  (void)session->finish();  // close_notify: a clean end for the server
  close(fd);
  return 0;
}
