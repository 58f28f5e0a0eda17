// SPDX-License-Identifier: Apache-2.0 OR MIT
// One bench workload in a loop, for profilers (valgrind --tool=callgrind counts instructions
// repeatably on a loaded machine, which wall-clock figures are not). Usage:
//   bench_loop IMPLEMENTATION WORKLOAD [COUNT] [CERT]
// IMPLEMENTATION: openssl | gnutls | native (the sanstls engines) | raw-openssl | raw-gnutls |
//                 raw-aead (bulk only: the "raw AEAD" reference, AES-128-GCM or ChaCha20-Poly1305
//                 seal + open of COUNT records, no TLS; "-inner": of TLS 1.3's TLSInnerPlaintext,
//                 one content type byte more per record: bulk1k-chacha-inner)
// WORKLOAD: full | tls12 | resumed (handshakes) | bulk16k | bulk1k (client -> server writes,
//           AES-128-GCM; add "-chacha" for ChaCha20-Poly1305, "-vector" to receive into a
//           std::vector instead of a caller-owned buffer: bulk1k-chacha-vector) | many_extensions |
//           many_key_shares (a sanstls server engine receives bench/hostile.hpp's hostile
//           ClientHello COUNT times, one new session each)
// CERT: ecdsa (default) | rsa
// The setup, its credentials and the first connection (warm-up) are made before the loop;
// compare the loop's instructions by running two COUNTs and subtracting.
#include <sanstls/testing/certificate_authority.hpp>

#include "bench.hpp"
#include "drivers.hpp"
#include "hostile.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace sanstls;

