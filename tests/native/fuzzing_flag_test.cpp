// SPDX-License-Identifier: Apache-2.0 OR MIT
// The UNSAFE fuzzing mode (fuzzing.hpp) is off in every build that runs tests: the peer's
// CertificateVerify signature and Finished are checked. (scripts/check-fuzzing-flag.sh, run as
// the native_fuzzing_flag_check test, proves that only fuzz/CMakeLists.txt sets the flag.)

#include "native/handshake/fuzzing.hpp"

#include <gtest/gtest.h>

namespace sanstls::native::handshake {
namespace {

static_assert(!kFuzzingSkipsPeerAuthentication,
              "SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH must be set only by the fuzz build");
static_assert(!fuzzing_finished_verdict(false));
static_assert(fuzzing_finished_verdict(true));

TEST(FuzzingFlag, FailedChecksStayFailed) {
  EXPECT_FALSE(fuzzing_finished_verdict(false));
  const wire::Status refused = wire::fail(Alert::decrypt_error, "CertificateVerify", "bad");
  const auto verdict = fuzzing_signature_verdict(refused);
  ASSERT_FALSE(verdict.has_value());
  EXPECT_EQ(verdict.error().alert, Alert::decrypt_error);
  EXPECT_TRUE(fuzzing_signature_verdict(wire::Status{}).has_value());
}

}  // namespace
}  // namespace sanstls::native::handshake
