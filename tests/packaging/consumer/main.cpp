// SPDX-License-Identifier: Apache-2.0 OR MIT
// Uses the installed headers and library: configuration errors are values, engines are listed.
#include <sanstls/sanstls.hpp>

#include <iostream>

int main() {
  const sanstls::ClientTLS bad{"not a host name!"};
  if (bad.configuration_error() == nullptr) {
    return 1;
  }
  for (const auto& engine : sanstls::backends()) {
    std::cout << sanstls::backend_name(engine.backend)
              << (engine.available ? " available\n" : "\n");
  }
  std::cout << "sanstls " << SANSTLS_VERSION_STRING << " works from an install\n";
  return 0;
}
