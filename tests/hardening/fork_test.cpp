// SPDX-License-Identifier: Apache-2.0 OR MIT
// A process that forks after using a configuration: the child's sessions must not repeat the
// parent's randomness. The native engine hands out random bytes from a page it drew ahead
// (src/native/crypto/random_pool.hpp); without the page's wipe-on-fork the child would send the
// very ClientHello random (and key shares) the parent sends next. The other engines rely on
// their libraries' own fork checks, tested here all the same.
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace sanstls::test {
namespace {

using Random = std::vector<std::byte>;

/// The 32-byte random of the ClientHello a new session of `client` sends (RFC 8446 §4.1.2):
/// after the record header (5 bytes), the handshake header (4) and legacy_version (2).
Random client_hello_random(const ClientTLS& client) {
  std::vector<std::byte> sent;
  SessionCallbacks callbacks;
  callbacks.write = [&sent](std::span<const std::byte> bytes) {
    sent.insert(sent.end(), bytes.begin(), bytes.end());
  };
  auto session = client.start(callbacks);
  constexpr std::size_t offset = 5 + 4 + 2;
  if (!session || sent.size() < offset + 32) {
    return {};
  }
  return {sent.begin() + offset, sent.begin() + offset + 32};
}

class Fork : public ::testing::TestWithParam<Backend> {};

TEST_P(Fork, AChildNeverRepeatsItsParentsClientHelloRandom) {
  auto pki = TestPki::build();
  ASSERT_TRUE(pki.has_value());
  const ClientTLS client("localhost",
                         ClientOptions{.trust = (*pki)->trust_store(), .backend = GetParam()});
  ASSERT_EQ(client.configuration_error(), nullptr);
  const Random first = client_hello_random(client);  // the engine has drawn randomness now
  ASSERT_EQ(first.size(), 32U);

  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    const Random mine = client_hello_random(client);
    const bool sent = mine.size() == 32 && write(pipe_fds[1], mine.data(), mine.size()) == 32;
    close(pipe_fds[1]);
    _exit(sent ? 0 : 1);
  }
  close(pipe_fds[1]);
  Random from_child(32);
  const ssize_t got = read(pipe_fds[0], from_child.data(), from_child.size());
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's session failed";
  ASSERT_EQ(got, 32);

  const Random parent_next = client_hello_random(client);
  ASSERT_EQ(parent_next.size(), 32U);
  EXPECT_NE(from_child, parent_next) << "the child sent the parent's next ClientHello random";
  EXPECT_NE(from_child, first);
  EXPECT_NE(parent_next, first);
}

INSTANTIATE_TEST_SUITE_P(Engines, Fork, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

}  // namespace
}  // namespace sanstls::test
