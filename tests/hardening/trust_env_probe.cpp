// SPDX-License-Identifier: Apache-2.0 OR MIT
// Prints what TrustStore::system() loaded ("ok <count>") or why it failed ("error <message>"),
// for secure_getenv_test.sh, which runs it plainly and as a setuid program.
#include <sanstls/credentials.hpp>

#include <cstdio>

int main() {
  auto store = sanstls::TrustStore::system();
  if (!store) {
    std::printf("error %s\n", store.error().message.c_str());
    return 1;
  }
  std::printf("ok %zu\n", store->size());
  return 0;
}
