// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Whether the sanstls headers included before this one declare hazmat::make_unchecked_chain.
//
// A fallback template is made visible in sanstls::hazmat through a using-directive. Qualified
// lookup follows using-directives only when the namespace itself declares no such name
// ([namespace.qual]), so the call below resolves to the fallback exactly when no header
// included so far declares the real function.

#include <type_traits>
#include <utility>
#include <vector>

namespace unchecked_chain_probe {
struct NotDeclared {};
template <class... Args>
NotDeclared make_unchecked_chain(Args&&... args);
}  // namespace unchecked_chain_probe

namespace sanstls::hazmat {
using namespace ::unchecked_chain_probe;  // NOLINT(google-build-using-namespace)
}  // namespace sanstls::hazmat

namespace unchecked_chain_probe {
inline constexpr bool declared =
    !std::is_same_v<decltype(sanstls::hazmat::make_unchecked_chain(
                        std::declval<std::vector<sanstls::Certificate>>(),
                        std::declval<sanstls::PrivateKey>())),
                    NotDeclared>;
}  // namespace unchecked_chain_probe
