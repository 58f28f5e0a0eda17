// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "support/engines.hpp"

namespace sanstls::test {

std::vector<Backend> available_engines() {
  std::vector<Backend> engines;
  for (const auto& capabilities : backends()) {
    if (capabilities.available) {
      engines.push_back(capabilities.backend);
    }
  }
  return engines;
}

std::vector<EnginePair> engine_pairs() {
  std::vector<EnginePair> pairs;
  for (Backend client : available_engines()) {
    for (Backend server : available_engines()) {
      pairs.push_back({client, server});
    }
  }
  return pairs;
}

std::string engine_pair_name(const EnginePair& pair) {
  return std::string{backend_name(pair.client)} + "_to_" + std::string{backend_name(pair.server)};
}

}  // namespace sanstls::test
