// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls verify --chain FILE --trust FILE [--name HOST|IP] [--purpose server|client]
//  [--time RFC3339] [--max-depth N] [--json] [--validator sanstls|openssl]`: validates a
// certificate path outside any TLS session. Exit status 0 when valid, 3 when refused (the
// reason on stderr, or in the JSON), 2 on usage errors (unreadable files, bad options).

#include <sanstls/credentials.hpp>
#include <sanstls/verify.hpp>

#include "commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace sanstls::cli {
namespace {

constexpr int exit_valid = 0;
constexpr int exit_usage = 2;
constexpr int exit_refused = 3;

struct VerifyArgs {
  std::string chain;
  std::string trust;
  std::string name;
  std::string purpose = "server";
  std::string time;
  std::size_t max_depth = 0;
  bool json = false;
  std::string validator = "sanstls";
};

/// RFC 3339 date-time ("2026-12-03T10:00:00Z", "2026-12-03T11:00:00+01:00"; fractional seconds
/// are ignored). Nothing when the text is not one.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour,
                  &minute, &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::string rest = text.substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    const std::size_t end = rest.find_first_not_of("0123456789", 1);
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  int offset_minutes = 0;
  if (rest == "Z" || rest == "z") {
    offset_minutes = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int offset_hours = 0;
    int offset_mins = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &offset_hours, &offset_mins) != 2) {
      return std::nullopt;
    }
    offset_minutes = (rest[0] == '-' ? -1 : 1) * (offset_hours * 60 + offset_mins);
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second} - std::chrono::minutes{offset_minutes};
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int usage(const std::string& message) {
  fmt::print(stderr, "sanstls verify: {}\n", message);
  return exit_usage;
}

int run_verify(const VerifyArgs& args) {
  const auto chain_text = read_file(args.chain);
  if (!chain_text) {
    return usage(fmt::format("cannot read the chain file '{}'", args.chain));
  }
  auto chain = Certificate::all_from_pem(*chain_text);
  if (!chain) {
    return usage(fmt::format("the chain file '{}' holds no usable PEM certificates: {}", args.chain,
                             chain.error().message));
  }
  auto trust = TrustStore::from_file(args.trust);
  if (!trust) {
    return usage(
        fmt::format("the trust file '{}' cannot be used: {}", args.trust, trust.error().message));
  }
  ChainCheck check;
  check.client = args.purpose == "client";
  check.name = args.name;
  check.max_intermediates = args.max_depth;
  check.validator = args.validator == "openssl" ? PathValidator::openssl : PathValidator::sanstls;
  if (!args.time.empty()) {
    check.time = parse_rfc3339(args.time);
    if (!check.time) {
      return usage(
          fmt::format("--time '{}' is not an RFC 3339 date-time such as "
                      "2026-12-03T10:00:00Z",
                      args.time));
    }
  }
  if (!check.client && check.name.empty()) {
    return usage("--name is required for a server certificate (--purpose server)");
  }
  const Result<void> verdict = verify_certificate_chain(*chain, *trust, check);
  if (!verdict && verdict.error().code != Errc::certificate_rejected) {
    return usage(verdict.error().message);
  }
  if (args.json) {
    nlohmann::json out{{"valid", verdict.has_value()},
                       {"validator", args.validator},
                       {"certificates", chain->size()}};
    if (!verdict) {
      const Error& error = verdict.error();
      out["problem"] = certificate_problem_name(error.certificate_problem);
      out["alert"] = error.alert_sent ? alert_name(*error.alert_sent) : "";
      out["message"] = error.message;
    }
    std::cout << out.dump(2) << "\n";
  } else if (verdict) {
    fmt::print("valid: {} certificate(s) lead to a trusted root ({} validator)\n", chain->size(),
               args.validator);
  } else {
    fmt::print(stderr, "refused ({}): {}\n",
               certificate_problem_name(verdict.error().certificate_problem),
               verdict.error().message);
  }
  return verdict ? exit_valid : exit_refused;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* command = app.add_subcommand(
      "verify", "Validate a certificate chain against trusted roots (exit 0 valid, 3 refused)");
  command->add_option("--chain", args->chain, "PEM file: the leaf, then intermediates in any order")
      ->required();
  command->add_option("--trust", args->trust, "PEM file of trusted root certificates")->required();
  command->add_option("--name", args->name,
                      "host name or IP address (required for --purpose "
                      "server)");
  command->add_option("--purpose", args->purpose, "server (default) or client")
      ->check(CLI::IsMember({"server", "client"}));
  command->add_option("--time", args->time,
                      "validate at this RFC 3339 time instead of now (2026-12-03T10:00:00Z)");
  command
      ->add_option("--max-depth", args->max_depth,
                   "intermediate certificates allowed (default 10, at most 30)")
      ->check(CLI::Range(1, 30));
  command->add_flag("--json", args->json, "print the verdict as JSON");
  command->add_option("--validator", args->validator, "sanstls (default) or openssl")
      ->check(CLI::IsMember({"sanstls", "openssl"}));
  command->callback([args, &exit_code] { exit_code = run_verify(*args); });
}

}  // namespace sanstls::cli
