// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls demo`: a self-contained tour. Makes a throw-away CA and server certificate in
// memory, then for every client engine × server engine pair runs a real server and client
// over 127.0.0.1, sends data both ways, closes cleanly, and prints what was negotiated.

#include <sanstls/testing/certificate_authority.hpp>

#include "commands.hpp"
#include "net.hpp"
#include "report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <future>
#include <iostream>
#include <thread>

namespace sanstls::cli {
namespace {

constexpr std::size_t kPayloadSize = 256 * 1024;
constexpr std::chrono::seconds kTimeout{20};

struct DemoResult {
  Backend client = Backend::openssl;
  Backend server = Backend::openssl;
  bool ok = false;
  SessionInfo client_info;
  std::string error;
  double milliseconds = 0;
};

/// The server half: accept one connection, echo everything, answer close_notify.
Outcome<void> serve_one(const Listener& listener, const ServerTLS& tls) {
  auto accepted = listener.accept(kTimeout);
  if (!accepted || !*accepted) {
    return tl::unexpected(network_failure("the demo client never connected"));
  }
  auto connection = TlsSocket::accept(std::move(**accepted), tls);
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  if (auto done = (*connection)->handshake(kTimeout); !done) {
    return tl::unexpected(done.error());
  }
  while (true) {
    std::vector<std::byte> data;
    auto open = (*connection)->read(data, kTimeout);
    if (!open) {
      return tl::unexpected(open.error());
    }
    if (!data.empty()) {
      if (auto written = (*connection)->write(data); !written) {
        return tl::unexpected(written.error());
      }
    }
    if (!*open) {
      return (*connection)->finish();
    }
  }
}

/// The client half: connect, send a payload, read it back, close.
Outcome<SessionInfo> run_client(std::uint16_t port, const ClientTLS& tls) {
  auto socket = connect_tcp("127.0.0.1", port);
  if (!socket) {
    return tl::unexpected(socket.error());
  }
  auto connection = TlsSocket::connect(std::move(*socket), tls);
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  if (auto done = (*connection)->handshake(kTimeout); !done) {
    return tl::unexpected(done.error());
  }
  std::vector<std::byte> payload(kPayloadSize);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  }
  if (auto written = (*connection)->write(payload); !written) {
    return tl::unexpected(written.error());
  }
  std::vector<std::byte> echoed;
  while (echoed.size() < payload.size()) {
    auto open = (*connection)->read(echoed, kTimeout);
    if (!open) {
      return tl::unexpected(open.error());
    }
    if (!*open) {
      break;
    }
  }
  if (echoed != payload) {
    return tl::unexpected(Failure{exit_failure, fmt::format("echoed {} of {} bytes, or wrong bytes",
                                                            echoed.size(), payload.size())});
  }
  if (auto finished = (*connection)->finish(); !finished) {
    return tl::unexpected(finished.error());
  }
  // Wait for the server's close_notify: a clean close both ways.
  std::vector<std::byte> rest;
  while (true) {
    auto open = (*connection)->read(rest, kTimeout);
    if (!open) {
      return tl::unexpected(open.error());
    }
    if (!*open) {
      break;
    }
  }
  if ((*connection)->session().state() != SessionState::closed) {
    return tl::unexpected(Failure{exit_failure, "the session did not close cleanly"});
  }
  return (*connection)->session().info();
}

DemoResult run_pair(Backend client_engine, Backend server_engine,
                    const testing::CertificateAuthority& ca, const CertificateChain& server_chain) {
  DemoResult result{.client = client_engine, .server = server_engine};
  const auto started = std::chrono::steady_clock::now();
  ServerOptions server_options;
  server_options.backend = server_engine;
  server_options.alpn = {"http/1.1"};
  ServerTLS server_tls{server_chain, server_options};
  ClientOptions client_options;
  client_options.backend = client_engine;
  client_options.trust = ca.trust_store();
  client_options.alpn = {"h2", "http/1.1"};
  ClientTLS client_tls{"localhost", client_options};
  for (const Error* error : {server_tls.configuration_error(), client_tls.configuration_error()}) {
    if (error != nullptr) {
      result.error = error->message;
      return result;
    }
  }
  auto listener = Listener::open("127.0.0.1", 0);
  if (!listener) {
    result.error = listener.error().message;
    return result;
  }
  auto server = std::async(std::launch::async, [&] { return serve_one(*listener, server_tls); });
  auto client = run_client(listener->bound_port(), client_tls);
  auto served = server.get();
  result.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!client) {
    result.error = "client: " + client.error().message;
  } else if (!served) {
    result.error = "server: " + served.error().message;
  } else {
    result.client_info = *client;
    result.ok = client->peer_verified;
    if (!result.ok) {
      result.error = "the server's certificate was not verified";
    }
  }
  return result;
}

