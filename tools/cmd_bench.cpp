// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls bench [--backend NAME]... [--quick] [--only SECTION]... [--json FILE]`: handshakes,
// bulk throughput, memory, thread scaling and scale of every engine and of the raw libraries,
// with the hardware ceiling, in one run (see docs/performance.md; JSON schema:
// docs/bench-schema.json).

#include "cmd_bench.hpp"

#include <sanstls/sanstls.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bench.hpp>
#include <chrono>
#include <fstream>
#include <iostream>

namespace sanstls::cli {

void add_bench_command(CLI::App& app, int& exit_code) {
  struct Arguments {
    std::vector<std::string> backends;
    bool quick = false;
    bool smoke = false;
    bool no_raw = false;
    std::vector<std::string> only;
    std::string json_file;
  };
  auto args = std::make_shared<Arguments>();
  CLI::App* command = app.add_subcommand(
      "bench", "Benchmark every engine against the raw libraries and the hardware limit");
  command->add_option("--backend", args->backends, "only this engine (repeatable)");
  command->add_flag("--quick", args->quick, "less data and fewer repetitions (under 2 minutes)");
  // Hidden: each measurement once and minimal, for the schema test in CI.
  command->add_flag("--smoke", args->smoke)->group("");
  command->add_flag("--no-raw", args->no_raw, "skip the raw library loops (no ratios)");
  command
      ->add_option("--only", args->only,
                   "only this measurement (repeatable): memory (idle bytes per connection), "
                   "threads (handshakes/s with 2 threads against 1), scale (native engine: "
                   "100,000 idle sessions, --quick 5,000, established on 2 threads)")
      ->check(CLI::IsMember(
          std::vector<std::string>(std::begin(bench::kSections), std::end(bench::kSections))));
  command->add_option("--json", args->json_file, "also write every figure and ratio as JSON");
  command->callback([args, &exit_code, &app] {
    for (const auto& name : args->backends) {
      auto backend = parse_backend(name);
      if (!backend) {
        std::cerr << "sanstls bench: " << backend.error().to_string() << '\n';
        exit_code = 2;
        return;
      }
      if (!backend_capabilities(*backend).available) {
        std::cerr << fmt::format("sanstls bench: engine {} is not available in this build\n", name);
        exit_code = 2;
        return;
      }
    }
    bench::Options options;
    options.mode =
        args->smoke ? bench::Mode::smoke : (args->quick ? bench::Mode::quick : bench::Mode::full);
    options.backends = args->backends;
    options.raw = !args->no_raw;
    options.only = args->only;
    options.command = "sanstls bench";
    for (const auto& name : args->backends) options.command += " --backend " + name;
    if (args->quick) options.command += " --quick";
    if (args->smoke) options.command += " --smoke";
    if (args->no_raw) options.command += " --no-raw";
    for (const auto& section : args->only) options.command += " --only " + section;
    if (!args->json_file.empty()) options.command += " --json " + args->json_file;
    (void)app;
    const auto start = std::chrono::steady_clock::now();
    const auto report = bench::run(options, [start](const std::string& line) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << fmt::format("[{:6.1f}s] {}\n", elapsed, line);
    });
    if (!args->json_file.empty()) {
      std::ofstream out(args->json_file);
      out << report.dump(2) << '\n';
      if (!out) {
        std::cerr << "sanstls bench: cannot write " << args->json_file << '\n';
        exit_code = 1;
        return;
      }
    }
    bench::print_table(report, std::cout);
    exit_code = report["errors"].empty() ? 0 : 1;
  });
}

}  // namespace sanstls::cli
