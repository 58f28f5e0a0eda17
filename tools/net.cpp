// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "net.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sanstls::cli {

Failure tls_failure(const Error& error) {
  return Failure{error.code == Errc::certificate_rejected ? exit_certificate : exit_tls,
                 error.message};
}

Failure network_failure(std::string message) { return Failure{exit_network, std::move(message)}; }

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Outcome<void> Socket::send_all(std::span<const std::byte> bytes) const {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(network_failure(fmt::format("send failed: {}", std::strerror(errno))));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(sent));
  }
  return {};
}

Outcome<std::vector<std::byte>> Socket::receive(std::chrono::milliseconds timeout) const {
  pollfd waiting{.fd = fd_, .events = POLLIN, .revents = 0};
  const int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
  if (ready == 0) {
    return tl::unexpected(
        network_failure(fmt::format("no data from the peer for {} ms", timeout.count())));
  }
  if (ready < 0) {
    return tl::unexpected(network_failure(fmt::format("poll failed: {}", std::strerror(errno))));
  }
  std::vector<std::byte> buffer(65536);
  ssize_t received = 0;
  do {
    received = ::recv(fd_, buffer.data(), buffer.size(), 0);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    return tl::unexpected(network_failure(fmt::format("recv failed: {}", std::strerror(errno))));
  }
  buffer.resize(static_cast<std::size_t>(received));
  return buffer;
}

void Socket::shutdown_write() const { ::shutdown(fd_, SHUT_WR); }

