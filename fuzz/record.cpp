// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: record deframing, handshake reassembly and alert parsing over any split of
// the input, unprotected and (with a fixed key) protected.
#include "native/crypto/libcrypto_provider.hpp"
#include "native/msgs/alert.hpp"
#include "native/record/record_layer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace {

using namespace sanstls::native;

void drain(record::RecordReader& reader) {
  for (int i = 0; i < 10000; ++i) {
    auto in = reader.next();
    if (!in || !*in) return;
    if ((*in)->type == ContentType::alert) (void)msgs::AlertMessage::parse((*in)->data);
    if ((*in)->type == ContentType::handshake && (*in)->data.size() < 4) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (input.empty()) return 0;
  // First byte: chunk size for feeding; bit 7: use record protection.
  const std::size_t chunk = (input[0] & 0x3fU) + 1;
  const bool protect = (input[0] & 0x80U) != 0;
  const auto stream = input.subspan(1);

  record::RecordReader reader;
  if (protect) {
    // One provider for the whole fuzzing run: creating a library context per input would make
    // the target a benchmark of OSSL_LIB_CTX_new. (Harness state, not library state.)
    static const auto provider = crypto::LibcryptoProvider::create();
    if (!provider) std::abort();
    TrafficKeys keys{SecretBytes(16), SecretBytes(12)};
    auto prot = record::Protection::create(**provider, crypto::AeadAlgorithm::aes_128_gcm, keys);
    if (!prot || !reader.set_protection(std::move(*prot))) std::abort();
  }
  for (std::size_t off = 0; off < stream.size(); off += chunk) {
    reader.feed(stream.subspan(off, std::min(chunk, stream.size() - off)));
    drain(reader);
  }
  return 0;
}
