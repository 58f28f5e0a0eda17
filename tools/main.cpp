// SPDX-License-Identifier: Apache-2.0 OR MIT
// sanstls: the command-line face of the library (demo, client, server, cert, backends,
// verify).
// All socket IO of the project lives here, in tools/; the library works on buffers only.

#include <sanstls/version.hpp>

#include "cmd_cert.hpp"
#ifdef SANSTLS_HAVE_BENCH
#include "cmd_bench.hpp"
#endif
#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <string>

int main(int argc, char** argv) {
  // A peer that vanishes mid-send must not kill the program; send() reports it instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"sanstls " SANSTLS_VERSION_STRING ": one small TLS API over several engines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string{sanstls::version()});
  int exit_code = 0;
  sanstls::cli::add_demo_command(app, exit_code);
  sanstls::cli::add_client_command(app, exit_code);
  sanstls::cli::add_server_command(app, exit_code);
  sanstls::cli::add_cert_command(app, exit_code);
  sanstls::cli::add_backends_command(app, exit_code);
  sanstls::cli::add_verify_command(app, exit_code);
#ifdef SANSTLS_HAVE_BENCH
  sanstls::cli::add_bench_command(app, exit_code);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors are status 2
  }
  return exit_code;
}
