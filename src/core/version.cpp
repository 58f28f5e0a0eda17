// SPDX-License-Identifier: Apache-2.0 OR MIT
// sanstls::version(): the version the library was built as (include/sanstls/version.hpp).

#include <sanstls/version.hpp>

namespace sanstls {

std::string_view version() noexcept { return SANSTLS_VERSION_STRING; }

}  // namespace sanstls
