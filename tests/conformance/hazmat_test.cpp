// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: the hazmat settings behave the same on every engine.

#include "conformance/conformance.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace sanstls::test {
namespace {

using HazmatTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(HazmatTest);

TEST_P(HazmatTest, KeyLogReceivesNssLinesForBothSides) {
  std::vector<std::string> client_lines;
  std::vector<std::string> server_lines;
  auto client_settings = std::make_shared<hazmat::Settings>();
  client_settings->key_log = [&](std::string_view line) { client_lines.emplace_back(line); };
  auto server_settings = std::make_shared<hazmat::Settings>();
  server_settings->key_log = [&](std::string_view line) { server_lines.emplace_back(line); };
  ClientOptions options = client_options();
  options.hazmat = client_settings;
  ServerOptions server_opts = server_options();
  server_opts.hazmat = server_settings;
  SessionPair pair(client(options), server(server_opts));
  ASSERT_TRUE(pair.handshake());
  // TLS 1.3 (NSS key log format): four traffic secrets per side.
  for (const char* label : {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                            "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 "}) {
    for (const auto* lines : {&client_lines, &server_lines}) {
      EXPECT_TRUE(std::any_of(lines->begin(), lines->end(), [&](const std::string& line) {
        return line.starts_with(label);
      })) << label;
    }
  }
  // Both sides derive the same secrets.
  for (const auto& line : client_lines) {
    if (line.starts_with("CLIENT_TRAFFIC_SECRET_0 ")) {
      EXPECT_NE(std::find(server_lines.begin(), server_lines.end(), line), server_lines.end());
    }
  }
}

TEST_P(HazmatTest, NoKeyLogWithoutTheSetting) {
  // A process-wide SSLKEYLOGFILE must not make any engine write secrets behind our back.
  const auto file = std::filesystem::temp_directory_path() / "sanstls-keylog-must-stay-empty";
  std::filesystem::remove(file);
  ::setenv("SSLKEYLOGFILE", file.c_str(), 1);
  SessionPair pair(default_client(), default_server());
  EXPECT_TRUE(pair.handshake());
  ::unsetenv("SSLKEYLOGFILE");
  EXPECT_FALSE(std::filesystem::exists(file)) << "an engine wrote secrets to $SSLKEYLOGFILE";
}

TEST_P(HazmatTest, MaxVersionContradictingTls13OnlyIsAConfigurationError) {
  ClientOptions options = client_options();
  options.policy = Policy::tls13_only();
  options.hazmat = tls12_cap();
  const ClientTLS tls = client(options);
  ASSERT_NE(tls.configuration_error(), nullptr);
  EXPECT_EQ(tls.configuration_error()->code, Errc::bad_configuration);
}

}  // namespace
}  // namespace sanstls::test
