// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the native engine's resumption formats (session_ticket.hpp). The first byte
// chooses: 0 the server's ticket plaintext, 1 the client's stored session (it may come back from
// an application's disk), 2 a sealed ticket opened under a fixed key. Whatever parses must
// re-encode to exactly the input; nothing may crash or read out of bounds.
#include "native/handshake/session_ticket.hpp"

#include "native/crypto/libcrypto_provider.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace {

using namespace sanstls::native;

template <class Parsed>
void check_round_trip(std::span<const std::uint8_t> input, const Parsed& parsed) {
  auto encoded = parsed.encode();
  if (!encoded ||
      !std::equal(encoded->span().begin(), encoded->span().end(), input.begin(), input.end())) {
    std::abort();  // an accepted encoding did not survive the round trip
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      if (auto t = handshake::TicketContents::parse(input)) check_round_trip(input, *t);
      break;
    case 1:
      if (auto s = handshake::ClientSessionState::parse(input)) check_round_trip(input, *s);
      break;
    default: {
      // One provider per process: creating a library context per input would dominate.
      static const auto provider = crypto::LibcryptoProvider::create();
      if (!provider) std::abort();
      handshake::TicketSealingKey key;
      key.name.fill(0x11);
      key.key = sanstls::base::SecretBytes(std::vector<std::uint8_t>(32, 0x22));
      static_cast<void>(handshake::open_ticket(**provider, key, input));
      break;
    }
  }
  return 0;
}
