// SPDX-License-Identifier: Apache-2.0 OR MIT
// A process that forks after using a configuration: the child's sessions must not repeat the
// parent's randomness. The native engine hands out random bytes from a page it drew ahead
// (src/native/crypto/random_pool.hpp); without the page's wipe-on-fork the child would send the
// very ClientHello random (and key shares) the parent sends next. The other engines rely on
// their libraries' own fork checks, tested here all the same.
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/forked_child.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
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

  const auto from_child =
      bytes_from_forked_child([&client] { return client_hello_random(client); }, 32);
  ASSERT_TRUE(from_child.has_value()) << "the child's session failed";

  const Random parent_next = client_hello_random(client);
  ASSERT_EQ(parent_next.size(), 32U);
  EXPECT_NE(*from_child, parent_next) << "the child sent the parent's next ClientHello random";
  EXPECT_NE(*from_child, first);
  EXPECT_NE(parent_next, first);
}

INSTANTIATE_TEST_SUITE_P(Engines, Fork, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

}  // namespace
}  // namespace sanstls::test
