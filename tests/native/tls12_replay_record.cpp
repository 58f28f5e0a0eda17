// SPDX-License-Identifier: Apache-2.0 OR MIT
// Records one TLS 1.2 handshake of our side (tls12_replay.hpp) with an OpenSSL peer over TCP on
// 127.0.0.1, for tools/tls12_replay/generate.py:
//   record_tls12_replay client PORT   connects to `openssl s_server -tls1_2 -rev` on PORT
//   record_tls12_replay server PORT   listens on PORT for `openssl s_client -tls1_2`
// Prints the steps (tls12_replay.hpp) and our key log line to stdout. The client sends one line,
// reads the server's (reversed) answer and closes; the server reads the client's line, answers
// it and closes. Both then read until the peer's close_notify or end of stream.
#include "tls12_replay.hpp"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

using namespace sanstls::native;
using namespace sanstls::native::testing::tls12_replay;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "record_tls12_replay: %s\n", what.c_str());
  std::exit(1);
}

void send_all(int fd, const ByteVec& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) die("send failed");
    off += static_cast<std::size_t>(n);
  }
}

void set_timeout(int fd) {
  timeval tv{};
  tv.tv_sec = 10;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// Runs the exchange over `fd`: a receive step per peer flight (the bytes until we answered,
/// got data, finished the handshake or saw the peer close), and our writes and close_notify.
template <class Driver>
void run(int fd, Driver& driver, std::vector<Step>& steps, bool we_are_client) {
  const std::string client_line = "ping from the sanstls native client\n";
  const std::string server_line = "pong from the sanstls native server\n";
  bool wrote = false;
  bool closed = false;
  bool was_complete = false;
  ByteVec pending;  // peer bytes since our last step
  ByteVec app_total;
  auto flush = [&](ByteVec out, ByteVec app) {
    steps.push_back({"receive", std::move(pending), std::move(out), std::move(app)});
    pending.clear();
  };
  std::array<std::uint8_t, 4096> buf{};
  while (!driver.peer_closed()) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) die("recv failed or timed out");
    if (n == 0) break;
    pending.insert(pending.end(), buf.begin(), buf.begin() + n);
    // Feed only what was received now; remember the whole flight for the step.
    ByteVec out;
    ByteVec app;
    auto received = driver.receive(Bytes(buf.data(), static_cast<std::size_t>(n)), out, app);
    if (!received) die("receive: " + received.error().to_string());
    send_all(fd, out);
    app_total.insert(app_total.end(), app.begin(), app.end());
    const bool complete = sanstls::fuzz::native_peer::is_connected(driver);
    if (!out.empty() || !app.empty() || driver.peer_closed() || complete != was_complete) {
      flush(std::move(out), std::move(app));
    }
    was_complete = complete;
    if (complete && we_are_client && !wrote) {
      ByteVec record;
      const ByteVec line(client_line.begin(), client_line.end());
      if (!driver.write(line, record)) die("write failed");
      send_all(fd, record);
      steps.push_back({"write", line, record, {}});
      wrote = true;
    }
    const bool line_in = !app_total.empty() && app_total.back() == '\n';
    if (complete && line_in && !closed) {
      if (!we_are_client) {
        ByteVec record;
        const ByteVec line(server_line.begin(), server_line.end());
        if (!driver.write(line, record)) die("write failed");
        send_all(fd, record);
        steps.push_back({"write", line, record, {}});
      }
      ByteVec alert;
      if (!driver.close_notify(alert)) die("close_notify failed");
      send_all(fd, alert);
      steps.push_back({"close_notify", {}, alert, {}});
      closed = true;
    }
  }
  if (!pending.empty()) flush({}, {});
  if (!closed) die("the exchange did not complete");
}

/// Our key log: the master secret we derived and the client random it belongs to.
void print_key_log(const Side& side) {
  const auto master = side.log.find("CLIENT_RANDOM");
  const auto random = side.log.find(sanstls::fuzz::native_peer::kClientRandomEntry);
  if (master == side.log.end() || random == side.log.end()) die("no key log");
  std::printf("native_master_secret\t%s\n", to_hex(master->second).c_str());
  std::printf("native_client_random\t%s\n", to_hex(random->second).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: record_tls12_replay client|server PORT\n");
    return 2;
  }
  const std::string role = argv[1];
  const int port = std::atoi(argv[2]);
  std::vector<Step> steps;
  if (role == "client") {
    Side side(kClientSeed);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in addr = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      die("cannot connect");
    }
    set_timeout(fd);
    ByteVec hello;
    auto client = start_client(side, hello);
    if (!client) die("start: " + client.error().to_string());
    send_all(fd, hello);
    steps.push_back({"start", {}, hello, {}});
    run(fd, *client, steps, true);
    if (!client->info().tls12) die("not TLS 1.2");
    ::close(fd);
    std::printf("role\tclient\n");
    print_key_log(side);
  } else if (role == "server") {
    Side side(kServerSeed);
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const sockaddr_in addr = loopback(port);
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listener, 1) != 0) {
      die("cannot listen");
    }
    std::fprintf(stderr, "listening\n");
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) die("accept failed");
    set_timeout(fd);
    auto server = make_server(side);
    run(fd, server, steps, false);
    if (!server.info().tls12) die("not TLS 1.2");
    ::close(fd);
    ::close(listener);
    std::printf("role\tserver\n");
    print_key_log(side);
  } else {
    die("role must be client or server");
  }
  for (const auto& step : steps) std::printf("%s\n", step_line(step).c_str());
  return 0;
}
