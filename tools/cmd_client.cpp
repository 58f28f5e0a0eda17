// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls client HOST:PORT`: connect, handshake, print what was negotiated to stderr, then
// copy stdin to the server and the server's data to stdout.

#include "commands.hpp"
#include "keying_material.hpp"
#include "net.hpp"
#include "report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <optional>
#include <poll.h>
#include <unistd.h>

namespace sanstls::cli {
namespace {

struct ClientArguments {
  std::string target;
  std::string servername;
  std::string ca;
  std::string cert;
  std::string key;
  std::vector<std::string> alpn;
  bool tls13_only = false;
  std::string backend = "openssl";
  bool json = false;
  std::string export_request;
  int timeout_seconds = 30;
  bool reconnect = false;
  bool early_data = false;
};

/// What --reconnect reads from stdin and sends on each connection (bounded).
constexpr std::size_t kMaximumReconnectInput = 1024 * 1024;
/// The first chunk --early-data sends as 0-RTT data.
constexpr std::size_t kEarlyDataChunk = 16384;

Outcome<ClientTLS> make_client(const ClientArguments& args, const HostPort& target) {
  ClientOptions options;
  if (auto applied = apply_common_options(args.backend, args.alpn, args.tls13_only, options);
      !applied) {
    return tl::unexpected(applied.error());
  }
  if (!args.ca.empty()) {
    auto trust = TrustStore::from_file(args.ca);
    if (!trust) {
      return tl::unexpected(Failure{exit_usage, trust.error().message});
    }
    options.trust = std::move(*trust);
  }
  if (args.cert.empty() != args.key.empty()) {
    return tl::unexpected(Failure{exit_usage, "--cert and --key go together"});
  }
  if (!args.cert.empty()) {
    auto chain = CertificateChain::from_files(args.cert, args.key);
    if (!chain) {
      return tl::unexpected(Failure{exit_usage, chain.error().message});
    }
    options.client_certificates = std::make_shared<ClientCertificateChain>(std::move(*chain));
  }
  ClientTLS tls{args.servername.empty() ? target.host : args.servername, std::move(options)};
  if (const Error* error = tls.configuration_error()) {
    return tl::unexpected(Failure{exit_usage, error->message});
  }
  return tls;
}

/// Relays stdin → TLS and TLS → stdout until the server closes.
Outcome<void> relay(TlsSocket& tls, std::chrono::milliseconds timeout) {
  bool stdin_open = true;
  std::vector<std::byte> buffer(65536);
  // What came with the server's last flight: its first data, maybe its close_notify too.
  if (const auto early = tls.take_pending(); !early.empty()) {
    std::cout.write(reinterpret_cast<const char*>(early.data()),
                    static_cast<std::streamsize>(early.size()));
    std::cout.flush();
  }
  if (tls.session().state() == SessionState::peer_closed) {
    (void)tls.finish();
    return {};
  }
  while (true) {
    std::array<pollfd, 2> fds{pollfd{.fd = tls.socket().fd(), .events = POLLIN, .revents = 0},
                              pollfd{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0}};
    const int ready = ::poll(fds.data(), stdin_open ? 2 : 1, static_cast<int>(timeout.count()));
    if (ready == 0) {
      return tl::unexpected(network_failure("the server sent nothing for too long"));
    }
    if (ready < 0) {
      return tl::unexpected(network_failure("poll failed"));
    }
    if (fds[0].revents != 0) {
      auto bytes = tls.socket().receive(timeout);
      if (!bytes) {
        return tl::unexpected(bytes.error());
      }
      std::vector<std::byte> data;
      auto open = tls.feed(*bytes, data);
      if (!data.empty()) {
        std::cout.write(reinterpret_cast<const char*>(data.data()),
                        static_cast<std::streamsize>(data.size()));
        std::cout.flush();
      }
      if (!open) {
        return tl::unexpected(open.error());
      }
      if (!*open) {
        // The server sent close_notify: answer with ours and stop.
        if (tls.session().state() == SessionState::peer_closed) {
          (void)tls.finish();
        }
        return {};
      }
    }
    if (stdin_open && fds[1].revents != 0) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n <= 0) {
        stdin_open = false;
        if (auto finished = tls.finish(); !finished) {
          return tl::unexpected(finished.error());
        }
      } else if (auto written = tls.write(std::span{buffer}.first(static_cast<std::size_t>(n)));
                 !written) {
        return tl::unexpected(written.error());
      }
    }
  }
}

