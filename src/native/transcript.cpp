// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/transcript.hpp"

#include "native/msgs/message_hash.hpp"

namespace sanstls::native {

void Transcript::add(Bytes handshake_message) {
  ++messages_;
  if (ctx_) {
    ctx_->update(handshake_message);
  } else {
    pending_.insert(pending_.end(), handshake_message.begin(), handshake_message.end());
  }
}

Status Transcript::select_hash(crypto::HashAlgorithm hash) {
  if (hash_) {
    return wire::fail(Alert::internal_error, "Transcript", "hash already selected");
  }
  hash_ = hash;
  ctx_ = provider_->hash(hash);
  ctx_->update(pending_);
  pending_.clear();
  pending_.shrink_to_fit();
  return {};
}

Result<crypto::Digest> Transcript::current_hash() const {
  if (!ctx_) {
    return wire::fail(Alert::internal_error, "Transcript", "hash not selected yet");
  }
  return ctx_->digest();
}

Result<crypto::Digest> Transcript::hash_with(Bytes partial) const {
  if (!ctx_) {
    return wire::fail(Alert::internal_error, "Transcript", "hash not selected yet");
  }
  return ctx_->digest_with(partial);
}

Status Transcript::replace_with_message_hash() {
  if (!ctx_ || messages_ != 1) {
    return wire::fail(Alert::internal_error, "Transcript",
                      "message_hash needs exactly ClientHello1 and a selected hash");
  }
  const auto ch1_hash = ctx_->digest();
  WIRE_TRY(auto synthetic, msgs::encode_message_hash(ch1_hash));
  ctx_ = provider_->hash(*hash_);
  ctx_->update(synthetic);
  return {};
}

}  // namespace sanstls::native
