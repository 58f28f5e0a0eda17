// SPDX-License-Identifier: Apache-2.0 OR MIT
// What the public headers declare, as docs/guide.md describes it: anything that can weaken
// security is only in <sanstls/hazmat/hazmat.hpp>, and must be asked for by name.

#include <gtest/gtest.h>

// The probes, each in a translation unit of its own: public_headers_probe.cpp includes only
// <sanstls/sanstls.hpp>, hazmat_header_probe.cpp adds <sanstls/hazmat/hazmat.hpp>.
bool sanstls_hpp_declares_make_unchecked_chain();
bool hazmat_hpp_declares_make_unchecked_chain();

namespace {

TEST(PublicHeaders, SanstlsHppDoesNotDeclareMakeUncheckedChain) {
  EXPECT_FALSE(sanstls_hpp_declares_make_unchecked_chain())
      << "<sanstls/sanstls.hpp> declares hazmat::make_unchecked_chain; only "
         "<sanstls/hazmat/hazmat.hpp> may";
}

TEST(PublicHeaders, HazmatHppDeclaresMakeUncheckedChain) {
  EXPECT_TRUE(hazmat_hpp_declares_make_unchecked_chain());
}

}  // namespace
