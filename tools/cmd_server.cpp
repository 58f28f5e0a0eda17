// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls server`: serve TLS on a port, answering HTTP requests or echoing bytes. Each
// connection runs on its own thread, so a stuck client never blocks the others.

#include "commands.hpp"
#include "keying_material.hpp"
#include "net.hpp"
#include "report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <mutex>
#include <thread>

namespace sanstls::cli {
namespace {

constexpr std::size_t kMaximumRequestHeader = 64 * 1024;

struct ServerArguments {
  std::string cert;
  std::string key;
  std::string host = "127.0.0.1";
  std::uint16_t port = 4433;
  bool http = false;
  bool echo = false;
  std::vector<std::string> alpn;
  std::string client_ca;
  bool require_client_cert = false;
  std::string backend = "openssl";
  bool once = false;
  bool tls13_only = false;
  std::string export_request;  // --export LABEL:LENGTH, checked by run_server
  int timeout_seconds = 30;
  bool early_data = false;
  bool no_tickets = false;
};

/// One line per connection on stderr; the lock keeps lines from different threads whole.
void log_line(std::mutex& lock, const std::string& line) {
  const std::lock_guard guard(lock);
  std::cerr << line << '\n';
}

std::string http_body(const SessionInfo& info) {
  std::string client_certificate = "none";
  if (!info.peer_certificates.empty()) {
    client_certificate = info.peer_certificates.front().subject();
  }
  return fmt::format(
      "sanstls server\nengine: {}\nversion: {}\ncipher_suite: {}\ngroup: {}\nalpn: {}\n"
      "server_name: {}\nclient_certificate: {}\n",
      backend_name(info.backend), info.version ? version_name(*info.version) : "-",
      info.cipher_suite ? cipher_suite_name(*info.cipher_suite) : "-",
      info.group ? group_name(*info.group) : "-", info.alpn.empty() ? "-" : info.alpn,
      info.server_name.empty() ? "-" : info.server_name, client_certificate);
}

/// Whether `request` holds a complete header: an empty line, ended by CRLF or, as RFC 9112
/// §2.2 lets a recipient accept, by a bare LF (several TLS test tools send
/// "GET / HTTP/1.0\n\n", and openssl s_server -www answers them).
bool header_complete(const std::vector<std::byte>& request) {
  const std::string_view text{reinterpret_cast<const char*>(request.data()), request.size()};
  return text.find("\n\n") != std::string_view::npos ||
         text.find("\n\r\n") != std::string_view::npos;
}

Outcome<void> serve_http(TlsSocket& tls, std::chrono::milliseconds timeout,
                         std::vector<std::byte> request) {
  bool open = true;
  // The request may come with the client's close_notify (a client that sends and closes):
  // look at what arrived before deciding that the request is incomplete.
  while (!header_complete(request)) {
    if (!open) {
      return {};  // the client closed without a complete request
    }
    if (request.size() > kMaximumRequestHeader) {
      return tl::unexpected(Failure{exit_failure, "HTTP request header too large"});
    }
    auto more = tls.read(request, timeout);
    if (!more) {
      return tl::unexpected(more.error());
    }
    open = *more;
  }
  const std::string body = http_body(tls.session().info());
  const std::string response = fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: "
      "close\r\n\r\n{}",
      body.size(), body);
  if (auto written = tls.write(std::as_bytes(std::span{response.data(), response.size()}));
      !written) {
    return tl::unexpected(written.error());
  }
  return tls.finish();
}

Outcome<void> serve_echo(TlsSocket& tls, std::chrono::milliseconds timeout,
                         const std::vector<std::byte>& early_data) {
  if (!early_data.empty()) {
    if (auto written = tls.write(early_data); !written) {
      return tl::unexpected(written.error());
    }
  }
  while (true) {
    std::vector<std::byte> data;
    auto open = tls.read(data, timeout);
    if (!open) {
      return tl::unexpected(open.error());
    }
    if (!data.empty()) {
      if (auto written = tls.write(data); !written) {
        return tl::unexpected(written.error());
      }
    }
    if (!*open) {
      return tls.finish();  // answer the client's close_notify with ours
    }
  }
}

/// Handles one connection from accept to close; returns its exit status.
int serve_connection(Socket socket, const ServerTLS& tls, const ServerArguments& args,
                     std::mutex& log_lock) {
  const std::chrono::milliseconds timeout{std::chrono::seconds{args.timeout_seconds}};
  auto connection = TlsSocket::accept(std::move(socket), tls, args.early_data);
  if (!connection) {
    log_line(log_lock, "sanstls server: " + connection.error().message);
    return connection.error().exit_code;
  }
  if (auto done = (*connection)->handshake(timeout); !done) {
    log_line(log_lock, "sanstls server: handshake failed: " + done.error().message);
    return done.error().exit_code;
  }
  const SessionInfo& info = (*connection)->session().info();
  log_line(log_lock,
           fmt::format("sanstls server: {} resumed={} early_data={}", info.summary(),
                       info.resumed ? "yes" : "no", early_data_status_name(info.early_data)));
  // 0-RTT data (only with --early-data; it may be a replay, RFC 8446 §8): an echo server sends
  // it back, an HTTP server reads it as the start of the request (a GET is idempotent).
  std::vector<std::byte> early_data = (*connection)->take_early_data();
  if (!args.export_request.empty()) {
    const auto request = parse_export_request(args.export_request);
    auto hex = request ? exported_hex((*connection)->session(), *request)
                       : Outcome<std::string>(tl::unexpected(request.error()));
    log_line(log_lock,
             hex ? fmt::format("sanstls server: keying material ({}): {}", request->label, *hex)
                 : "sanstls server: " + hex.error().message);
  }
  auto served = args.http ? serve_http(**connection, timeout, std::move(early_data))
                          : serve_echo(**connection, timeout, early_data);
  if (!served) {
    log_line(log_lock, "sanstls server: " + served.error().message);
    return served.error().exit_code;
  }
  return exit_ok;
}

Outcome<ServerTLS> make_server(const ServerArguments& args) {
  auto chain = CertificateChain::from_files(args.cert, args.key);
  if (!chain) {
    return tl::unexpected(Failure{exit_usage, chain.error().message});
  }
  ServerOptions options;
  if (auto applied = apply_common_options(args.backend, args.alpn, args.tls13_only, options);
      !applied) {
    return tl::unexpected(applied.error());
  }
  if (!args.client_ca.empty()) {
    auto trust = TrustStore::from_file(args.client_ca);
    if (!trust) {
      return tl::unexpected(Failure{exit_usage, trust.error().message});
    }
    options.client_trust = std::move(*trust);
    options.client_auth = args.require_client_cert ? ClientAuth::required : ClientAuth::optional;
  } else if (args.require_client_cert) {
    return tl::unexpected(Failure{exit_usage, "--require-client-cert needs --client-ca"});
  }
  // Tickets by default (ServerOptions::session_tickets); 0-RTT only when asked.
  if (args.no_tickets) {
    options.session_tickets = 0;
  }
  options.early_data.enabled = args.early_data;
  ServerTLS tls{std::move(*chain), std::move(options)};
  if (const Error* error = tls.configuration_error()) {
    return tl::unexpected(Failure{exit_usage, error->message});
  }
  return tls;
}

int run_server(const ServerArguments& args) {
  if (args.http == args.echo) {
    std::cerr << "sanstls server: choose exactly one of --http and --echo\n";
    return exit_usage;
  }
  if (!args.export_request.empty()) {
    if (auto parsed = parse_export_request(args.export_request); !parsed) {
      std::cerr << "sanstls server: " << parsed.error().message << '\n';
      return parsed.error().exit_code;
    }
  }
  auto tls = make_server(args);
  if (!tls) {
    std::cerr << "sanstls server: " << tls.error().message << '\n';
    return tls.error().exit_code;
  }
  auto listener = Listener::open(args.host, args.port);
  if (!listener) {
    std::cerr << "sanstls server: " << listener.error().message << '\n';
    return listener.error().exit_code;
  }
  const std::string shown_host =
      args.host.find(':') != std::string::npos ? "[" + args.host + "]" : args.host;
  std::cout << "listening on " << shown_host << ':' << listener->bound_port() << std::endl;
  // Shared by the connection threads, which outlive nothing here: the process exits from the
  // accept loop only with --once, after the single connection finished.
  auto log_lock = std::make_shared<std::mutex>();
  auto shared_tls = std::make_shared<const ServerTLS>(std::move(*tls));
  auto shared_args = std::make_shared<const ServerArguments>(args);
  while (true) {
    auto accepted = listener->accept(std::chrono::seconds{1});
    if (!accepted) {
      std::cerr << "sanstls server: " << accepted.error().message << '\n';
      continue;
    }
    if (!*accepted) {
      continue;
    }
    if (args.once) {
      return serve_connection(std::move(**accepted), *shared_tls, *shared_args, *log_lock);
    }
    std::thread([socket = std::move(**accepted), shared_tls, shared_args, log_lock]() mutable {
      (void)serve_connection(std::move(socket), *shared_tls, *shared_args, *log_lock);
    }).detach();
  }
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServerArguments>();
  CLI::App* command =
      app.add_subcommand("server", "Serve TLS: answer HTTP requests (--http) or echo (--echo)");
  command->add_option("--cert", args->cert, "certificate chain (PEM, leaf first)")->required();
  command->add_option("--key", args->key, "private key (PEM)")->required();
  command->add_option("--host", args->host, "address to listen on (default 127.0.0.1)");
  command->add_option("--port", args->port, "port (0 picks a free one; default 4433)");
  command->add_flag("--http", args->http, "answer each request with a page naming the parameters");
  command->add_flag("--echo", args->echo, "echo every byte back");
  command->add_option("--alpn", args->alpn, "ALPN protocols in preference order")->delimiter(',');
  command->add_option("--client-ca", args->client_ca, "ask for client certificates from this CA");
  command->add_flag("--require-client-cert", args->require_client_cert,
                    "refuse clients without a certificate");
  command->add_option("--backend", args->backend, "openssl, gnutls or native");
  command->add_option("--export", args->export_request,
                      "log LENGTH bytes of keying material exported with LABEL (RFC 5705) for "
                      "each connection, as LABEL:LENGTH");
  command->add_flag("--once", args->once, "serve one connection, then exit with its status");
  command->add_flag("--tls13-only", args->tls13_only, "refuse TLS 1.2");
  command->add_flag("--early-data", args->early_data,
                    "accept 0-RTT early data from resuming clients (it may be replayed: only for "
                    "idempotent requests)");
  command->add_flag("--no-tickets", args->no_tickets,
                    "send no session tickets (clients cannot resume)");
  command->add_option("--timeout", args->timeout_seconds, "idle seconds before dropping a client")
      ->check(CLI::Range(1, 3600));
  command->callback([args, &exit_code] { exit_code = run_server(*args); });
}

}  // namespace sanstls::cli