int run_demo(const std::string& only, bool json) {
  std::vector<Backend> engines;
  for (const auto& capabilities : backends()) {
    if (capabilities.available && (only.empty() || backend_name(capabilities.backend) == only)) {
      engines.push_back(capabilities.backend);
    }
  }
  if (engines.empty()) {
    std::cerr << "sanstls demo: no available engine named '" << only
              << "' (see 'sanstls backends')\n";
    return exit_usage;
  }
  if (!json) {
    std::cout << "sanstls demo: making a throw-away CA and a certificate for localhost...\n";
  }
  auto ca = testing::CertificateAuthority::create({.common_name = "sanstls demo CA"});
  if (!ca) {
    std::cerr << "sanstls demo: " << ca.error().message << '\n';
    return exit_failure;
  }
  testing::LeafOptions leaf;
  leaf.names = {"localhost", "127.0.0.1"};
  auto chain = ca->issue_leaf(leaf);
  if (!chain) {
    std::cerr << "sanstls demo: " << chain.error().message << '\n';
    return exit_failure;
  }
  std::vector<DemoResult> results;
  for (Backend client : engines) {
    for (Backend server : engines) {
      if (!json) {
        std::cout << fmt::format("  {} client -> {} server ... ", backend_name(client),
                                 backend_name(server))
                  << std::flush;
      }
      results.push_back(run_pair(client, server, *ca, *chain));
      if (!json) {
        std::cout << (results.back().ok ? "ok" : "FAILED") << '\n';
      }
    }
  }
  bool all_ok = true;
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : results) {
      out.push_back({{"client", backend_name(r.client)},
                     {"server", backend_name(r.server)},
                     {"ok", r.ok},
                     {"error", r.error},
                     {"milliseconds", r.milliseconds},
                     {"session", to_json(r.client_info)}});
      all_ok = all_ok && r.ok;
    }
    std::cout << out.dump(2) << '\n';
    return all_ok ? exit_ok : exit_failure;
  }
  std::cout << fmt::format("\n{:<8} {:<8} {:<8} {:<30} {:<14} {:<9} {:<8} {:>8}  {}\n", "client",
                           "server", "version", "cipher suite", "group", "ALPN", "verified", "ms",
                           "result");
  for (const auto& r : results) {
    const SessionInfo& i = r.client_info;
    std::cout << fmt::format(
        "{:<8} {:<8} {:<8} {:<30} {:<14} {:<9} {:<8} {:>8.1f}  {}\n", backend_name(r.client),
        backend_name(r.server), i.version ? version_name(*i.version) : "-",
        i.cipher_suite ? cipher_suite_name(*i.cipher_suite) : "-",
        i.group ? group_name(*i.group) : "-", i.alpn.empty() ? "-" : i.alpn,
        i.peer_verified ? "yes" : "no", r.milliseconds, r.ok ? "ok" : "FAILED: " + r.error);
    all_ok = all_ok && r.ok;
  }
  std::cout << fmt::format(
      "\n{} of {} engine pairs completed a verified handshake and round-tripped {} KiB each "
      "way.\n",
      std::count_if(results.begin(), results.end(), [](const auto& r) { return r.ok; }),
      results.size(), kPayloadSize / 1024);
  return all_ok ? exit_ok : exit_failure;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto only = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* command =
      app.add_subcommand("demo", "Run a client and a server on 127.0.0.1 with every engine pair");
  command->add_option("--backend", *only, "only this engine (openssl, gnutls, native)");
  command->add_flag("--json", *json, "print the results as JSON");
  command->callback([only, json, &exit_code] { exit_code = run_demo(*only, *json); });
}

}  // namespace sanstls::cli