/// Writes `data`, closes cleanly and copies what the server sends to stdout until it closes.
Outcome<void> exchange(TlsSocket& tls, std::span<const std::byte> data,
                       std::chrono::milliseconds timeout) {
  if (!data.empty()) {
    if (auto written = tls.write(data); !written) return tl::unexpected(written.error());
  }
  if (auto finished = tls.finish(); !finished) return tl::unexpected(finished.error());
  auto print = [](const std::vector<std::byte>& bytes) {
    std::cout.write(reinterpret_cast<const char*>(bytes.data()),
                    static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
  };
  print(tls.take_pending());
  while (tls.session().state() != SessionState::closed &&
         tls.session().state() != SessionState::peer_closed) {
    std::vector<std::byte> received;
    auto open = tls.read(received, timeout);
    print(received);
    if (!open) return tl::unexpected(open.error());
    if (!*open) break;
  }
  return {};
}

/// --reconnect: two connections through one ClientTLS (so the second offers the first's
/// ticket), each sending stdin; prints "resumed: yes|no" for each.
int run_reconnect(const ClientArguments& args, const ClientTLS& tls, const HostPort& target,
                  const std::function<int(const Failure&)>& report_failure) {
  std::vector<std::byte> input;
  std::vector<std::byte> buffer(65536);
  while (input.size() < kMaximumReconnectInput) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n <= 0) break;
    input.insert(input.end(), buffer.begin(), buffer.begin() + n);
  }
  const std::chrono::milliseconds timeout{std::chrono::seconds{args.timeout_seconds}};
  for (int round = 1; round <= 2; ++round) {
    auto socket = connect_tcp(target.host, target.port);
    if (!socket) return report_failure(socket.error());
    // --early-data: stdin's first chunk as 0-RTT on the second connection (safe only for
    // requests that may be processed twice, RFC 8446 §8).
    const std::span<const std::byte> early =
        round == 2 && args.early_data
            ? std::span<const std::byte>(input).first(std::min(input.size(), kEarlyDataChunk))
            : std::span<const std::byte>{};
    auto connection = TlsSocket::connect(std::move(*socket), tls, early);
    if (!connection) return report_failure(connection.error());
    if (auto done = (*connection)->handshake(timeout); !done) return report_failure(done.error());
    const SessionInfo& info = (*connection)->session().info();
    if (args.json) {
      nlohmann::json summary = to_json(info);
      summary["connection"] = round;
      std::cerr << summary.dump() << '\n';
    } else {
      std::cerr << "sanstls client: connection " << round << " to " << args.target << "\n"
                << describe(info);
    }
    std::cerr << "resumed: " << (info.resumed ? "yes" : "no") << '\n';
    if (!early.empty()) {
      std::cerr << "early data: " << early_data_status_name(info.early_data) << '\n';
    }
    // Accepted early data was processed; anything else is sent again as 1-RTT data.
    const std::size_t skip = info.early_data == EarlyDataStatus::accepted ? early.size() : 0;
    if (auto done =
            exchange(**connection, std::span<const std::byte>(input).subspan(skip), timeout);
        !done) {
      return report_failure(done.error());
    }
  }
  return exit_ok;
}

