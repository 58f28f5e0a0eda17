// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Follows the record boundaries of the peer's byte stream during the handshake and tells whether
// the last complete record was a plaintext close_notify alert. Some libraries refuse such a record
// where they expect an encrypted one (OpenSSL: "bad record type", "unexpected message") instead of
// reporting the close; the core reports the peer's close the same way for every engine.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sanstls::core {

class CloseNotifyWatch {
 public:
  void feed(std::span<const std::byte> bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      if (body_left_ == 0) {
        header_[header_size_++] = static_cast<std::uint8_t>(bytes[at++]);
        if (header_size_ < kHeader) continue;
        header_size_ = 0;
        body_left_ = (std::size_t{header_[3]} << 8U) | header_[4];
        // RFC 8446 §6 / RFC 5246 §7.2: an alert is two bytes (level, description); a protected
        // one is longer (TLS 1.2) or travels as application_data (TLS 1.3).
        alert_record_ = header_[0] == kAlert && body_left_ == 2;
        last_is_close_notify_ = false;
        body_size_ = 0;
        continue;
      }
      if (!alert_record_) {
        // Only an alert's body matters: skip the rest of any other record at once.
        const std::size_t skip = std::min(body_left_, bytes.size() - at);
        body_left_ -= skip;
        at += skip;
        continue;
      }
      const auto b = static_cast<std::uint8_t>(bytes[at++]);
      --body_left_;
      if (++body_size_ == 2) {
        last_is_close_notify_ = b == kCloseNotify;
      }
    }
  }
  /// The last complete record was a plaintext close_notify (and nothing has followed it yet).
  [[nodiscard]] bool last_record_is_close_notify() const {
    return last_is_close_notify_ && header_size_ == 0 && body_left_ == 0;
  }

 private:
  static constexpr std::size_t kHeader = 5;
  static constexpr std::uint8_t kAlert = 21;
  static constexpr std::uint8_t kCloseNotify = 0;

  std::uint8_t header_[kHeader] = {};
  std::size_t header_size_ = 0;
  std::size_t body_left_ = 0;
  std::size_t body_size_ = 0;
  bool alert_record_ = false;
  bool last_is_close_notify_ = false;
};

}  // namespace sanstls::core
