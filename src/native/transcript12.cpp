// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/transcript12.hpp"

namespace sanstls::native {

namespace {
// A TLS 1.2 handshake's messages up to a CertificateVerify: two hellos, one or two chains, a
// ServerKeyExchange... Reserved at the first message, so the usual handshake copies them once.
constexpr std::size_t kExpectedMessagesSize = 4096;
}  // namespace

void Transcript12::add(Bytes handshake_message) {
  if (keeping_messages_) {
    if (messages_.empty()) messages_.reserve(kExpectedMessagesSize);
    messages_.insert(messages_.end(), handshake_message.begin(), handshake_message.end());
  }
  if (running_) {
    running_->update(handshake_message);
  }
}

void Transcript12::select_hash(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash) {
  running_ = provider.hash(hash);
  running_->update(messages_);
}

Result<crypto::Digest> Transcript12::current_hash() const {
  if (!running_) {
    return wire::fail(Alert::internal_error, "Transcript12", "hash not selected yet");
  }
  return running_->digest();
}

Result<Bytes> Transcript12::messages() const {
  if (!keeping_messages_) {
    return wire::fail(Alert::internal_error, "Transcript12", "handshake messages not kept");
  }
  return Bytes(messages_);
}

void Transcript12::stop_keeping_messages() {
  if (!running_) return;  // the hash still needs them
  keeping_messages_ = false;
  std::vector<std::uint8_t>().swap(messages_);
}

void Transcript12::clear() {
  std::vector<std::uint8_t>().swap(messages_);
  running_.reset();
}

}  // namespace sanstls::native
