# sanstls_options: C++20 and strict warnings (as errors) for sanstls's own targets only.
add_library(sanstls_options INTERFACE)
target_compile_features(sanstls_options INTERFACE cxx_std_20)
target_compile_options(sanstls_options INTERFACE
  $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Werror
                   -Wno-missing-field-initializers>)
