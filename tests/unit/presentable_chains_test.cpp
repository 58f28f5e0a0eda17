// SPDX-License-Identifier: Apache-2.0 OR MIT
// core::PresentableChains: a chain is known only when it is made of the very certificate objects
// remembered (the same bytes parsed again are not), and the memory is bounded.
#include "core/presentable_chains.hpp"

#include <sanstls/testing/certificate_authority.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace sanstls::core {
namespace {

std::vector<Certificate> issue_chain(const testing::CertificateAuthority& ca) {
  testing::LeafOptions options;
  options.names = {"leaf.example"};
  auto parts = ca.issue_leaf_parts(options);
  EXPECT_TRUE(parts) << parts.error().to_string();
  return parts ? parts->certificates : std::vector<Certificate>{};
}

TEST(presentable_chains, known_only_for_the_same_certificate_objects) {
  auto root = testing::CertificateAuthority::create(testing::CaOptions{});
  ASSERT_TRUE(root) << root.error().to_string();
  testing::CaOptions intermediate_options;
  intermediate_options.common_name = "presentable intermediate";
  auto intermediate = root->issue_intermediate(intermediate_options);
  ASSERT_TRUE(intermediate) << intermediate.error().to_string();
  const std::vector<Certificate> chain = issue_chain(*intermediate);  // leaf, intermediate
  ASSERT_EQ(chain.size(), 2U);
  const PresentableChains checked;
  EXPECT_FALSE(checked.known(chain));
  checked.remember(chain);
  EXPECT_TRUE(checked.known(chain));
  EXPECT_TRUE(checked.known(std::vector<Certificate>(chain)));  // copies share the objects
  // The same bytes parsed again are other objects: not known.
  std::vector<Certificate> reparsed;
  for (const Certificate& certificate : chain) {
    auto again = Certificate::from_der(certificate.der());
    ASSERT_TRUE(again) << again.error().to_string();
    reparsed.push_back(std::move(*again));
  }
  EXPECT_FALSE(checked.known(reparsed));
  // Nor a prefix, nor another order.
  EXPECT_FALSE(checked.known(std::span(chain).first(1)));
  const std::vector<Certificate> swapped(chain.rbegin(), chain.rend());
  EXPECT_FALSE(checked.known(swapped));
}

TEST(presentable_chains, keeps_at_most_max_entries) {
  auto ca = testing::CertificateAuthority::create(testing::CaOptions{});
  ASSERT_TRUE(ca) << ca.error().to_string();
  const PresentableChains checked;
  std::vector<std::vector<Certificate>> chains;
  for (std::size_t i = 0; i <= PresentableChains::max_entries; ++i) {
    chains.push_back(issue_chain(*ca));
    checked.remember(chains.back());
  }
  EXPECT_FALSE(checked.known(chains.front()));  // the oldest went
  for (std::size_t i = 1; i < chains.size(); ++i) {
    EXPECT_TRUE(checked.known(chains[i])) << i;
  }
}

}  // namespace
}  // namespace sanstls::core