Outcome<HostPort> parse_host_port(const std::string& text) {
  std::string host;
  std::string port;
  if (text.starts_with("[")) {
    const auto close = text.find("]:");
    if (close == std::string::npos) {
      return tl::unexpected(Failure{exit_usage, fmt::format("'{}' is not [IPv6]:PORT", text)});
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return tl::unexpected(Failure{exit_usage, fmt::format("'{}' is not HOST:PORT", text)});
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned long number = 0;
  try {
    std::size_t used = 0;
    number = std::stoul(port, &used);
    if (used != port.size() || number == 0 || number > 65535) {
      throw std::out_of_range("port");
    }
  } catch (const std::exception&) {
    return tl::unexpected(Failure{exit_usage, fmt::format("'{}' is not a port number", port)});
  }
  return HostPort{host, static_cast<std::uint16_t>(number)};
}

Outcome<Socket> connect_tcp(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return tl::unexpected(
        network_failure(fmt::format("cannot resolve '{}': {}", host, ::gai_strerror(rc))));
  }
  std::string last_error = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    Socket socket{::socket(address->ai_family, address->ai_socktype, address->ai_protocol)};
    if (socket.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (::connect(socket.fd(), address->ai_addr, address->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      const int on = 1;
      ::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      return socket;
    }
    last_error = std::strerror(errno);
  }
  ::freeaddrinfo(found);
  return tl::unexpected(
      network_failure(fmt::format("cannot connect to {}:{}: {}", host, port, last_error)));
}

Outcome<Listener> Listener::open(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return tl::unexpected(Failure{
        exit_usage,
        fmt::format("'{}' is not an IP address to listen on: {}", host, ::gai_strerror(rc))});
  }
  Listener listener;
  listener.socket_ = Socket{::socket(found->ai_family, found->ai_socktype, found->ai_protocol)};
  const int on = 1;
  ::setsockopt(listener.socket_.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  const bool bound = listener.socket_.fd() >= 0 &&
                     ::bind(listener.socket_.fd(), found->ai_addr, found->ai_addrlen) == 0 &&
                     ::listen(listener.socket_.fd(), 128) == 0;
  ::freeaddrinfo(found);
  if (!bound) {
    return tl::unexpected(network_failure(
        fmt::format("cannot listen on {}:{}: {}", host, port, std::strerror(errno))));
  }
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(listener.socket_.fd(), reinterpret_cast<sockaddr*>(&address), &length);
  listener.port_ =
      ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  return listener;
}

Outcome<std::optional<Socket>> Listener::accept(std::chrono::milliseconds timeout) const {
  pollfd waiting{.fd = socket_.fd(), .events = POLLIN, .revents = 0};
  const int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) {
    return std::optional<Socket>{};
  }
  const int fd = ::accept(socket_.fd(), nullptr, nullptr);
  if (fd < 0) {
    return tl::unexpected(network_failure(fmt::format("accept failed: {}", std::strerror(errno))));
  }
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return std::optional<Socket>{Socket{fd}};
}

// ---- TlsSocket --------------------------------------------------------------------------

SessionCallbacks TlsSocket::callbacks() {
  SessionCallbacks callbacks;
  // Buffer here and send after the library call returns, so send errors can be reported.
  callbacks.write = [this](std::span<const std::byte> bytes) {
    outgoing_.insert(outgoing_.end(), bytes.begin(), bytes.end());
  };
  return callbacks;
}

Outcome<void> TlsSocket::flush() {
  if (outgoing_.empty()) {
    return {};
  }
  std::vector<std::byte> out;
  out.swap(outgoing_);
  return socket_.send_all(out);
}

Outcome<std::unique_ptr<TlsSocket>> TlsSocket::connect(Socket socket, const ClientTLS& tls,
                                                       std::span<const std::byte> early_data) {
  std::unique_ptr<TlsSocket> self{new TlsSocket};
  self->socket_ = std::move(socket);
  auto session =
      early_data.empty() ? tls.start(self->callbacks()) : tls.start(self->callbacks(), early_data);
  if (!session) {
    return tl::unexpected(tls_failure(session.error()));
  }
  self->session_.emplace(std::move(*session));
  if (auto sent = self->flush(); !sent) {
    return tl::unexpected(sent.error());
  }
  return self;
}

Outcome<std::unique_ptr<TlsSocket>> TlsSocket::accept(Socket socket, const ServerTLS& tls,
                                                      bool accept_early_data) {
  std::unique_ptr<TlsSocket> self{new TlsSocket};
  self->socket_ = std::move(socket);
  SessionCallbacks callbacks = self->callbacks();
  if (accept_early_data) {
    callbacks.early_data = [raw = self.get()](std::span<const std::byte> data) {
      raw->early_data_.insert(raw->early_data_.end(), data.begin(), data.end());
    };
  }
  auto session = tls.start(std::move(callbacks));
  if (!session) {
    return tl::unexpected(tls_failure(session.error()));
  }
  self->session_.emplace(std::move(*session));
  return self;
}

Outcome<bool> TlsSocket::feed(std::span<const std::byte> bytes, std::vector<std::byte>& out) {
  Result<void> received =
      bytes.empty() ? session_->receive_eof() : session_->receive_data(bytes, out);
  // Send what the session produced (an alert, a handshake flight) even when it failed.
  auto sent = flush();
  if (!received) {
    return tl::unexpected(tls_failure(received.error()));
  }
  if (!sent) {
    return tl::unexpected(sent.error());
  }
  const SessionState state = session_->state();
  return state != SessionState::peer_closed && state != SessionState::closed;
}

Outcome<void> TlsSocket::handshake(std::chrono::milliseconds timeout) {
  // Application data can arrive in the same read as the handshake's last flight (a TLS 1.3
  // client sends its Finished and its request together), and so can the peer's close_notify:
  // keep the data for read(), and stop on handshake_complete(), which stays true whatever
  // followed (established() would be false for a peer that already closed).
  while (!session_->handshake_complete()) {
    auto bytes = socket_.receive(timeout);
    if (!bytes) {
      return tl::unexpected(bytes.error());
    }
    // At end of stream (empty bytes) feed() reports the session's error: the transport closed
    // during the handshake. A close_notify before the handshake's end is an error too.
    auto fed = feed(*bytes, pending_);
    if (!fed) {
      return tl::unexpected(fed.error());
    }
    if (bytes->empty()) {
      return tl::unexpected(
          Failure{exit_tls, "the peer closed the connection during the handshake"});
    }
  }
  return {};
}

std::vector<std::byte> TlsSocket::take_pending() {
  std::vector<std::byte> taken;
  taken.swap(pending_);
  return taken;
}

Outcome<bool> TlsSocket::read(std::vector<std::byte>& out, std::chrono::milliseconds timeout) {
  if (!pending_.empty()) {
    out.insert(out.end(), pending_.begin(), pending_.end());
    pending_.clear();
    const SessionState state = session_->state();
    return state != SessionState::peer_closed && state != SessionState::closed;
  }
  const std::size_t before = out.size();
  while (out.size() == before) {
    auto bytes = socket_.receive(timeout);
    if (!bytes) {
      return tl::unexpected(bytes.error());
    }
    auto open = feed(*bytes, out);
    if (!open) {
      return tl::unexpected(open.error());
    }
    if (!*open) {
      return false;
    }
  }
  return true;
}

Outcome<void> TlsSocket::write(std::span<const std::byte> bytes) {
  if (auto written = session_->write_data(bytes); !written) {
    (void)flush();
    return tl::unexpected(tls_failure(written.error()));
  }
  return flush();
}

Outcome<void> TlsSocket::finish() {
  if (auto finished = session_->finish(); !finished) {
    return tl::unexpected(tls_failure(finished.error()));
  }
  return flush();
}

}  // namespace sanstls::cli
