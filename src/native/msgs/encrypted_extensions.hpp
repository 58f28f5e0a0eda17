// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// EncryptedExtensions (RFC 8446 §4.3.1).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct EncryptedExtensions {
  Extensions extensions;

  static Result<EncryptedExtensions> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs
