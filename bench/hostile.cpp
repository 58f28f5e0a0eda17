// SPDX-License-Identifier: Apache-2.0 OR MIT
// See hostile.hpp. The hellos are written byte by byte here, independent of every engine's own
// encoder, so that each engine parses the same input.

#include "hostile.hpp"

#include <algorithm>
#include <cstdint>

namespace sanstls::bench {
namespace {

using Buffer = std::vector<std::uint8_t>;

void u8(Buffer& b, std::size_t v) { b.push_back(static_cast<std::uint8_t>(v & 0xffU)); }
void u16(Buffer& b, std::size_t v) {
  u8(b, v >> 8U);
  u8(b, v);
}
void u24(Buffer& b, std::size_t v) {
  u8(b, v >> 16U);
  u16(b, v & 0xffffU);
}
/// Appends `body` with a 1-, 2- or 3-byte length prefix.
void prefixed(Buffer& b, int width, const Buffer& body) {
  if (width == 1) u8(b, body.size());
  if (width == 2) u16(b, body.size());
  if (width == 3) u24(b, body.size());
  b.insert(b.end(), body.begin(), body.end());
}
void extension(Buffer& b, std::size_t type, const Buffer& body) {
  u16(b, type);
  prefixed(b, 2, body);
}

/// A ClientHello with `empty_extensions` extra extensions (types 0x8000 on) and `extra_groups`
/// extra groups (0x2000 on) each with a one-byte share, in records of at most 2^14 bytes.
std::vector<std::byte> client_hello(std::size_t empty_extensions, std::size_t extra_groups) {
  Buffer extensions;
  extension(extensions, 43, {2, 0x03, 0x04});  // supported_versions: TLS 1.3
  Buffer groups;
  u16(groups, 0x001d);  // x25519
  for (std::size_t i = 0; i < extra_groups; ++i) u16(groups, 0x2000 + i);
  Buffer groups_body;
  prefixed(groups_body, 2, groups);
  extension(extensions, 10, groups_body);
  Buffer shares;
  u16(shares, 0x001d);
  prefixed(shares, 2, Buffer(32, 0x09));  // the X25519 base point: a valid public value
  for (std::size_t i = 0; i < extra_groups; ++i) {
    u16(shares, 0x2000 + i);
    prefixed(shares, 2, {0x01});
  }
  Buffer shares_body;
  prefixed(shares_body, 2, shares);
  extension(extensions, 51, shares_body);
  Buffer schemes;
  for (std::size_t scheme : {0x0403, 0x0804, 0x0805, 0x0503}) u16(schemes, scheme);
  Buffer schemes_body;
  prefixed(schemes_body, 2, schemes);
  extension(extensions, 13, schemes_body);
  extension(extensions, 0xff01, {0});  // renegotiation_info, empty
  for (std::size_t i = 0; i < empty_extensions; ++i) extension(extensions, 0x8000 + i, {});

  Buffer body;
  u16(body, 0x0303);
  body.insert(body.end(), 32, 0x42);    // random
  prefixed(body, 1, Buffer(32, 0x24));  // legacy_session_id
  prefixed(body, 2, {0x13, 0x01, 0x13, 0x02, 0x13, 0x03});
  prefixed(body, 1, {0});
  prefixed(body, 2, extensions);
  Buffer message;
  u8(message, 1);  // client_hello
  prefixed(message, 3, body);

  std::vector<std::byte> records;
  for (std::size_t at = 0; at < message.size(); at += 16384) {
    const std::size_t n = std::min<std::size_t>(16384, message.size() - at);
    for (std::size_t v : {std::size_t{22}, std::size_t{3}, std::size_t{1}, n >> 8U, n & 0xffU}) {
      records.push_back(static_cast<std::byte>(v));
    }
    for (std::size_t i = 0; i < n; ++i) records.push_back(std::byte{message[at + i]});
  }
  return records;
}

}  // namespace

std::vector<HostileHello> hostile_hellos() {
  return {
      {"many_extensions",
       "a 64 KiB ClientHello with 16,000 empty extensions of distinct unknown types",
       client_hello(16000, 0)},
      {"many_key_shares",
       "a ClientHello with 6,500 unknown groups in supported_groups, each with a one-byte key "
       "share",
       client_hello(0, 6500)},
  };
}

}  // namespace sanstls::bench
