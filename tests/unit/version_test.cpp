// SPDX-License-Identifier: Apache-2.0 OR MIT
// The version the library reports is the project's (CMakeLists.txt `project(VERSION)`), in the
// function, the macros and the program (`sanstls --version`, tested in CMakeLists.txt).

#include <sanstls/version.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Version, FunctionMacrosAndProjectAgree) {
  EXPECT_EQ(sanstls::version(), SANSTLS_EXPECTED_PROJECT_VERSION);
  EXPECT_EQ(sanstls::version(), SANSTLS_VERSION_STRING);
  const std::string from_parts = std::to_string(SANSTLS_VERSION_MAJOR) + "." +
                                 std::to_string(SANSTLS_VERSION_MINOR) + "." +
                                 std::to_string(SANSTLS_VERSION_PATCH);
  EXPECT_EQ(from_parts, SANSTLS_VERSION_STRING);
}

}  // namespace
