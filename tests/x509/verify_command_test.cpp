// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls verify` (tools/cmd_verify.cpp), driven through CLI11 in-process: exit status 0 for a
// valid path, 3 for a refused one (with the reason in the JSON), 2 for usage errors.

#include <sanstls/testing/certificate_authority.hpp>

#include "../../tools/commands.hpp"

#include <CLI/CLI.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace sanstls::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

int run(std::vector<std::string> args) {
  CLI::App app("sanstls");
  app.require_subcommand(1);
  int exit_code = -1;
  add_verify_command(app, exit_code);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return error.get_exit_code() == 0 ? 0 : 2;
  }
  return exit_code;
}

class VerifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sanstls-verify-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::CaOptions ca_options;
    ca_options.not_before = std::chrono::system_clock::now() - std::chrono::days{30};
    auto root = testing::CertificateAuthority::create(ca_options);
    ASSERT_TRUE(root);
    auto intermediate = root->issue_intermediate();
    ASSERT_TRUE(intermediate);
    testing::LeafOptions leaf_options;
    leaf_options.names = {"leaf.example", "192.0.2.1"};
    auto leaf = intermediate->issue_leaf_parts(leaf_options);
    ASSERT_TRUE(leaf);
    write("chain.pem", leaf->certificates_pem());
    write("root.pem", root->certificate_pem());
    leaf_options.client = true;
    leaf_options.names = {"client.example"};
    auto client = intermediate->issue_leaf_parts(leaf_options);
    ASSERT_TRUE(client);
    write("client.pem", client->certificates_pem());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (dir_ / name).string(); }

  /// Runs with --json and returns {exit status, parsed JSON}.
  std::pair<int, nlohmann::json> run_json(std::vector<std::string> args) const {
    args.insert(args.begin(),
                {"verify", "--json", "--chain", file("chain.pem"), "--trust", file("root.pem")});
    ::testing::internal::CaptureStdout();
    const int status = run(args);
    const std::string out = ::testing::internal::GetCapturedStdout();
    return {status, nlohmann::json::parse(out, nullptr, false)};
  }

  fs::path dir_;
};

TEST_F(VerifyCommandTest, ValidPathExitsZero) {
  for (const char* validator : {"sanstls", "openssl"}) {
    SCOPED_TRACE(validator);
    auto [status, json] = run_json({"--name", "leaf.example", "--validator", validator});
    EXPECT_EQ(status, 0);
    EXPECT_EQ(json["valid"], true);
    EXPECT_EQ(json["validator"], validator);
    EXPECT_EQ(json["certificates"], 2);
    EXPECT_EQ(run_json({"--name", "192.0.2.1", "--validator", validator}).first, 0);
  }
  EXPECT_EQ(run({"verify", "--chain", file("client.pem"), "--trust", file("root.pem"), "--purpose",
                 "client"}),
            0);
}

TEST_F(VerifyCommandTest, RefusedPathExitsThreeWithTheReason) {
  auto [status, json] = run_json({"--name", "other.example"});
  EXPECT_EQ(status, 3);
  EXPECT_EQ(json["valid"], false);
  EXPECT_EQ(json["problem"], "name_mismatch");
  EXPECT_EQ(json["alert"], "bad_certificate");
  EXPECT_THAT(json["message"].get<std::string>(), HasSubstr("other.example"));

  auto [expired_status, expired] =
      run_json({"--name", "leaf.example", "--time", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(expired_status, 3);
  EXPECT_EQ(expired["problem"], "expired");
  EXPECT_THAT(expired["message"].get<std::string>(), HasSubstr("(now 2099-01-01 00:00:00 UTC)"));

  // The offset form names the same instant.
  auto [offset_status, offset] =
      run_json({"--name", "leaf.example", "--time", "2099-01-01T01:00:00+01:00"});
  EXPECT_EQ(offset_status, 3);
  EXPECT_THAT(offset["message"].get<std::string>(), HasSubstr("(now 2099-01-01 00:00:00 UTC)"));

  // A server certificate is not a client certificate; no trusted root is unknown_issuer.
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem"), "--purpose",
                 "client"}),
            3);
  auto [unknown_status, unknown] = run_json({"--name", "leaf.example", "--max-depth", "1"});
  EXPECT_EQ(unknown_status, 0) << unknown.dump();  // one intermediate is within 1
}

TEST_F(VerifyCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run({"verify", "--trust", file("root.pem"), "--name", "leaf.example"}), 2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--name", "leaf.example"}), 2);
  EXPECT_EQ(run({"verify", "--chain", file("missing.pem"), "--trust", file("root.pem"), "--name",
                 "leaf.example"}),
            2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem")}), 2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem"), "--name",
                 "leaf.example", "--time", "yesterday"}),
            2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem"), "--name",
                 "leaf.example", "--max-depth", "31"}),
            2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem"), "--name",
                 "leaf.example", "--validator", "gnutls"}),
            2);
  EXPECT_EQ(run({"verify", "--chain", file("chain.pem"), "--trust", file("root.pem"), "--name",
                 "not a name"}),
            2);
  write("garbage.pem", "not PEM");
  EXPECT_EQ(run({"verify", "--chain", file("garbage.pem"), "--trust", file("root.pem"), "--name",
                 "leaf.example"}),
            2);
}

}  // namespace
}  // namespace sanstls::cli
