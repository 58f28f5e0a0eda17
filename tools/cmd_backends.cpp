// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls backends [--json]`: what each engine is and can do.

#include <sanstls/sanstls.hpp>

#include "commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sanstls::cli {
namespace {

nlohmann::json to_json(const BackendCapabilities& c) {
  nlohmann::json suites = nlohmann::json::array();
  for (CipherSuite suite : c.cipher_suites) {
    suites.push_back(cipher_suite_name(suite));
  }
  nlohmann::json groups = nlohmann::json::array();
  for (NamedGroup group : c.groups) {
    groups.push_back(group_name(group));
  }
  nlohmann::json versions = nlohmann::json::array();
  for (ProtocolVersion version : c.versions) {
    versions.push_back(version_name(version));
  }
  nlohmann::json resumption = nlohmann::json::array();
  for (ProtocolVersion version : c.resumption) {
    resumption.push_back(version_name(version));
  }
  nlohmann::json client_versions = nlohmann::json::array();
  for (ProtocolVersion version : c.client_versions) {
    client_versions.push_back(version_name(version));
  }
  return {{"name", backend_name(c.backend)},
          {"available", c.available},
          {"library_version", c.library_version},
          {"versions", versions},
          {"client_versions", client_versions},
          {"cipher_suites", suites},
          {"groups", groups},
          {"certificate_validation", c.certificate_validation},
          {"capabilities",
           {{"alpn", c.alpn},
            {"client_certificates", c.client_certificates},
            {"async_server_certificates", c.async_server_certificates},
            {"async_client_certificates", c.async_client_certificates},
            {"resumption", resumption},
            {"early_data", c.early_data},
            {"ticket_key_history", c.ticket_key_history},
            {"key_update", c.key_update},
            {"key_log", c.key_log}}}};
}

std::string capability_list(const BackendCapabilities& c) {
  std::vector<std::string> names;
  for (ProtocolVersion version : c.versions) {
    names.emplace_back(version_name(version));
  }
  const std::pair<bool, const char*> flags[] = {{c.alpn, "alpn"},
                                                {c.client_certificates, "client-certs"},
                                                {c.async_server_certificates, "async-server-certs"},
                                                {c.async_client_certificates, "async-client-certs"},
                                                {!c.resumption.empty(), "resumption"},
                                                {c.early_data, "early-data"},
                                                {c.key_update, "key-update"},
                                                {c.key_log, "key-log"}};
  for (const auto& [on, name] : flags) {
    if (on) {
      names.emplace_back(name);
    }
  }
  std::vector<std::string_view> groups;
  for (NamedGroup group : c.groups) {
    groups.push_back(group_name(group));
  }
  return fmt::format("{}; groups {}; certificate validation: {}", fmt::join(names, ", "),
                     fmt::join(groups, ", "), c.certificate_validation);
}

}  // namespace

void add_backends_command(CLI::App& app, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("backends", "List the TLS engines and what they can do");
  command->add_flag("--json", *json, "print JSON");
  command->callback([json, &exit_code] {
    const auto engines = backends();
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& engine : engines) {
        out.push_back(to_json(engine));
      }
      std::cout << out.dump(2) << '\n';
    } else {
      for (const auto& engine : engines) {
        std::cout << fmt::format("{:<8} {:<13} {:<40} {}\n", backend_name(engine.backend),
                                 engine.available ? "available" : "not available",
                                 engine.library_version,
                                 engine.available ? capability_list(engine) : "");
      }
    }
    exit_code = 0;
  });
}

}  // namespace sanstls::cli
