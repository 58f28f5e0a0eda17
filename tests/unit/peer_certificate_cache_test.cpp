// SPDX-License-Identifier: Apache-2.0 OR MIT
// The core's PeerCertificateCache: a hit only for exactly the same DER bytes, whatever else is
// cached (same length, one byte apart, another certificate); parse failures are not kept.

#include "core/peer_certificate_cache.hpp"

#include <sanstls/testing/certificate_authority.hpp>

#include "core/library_context.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace {

using sanstls::Certificate;
using sanstls::core::LibraryContext;
using sanstls::core::PeerCertificateCache;
using sanstls::testing::CertificateAuthority;

std::vector<std::byte> der_of(const Certificate& certificate) {
  const auto der = certificate.der();
  return {der.begin(), der.end()};
}

bool same_der(const Certificate& certificate, const std::vector<std::byte>& der) {
  return std::ranges::equal(certificate.der(), der);
}

TEST(peer_certificate_cache, a_hit_only_for_the_same_bytes) {
  auto ca = CertificateAuthority::create();
  ASSERT_TRUE(ca);
  auto a = ca->issue_leaf({.names = {"a.example"}});
  auto b = ca->issue_leaf({.names = {"b.example"}});
  ASSERT_TRUE(a && b);
  const auto a_der = der_of(a->certificates().front());
  const auto b_der = der_of(b->certificates().front());
  // The same length, one byte apart: the last byte is in the signature, so it still parses.
  auto a_changed = a_der;
  a_changed.back() ^= std::byte{1};

  PeerCertificateCache cache;
  auto library = LibraryContext::create();
  ASSERT_TRUE(library);
  cache.set_library(*library);
  for (int round = 0; round < 2; ++round) {  // the second round is served from the cache
    for (const std::vector<std::byte>* der : {&a_der, &b_der, &std::as_const(a_changed)}) {
      auto got = cache.get(*der);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_TRUE(same_der(*got, *der)) << "round " << round;
    }
  }
  // Bytes that do not parse fail every time (not kept).
  const std::vector<std::byte> garbage(a_der.size(), std::byte{0x30});
  EXPECT_FALSE(cache.get(garbage));
  EXPECT_FALSE(cache.get(garbage));
  EXPECT_FALSE(cache.get({}));
}

}  // namespace
