// SPDX-License-Identifier: Apache-2.0 OR MIT
// `sanstls cert ca` / `sanstls cert leaf` (tools/cmd_cert.cpp), driven through CLI11 in-process.

#include "../../tools/cmd_cert.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sanstls::cli {
namespace {

namespace fs = std::filesystem;

// Parses like a main() would: CLI11's own parse errors count as usage errors (exit status 2).
int run(std::vector<std::string> args) {
  CLI::App app("sanstls");
  app.require_subcommand(1);
  int exit_code = -1;
  add_cert_command(app, exit_code);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11's vector form
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return error.get_exit_code() == 0 ? 0 : 2;
  }
  return exit_code;
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int count(const std::string& text, std::string_view needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class CertCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("sanstls-cert-cli-{}-{}", static_cast<long>(::getpid()),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CertCommandTest, CaThenLeafVerifyWithOpenssl) {
  const fs::path ca = dir_ / "nested" / "ca";
  ASSERT_EQ(run({"cert", "ca", "--out", ca.string(), "--cn", "CLI Test CA", "--key-type",
                 "ecdsa-p384", "--days", "30"}),
            0);
  ASSERT_TRUE(fs::exists(ca / "ca.pem"));
  EXPECT_EQ(mode_of(ca / "ca.key"), 0600U);
  EXPECT_EQ(count(slurp(ca / "ca.pem"), "BEGIN CERTIFICATE"), 1);
  EXPECT_EQ(count(slurp(ca / "ca.key"), "BEGIN PRIVATE KEY"), 1);

  const fs::path server = dir_ / "server";
  ASSERT_EQ(run({"cert", "leaf", "--ca", ca.string(), "--out", server.string(), "--name",
                 "localhost,127.0.0.1,::1", "--key-type", "rsa-2048"}),
            0);
  EXPECT_EQ(mode_of(server / "key.pem"), 0600U);
  EXPECT_EQ(count(slurp(server / "cert.pem"), "BEGIN CERTIFICATE"), 1);  // the root is not sent

  const fs::path client = dir_ / "client";
  ASSERT_EQ(run({"cert", "leaf", "--ca", ca.string(), "--out", client.string(), "--name",
                 "client.example", "--client", "--key-type", "ed25519", "--days", "1"}),
            0);

  if (std::system("openssl version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl program not installed";
  }
  const auto verify = [&](const fs::path& cert, std::string_view extra) {
    return std::system(fmt::format("openssl verify -CAfile '{}' {} '{}' >/dev/null 2>&1",
                                   (ca / "ca.pem").string(), extra, cert.string())
                           .c_str());
  };
  EXPECT_EQ(
      verify(server / "cert.pem", "-purpose sslserver -verify_hostname localhost -verify_ip ::1"),
      0);
  EXPECT_EQ(verify(client / "cert.pem", "-purpose sslclient"), 0);
  EXPECT_NE(verify(client / "cert.pem", "-purpose sslserver"), 0);
  // The key matches the certificate.
  EXPECT_EQ(std::system(fmt::format("test \"$(openssl pkey -in '{}' -pubout)\" = "
                                    "\"$(openssl x509 -in '{}' -noout -pubkey)\"",
                                    (server / "key.pem").string(), (server / "cert.pem").string())
                            .c_str()),
            0);
}

TEST_F(CertCommandTest, ExistingLooseKeyFileIsTightened) {
  fs::create_directories(dir_);
  { std::ofstream(dir_ / "ca.key") << "old"; }
  fs::permissions(dir_ / "ca.key", fs::perms::all);
  ASSERT_EQ(run({"cert", "ca", "--out", dir_.string()}), 0);
  EXPECT_EQ(mode_of(dir_ / "ca.key"), 0600U);
  EXPECT_EQ(count(slurp(dir_ / "ca.key"), "BEGIN PRIVATE KEY"), 1);
}

TEST_F(CertCommandTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run({"cert"}), 2);
  EXPECT_EQ(run({"cert", "ca"}), 2);  // --out missing
  EXPECT_EQ(run({"cert", "ca", "--out", dir_.string(), "--key-type", "dsa"}), 2);
  EXPECT_EQ(run({"cert", "ca", "--out", dir_.string(), "--days", "0"}), 2);
  EXPECT_EQ(run({"cert", "ca", "--out", dir_.string(), "--days", "many"}), 2);
  EXPECT_FALSE(fs::exists(dir_ / "ca.pem"));

  ASSERT_EQ(run({"cert", "ca", "--out", dir_.string()}), 0);
  EXPECT_EQ(run({"cert", "leaf", "--ca", dir_.string(), "--out", (dir_ / "l").string()}), 2);
  EXPECT_EQ(run({"cert", "leaf", "--ca", dir_.string(), "--out", (dir_ / "l").string(), "--name",
                 "bad name"}),
            2);
  EXPECT_FALSE(fs::exists(dir_ / "l" / "key.pem"));
}

TEST_F(CertCommandTest, OtherFailuresExitWithOne) {
  // No CA there.
  EXPECT_EQ(run({"cert", "leaf", "--ca", (dir_ / "missing").string(), "--out",
                 (dir_ / "l").string(), "--name", "x.example"}),
            1);
  // A CA whose key does not match.
  ASSERT_EQ(run({"cert", "ca", "--out", (dir_ / "a").string()}), 0);
  ASSERT_EQ(run({"cert", "ca", "--out", (dir_ / "b").string()}), 0);
  fs::copy_file(dir_ / "b" / "ca.key", dir_ / "a" / "ca.key", fs::copy_options::overwrite_existing);
  EXPECT_EQ(run({"cert", "leaf", "--ca", (dir_ / "a").string(), "--out", (dir_ / "l").string(),
                 "--name", "x.example"}),
            1);
  // An output path that is a file.
  { std::ofstream(dir_ / "file") << "x"; }
  EXPECT_EQ(run({"cert", "ca", "--out", (dir_ / "file").string()}), 1);
}

}  // namespace
}  // namespace sanstls::cli
