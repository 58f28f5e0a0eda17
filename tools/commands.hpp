// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The subcommands of the `sanstls` program. Each add_*_command registers itself on `app` and,
// when it runs, stores its exit status in `exit_code` (which must outlive app.parse()).

namespace CLI {
class App;
}

namespace sanstls::cli {

void add_backends_command(CLI::App& app, int& exit_code);
void add_client_command(CLI::App& app, int& exit_code);
void add_server_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace sanstls::cli
