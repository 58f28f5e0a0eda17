// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// `sanstls bench`: same-run figures for every engine, the raw libraries and the hardware limit.

namespace CLI {
class App;
}

namespace sanstls::cli {

void add_bench_command(CLI::App& app, int& exit_code);

}  // namespace sanstls::cli
