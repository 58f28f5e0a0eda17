// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/transcript12.hpp"

namespace sanstls::native {

void Transcript12::add(Bytes handshake_message) {
  messages_.insert(messages_.end(), handshake_message.begin(), handshake_message.end());
  if (running_) {
    running_->update(handshake_message);
  }
}

void Transcript12::select_hash(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash) {
  running_ = provider.hash(hash);
  running_->update(messages_);
}

Result<std::vector<std::uint8_t>> Transcript12::current_hash() const {
  if (!running_) {
    return wire::fail(Alert::internal_error, "Transcript12", "hash not selected yet");
  }
  return running_->digest();
}

void Transcript12::clear() {
  std::vector<std::uint8_t>().swap(messages_);
  running_.reset();
}

}  // namespace sanstls::native
