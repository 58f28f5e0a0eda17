// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "support/test_pki.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace sanstls::test {
namespace {

using testing::KeyAlgorithm;

[[noreturn]] void die(std::string_view what, const Error& error) {
  std::fprintf(stderr, "sanstls test PKI: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.to_string().c_str());
  std::abort();
}

testing::LeafOptions server_options(KeyAlgorithm key) {
  testing::LeafOptions options;
  options.names.assign(TestPki::server_names.begin(), TestPki::server_names.end());
  options.key = key;
  return options;
}

void write_or_die(const std::filesystem::path& path, const std::string& text, bool secret) {
  // Keys are written 0600 from the start (some programs refuse group-readable keys).
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0 || (secret && ::fchmod(fd, 0600) != 0) ||
      ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (fd >= 0) {
      ::close(fd);
    }
    die(path.string(), make_error(Errc::bad_configuration, "cannot write the file"));
  }
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<TestPki>> TestPki::build() {
  auto root = testing::CertificateAuthority::create({.common_name = "sanstls test root"});
  if (!root) {
    return tl::unexpected(root.error());
  }
  testing::CaOptions intermediate_options;
  intermediate_options.common_name = "sanstls test intermediate";
  intermediate_options.path_length = 0;
  auto intermediate = root->issue_intermediate(intermediate_options);
  if (!intermediate) {
    return tl::unexpected(intermediate.error());
  }
  testing::LeafOptions client_options;
  client_options.names = {std::string(client_name)};
  client_options.client = true;
  auto client = intermediate->issue_leaf(client_options);
  if (!client) {
    return tl::unexpected(client.error());
  }
  return std::unique_ptr<TestPki>(
      new TestPki(std::move(*root), std::move(*intermediate), std::move(*client)));
}

const TestPki& TestPki::shared() {
  // Function-local: built on first use by whichever test needs it, once per process, and
  // thread-safe by the language's rules for local statics.
  static const std::unique_ptr<TestPki> instance = [] {
    auto built = build();
    if (!built) {
      die("building the shared PKI", built.error());
    }
    return std::move(*built);
  }();
  return *instance;
}

const TestPki::Server& TestPki::server_entry(KeyAlgorithm key) const {
  const std::lock_guard lock(mutex_);
  auto found = servers_.find(key);
  if (found == servers_.end()) {
    auto parts = intermediate_.issue_leaf_parts(server_options(key));
    if (!parts) {
      die(fmt::format("issuing the {} server certificate", testing::key_algorithm_name(key)),
          parts.error());
    }
    auto chain = CertificateChain::create(parts->certificates, parts->key);
    if (!chain) {
      die(fmt::format("checking the {} server chain", testing::key_algorithm_name(key)),
          chain.error());
    }
    found =
        servers_
            .emplace(key, std::make_unique<Server>(Server{std::move(*parts), std::move(*chain)}))
            .first;
  }
  return *found->second;
}

const CertificateChain& TestPki::server(KeyAlgorithm key) const { return server_entry(key).chain; }

const testing::IssuedLeaf& TestPki::server_parts(KeyAlgorithm key) const {
  return server_entry(key).parts;
}

TestPki::PemFiles TestPki::write_server_files(const std::filesystem::path& directory,
                                              KeyAlgorithm key, std::string_view stem) const {
  std::error_code ignored;
  std::filesystem::create_directories(directory, ignored);
  PemFiles files{directory / fmt::format("{}-chain.pem", stem),
                 directory / fmt::format("{}-key.pem", stem), directory / "root.pem"};
  const testing::IssuedLeaf& parts = server_parts(key);
  write_or_die(files.chain, parts.certificates_pem(), false);
  std::string key_pem = parts.key_pem();
  write_or_die(files.key, key_pem, true);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  write_or_die(files.root, root_pem(), false);
  return files;
}

}  // namespace sanstls::test
