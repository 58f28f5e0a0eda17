// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// sanstls_bench: the benchmark harness behind `sanstls bench`. One process, one run: every
// sanstls engine and the raw libraries (OpenSSL over memory BIOs, GnuTLS over push/pull
// functions) do the same work, next to the hardware ceiling measured with libcrypto.
// The result is a JSON document (schema: docs/bench-schema.json) and a readable table.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace sanstls::bench {

enum class Mode {
  full,   // at least 256 MiB per bulk measurement, 5 repetitions
  quick,  // less data and time per figure, 3 repetitions (the output says so)
  smoke,  // every measurement once, minimal: for the schema test in CI only
};

struct Options {
  Mode mode = Mode::full;
  /// Engines to measure ("openssl", "gnutls", "native"); empty means every available one.
  std::vector<std::string> backends;
  /// Measure the raw libraries too (they are needed for the ratios).
  bool raw = true;
  /// Only these measurements ("memory", "scale", "threads"; see kSections); empty means
  /// everything. The report then has only those figures (and "only" says which).
  std::vector<std::string> only;
  /// The command line that produced the run (recorded in the output).
  std::string command;
};

/// The measurements Options::only can select.
inline constexpr const char* kSections[] = {"memory", "scale", "threads"};

/// Progress lines (stderr in the CLI).
using Progress = std::function<void(const std::string& line)>;

/// Runs everything and returns the report (schema "sanstls-bench/1"). Errors (a handshake that
/// fails, a library that refuses a setting) are recorded in the report's "errors" array.
nlohmann::json run(const Options& options, const Progress& progress);

/// Keeps memory freed by the harness in the process (glibc trims the heap's top otherwise, and
/// every connection's transport buffers made it grow and shrink). run() calls it.
void keep_freed_heap();

/// The raw AEAD reference ("hardware.aead"): seals (and with `open`, also opens) `total` bytes
/// in records of `content` bytes with libcrypto's `evp_name` cipher, as TLS 1.3 does; MB/s of
/// CPU, or nothing when libcrypto refused. Each record seals `trailer` bytes more, not counted
/// in the rate (1: a TLS 1.3 TLSInnerPlaintext's content type byte). bench_loop runs it under
/// callgrind too.
std::optional<double> aead_rate(const char* evp_name, std::size_t content, std::size_t total,
                                bool open, std::size_t trailer = 0);

/// The report as human-readable tables.
void print_table(const nlohmann::json& report, std::ostream& out);

}  // namespace sanstls::bench
