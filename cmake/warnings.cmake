# SPDX-License-Identifier: Apache-2.0 OR MIT
# sanstls_options: C++20 and strict warnings (as errors) for sanstls's own targets only.
add_library(sanstls_options INTERFACE)
target_compile_features(sanstls_options INTERFACE cxx_std_20)
target_compile_options(sanstls_options INTERFACE
  $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Werror
                   -Wno-missing-field-initializers>
  # GCC 12 at -O3 reports false positives inside libstdc++ itself (GCC bugs 105329, 105651,
  # 106199): keep them visible as warnings, but they must not break a Release build.
  $<BUILD_INTERFACE:$<$<CXX_COMPILER_ID:GNU>:-Wno-error=stringop-overread -Wno-error=restrict
                   -Wno-error=array-bounds -Wno-error=stringop-overflow>>)