namespace {

// The hostile hello row of `sanstls bench`: each of `count` server sessions receives the whole
// hello in one receive_data() call.
int receive_hostile_hellos(const std::string& engine, const std::string& label,
                           const CertificateChain& chain, long count) {
  const auto backend = parse_backend(engine);
  if (!backend) return std::fprintf(stderr, "hostile hellos need a sanstls engine\n"), 2;
  const ServerTLS server(chain, ServerOptions{.backend = *backend});
  SessionCallbacks callbacks;
  callbacks.write = [](std::span<const std::byte>) {};
  for (const bench::HostileHello& hello : bench::hostile_hellos()) {
    if (hello.label != label) continue;
    for (long i = 0; i < count; ++i) {
      auto session = server.start(callbacks);
      if (!session) return std::fprintf(stderr, "%s\n", session.error().to_string().c_str()), 1;
      std::vector<std::byte> data;
      if (auto received = session->receive_data(hello.records, data); !received) {
        return std::fprintf(stderr, "%s\n", received.error().to_string().c_str()), 1;
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_loop IMPLEMENTATION WORKLOAD [COUNT] [ecdsa|rsa]\n");
    return 2;
  }
  bench::keep_freed_heap();  // as `sanstls bench` does
  const std::string which = argv[1];
  const std::string workload = argv[2];
  const long count = argc > 3 ? std::atol(argv[3]) : 100;
  const bool rsa = argc > 4 && std::string(argv[4]) == "rsa";
  // Bulk variants: "-chacha" (ChaCha20-Poly1305 instead of AES-128-GCM), "-vector" (the
  // receiver gets a std::vector, not a caller-owned buffer).
  const bool chacha = workload.find("-chacha") != std::string::npos;
  const bool into_vector = workload.find("-vector") != std::string::npos;
  const bool bulk = workload.rfind("bulk", 0) == 0;
  const bool bulk1k = workload.rfind("bulk1k", 0) == 0;
  if (which == "raw-aead") {
    const std::size_t record = bulk1k ? 1024 : 16384;
    const std::size_t trailer = workload.find("-inner") != std::string::npos ? 1 : 0;
    const auto rate =
        bench::aead_rate(chacha ? "ChaCha20-Poly1305" : "AES-128-GCM", record,
                         record * static_cast<std::size_t>(count), /*open=*/true, trailer);
    return rate ? 0 : (std::fprintf(stderr, "raw AEAD failed\n"), 1);
  }
  bench::Implementation impl;
  if (which == "raw-openssl") {
    impl = bench::raw_openssl_implementation();
#ifdef SANSTLS_BENCH_GNUTLS
  } else if (which == "raw-gnutls") {
    impl = bench::raw_gnutls_implementation();
#endif
  } else if (auto backend = parse_backend(which)) {
    impl = bench::sanstls_implementation(*backend);
  } else {
    std::fprintf(stderr, "unknown implementation %s\n", which.c_str());
    return 2;
  }
  const auto key = rsa ? testing::KeyAlgorithm::rsa_2048 : testing::KeyAlgorithm::ecdsa_p256;
  testing::CaOptions ca;
  ca.key = key;
  ca.common_name = "sanstls bench root";
  auto root = testing::CertificateAuthority::create(ca);
  if (!root) return std::fprintf(stderr, "credentials failed\n"), 1;
  // Distinct names, as `sanstls bench` has them: a leaf whose issuer name also matches the
  // root would make the validators try (and refuse) the root's key first.
  testing::CaOptions intermediate_ca = ca;
  intermediate_ca.common_name = "sanstls bench intermediate";
  auto intermediate = root->issue_intermediate(intermediate_ca);
  if (!intermediate) return std::fprintf(stderr, "credentials failed\n"), 1;
  testing::LeafOptions leaf_options;
  leaf_options.names = {bench::kHostname};
  leaf_options.key = key;
  auto parts = intermediate->issue_leaf_parts(leaf_options);
  if (!parts) return std::fprintf(stderr, "credentials failed\n"), 1;
  auto chain = CertificateChain::create(parts->certificates, parts->key);
  if (!chain) return std::fprintf(stderr, "%s\n", chain.error().to_string().c_str()), 1;
  bench::Credentials credentials{
      rsa ? "rsa_2048" : "ecdsa_p256", std::move(*chain), root->trust_store(),
      parts->certificates_pem(),       parts->key_pem(),  root->certificate_pem()};
  if (workload == "many_extensions" || workload == "many_key_shares") {
    return receive_hostile_hellos(which, workload, credentials.chain, count);
  }
  CipherSuite suite =
      chacha ? CipherSuite::tls_chacha20_poly1305_sha256 : CipherSuite::tls_aes_128_gcm_sha256;
  if (workload == "tls12") {
    suite = rsa ? CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256
                : CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
  }
  const bool resumed = workload == "resumed";
  if (resumed && !impl.make_resumed_setup) return std::fprintf(stderr, "no resumption\n"), 1;
  auto setup = (resumed ? impl.make_resumed_setup : impl.make_setup)(credentials, suite);
  if (!setup->error.empty()) return std::fprintf(stderr, "%s\n", setup->error.c_str()), 1;
  auto connection = setup->connect(nullptr);
  if (!connection || !connection->handshake(nullptr)) {
    return std::fprintf(stderr, "handshake: %s\n",
                        connection ? connection->error.c_str() : setup->error.c_str()),
           1;
  }
  if (bulk) {
    if (into_vector && !connection->receive_into_vector(true)) {
      return std::fprintf(stderr, "-vector: only for sanstls engines\n"), 2;
    }
    std::vector<std::byte> chunk(bulk1k ? 1024 : 16384, std::byte{0x61});
    if (!connection->transfer(true, chunk, static_cast<std::size_t>(count), nullptr)) {
      return std::fprintf(stderr, "transfer: %s\n", connection->error.c_str()), 1;
    }
    return 0;
  }
  for (long i = 0; i < count; ++i) {
    auto next = setup->connect(nullptr);
    if (!next || !next->handshake(nullptr)) {
      return std::fprintf(stderr, "handshake %ld: %s\n", i,
                          next ? next->error.c_str() : setup->error.c_str()),
             1;
    }
  }
  return 0;
}