int run_client(const ClientArguments& args) {
  auto report_failure = [&](const Failure& failure) {
    if (args.json) {
      std::cerr
          << nlohmann::json{{"error", failure.message}, {"exit_code", failure.exit_code}}.dump()
          << '\n';
    } else {
      std::cerr << "sanstls client: " << failure.message << '\n';
    }
    return failure.exit_code;
  };
  auto target = parse_host_port(args.target);
  if (!target) {
    return report_failure(target.error());
  }
  std::optional<ExportRequest> request;
  if (!args.export_request.empty()) {
    auto parsed = parse_export_request(args.export_request);
    if (!parsed) return report_failure(parsed.error());
    request = std::move(*parsed);
  }
  auto tls = make_client(args, *target);
  if (!tls) {
    return report_failure(tls.error());
  }
  if (args.reconnect) {
    return run_reconnect(args, *tls, *target, report_failure);
  }
  if (args.early_data) {
    return report_failure(Failure{exit_usage, "--early-data needs --reconnect"});
  }
  auto socket = connect_tcp(target->host, target->port);
  if (!socket) {
    return report_failure(socket.error());
  }
  const std::chrono::milliseconds timeout{std::chrono::seconds{args.timeout_seconds}};
  auto connection = TlsSocket::connect(std::move(*socket), *tls);
  if (!connection) {
    return report_failure(connection.error());
  }
  if (auto done = (*connection)->handshake(timeout); !done) {
    return report_failure(done.error());
  }
  const SessionInfo& info = (*connection)->session().info();
  std::optional<std::string> keying_material;
  if (request) {
    auto hex = exported_hex((*connection)->session(), *request);
    if (!hex) return report_failure(hex.error());
    keying_material = std::move(*hex);
  }
  if (args.json) {
    nlohmann::json summary = to_json(info);
    if (keying_material) {
      summary["keying_material"] = {{"label", request->label}, {"hex", *keying_material}};
    }
    std::cerr << summary.dump() << '\n';
  } else {
    std::cerr << "sanstls client: connected to " << args.target << "\n" << describe(info);
    if (keying_material) {
      std::cerr << "  keying material (" << request->label << "): " << *keying_material << "\n";
    }
  }
  if (auto relayed = relay(**connection, timeout); !relayed) {
    return report_failure(relayed.error());
  }
  return exit_ok;
}

}  // namespace

void add_client_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClientArguments>();
  CLI::App* command = app.add_subcommand(
      "client", "Connect to HOST:PORT, print the handshake, then relay stdin/stdout");
  command->add_option("target", args->target, "HOST:PORT (or [IPv6]:PORT)")->required();
  command->add_option("--servername", args->servername,
                      "the name the certificate must hold (default: HOST)");
  command->add_option("--ca", args->ca, "PEM file of trusted roots (default: system store)");
  command->add_option("--cert", args->cert, "client certificate chain (PEM), with --key");
  command->add_option("--key", args->key, "client private key (PEM)");
  command->add_option("--alpn", args->alpn, "ALPN protocols, e.g. h2,http/1.1")->delimiter(',');
  command->add_flag("--tls13-only", args->tls13_only, "refuse TLS 1.2");
  command->add_option("--backend", args->backend, "openssl, gnutls or native");
  command->add_flag("--json", args->json, "print the handshake summary as JSON");
  command->add_option("--export", args->export_request,
                      "print LENGTH bytes of keying material exported with LABEL (RFC 5705), "
                      "as LABEL:LENGTH");
  command->add_flag("--reconnect", args->reconnect,
                    "send stdin, close, then connect again offering the session ticket; prints "
                    "'resumed: yes|no' for each connection");
  command->add_flag("--early-data", args->early_data,
                    "with --reconnect: send stdin's first chunk as 0-RTT data on the second "
                    "connection (only for requests that are safe to replay)");
  command->add_option("--timeout", args->timeout_seconds, "seconds to wait for the server")
      ->check(CLI::Range(1, 3600));
  command->callback([args, &exit_code] { exit_code = run_client(*args); });
}

}  // namespace sanstls::cli
