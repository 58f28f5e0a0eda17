// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file export.hpp
/// SANSTLS_API marks the symbols of the public API. The library is built with hidden
/// visibility, so in a shared build only these symbols are exported.

#if defined(__GNUC__) || defined(__clang__)
#define SANSTLS_API __attribute__((visibility("default")))
#else
#define SANSTLS_API
#endif
