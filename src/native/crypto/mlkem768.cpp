// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/crypto/mlkem768.hpp"

#include "base/ossl_ptr.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <utility>

// The constant-time check (tests/native/mlkem768_ct_check.cpp) compiles this file again with
// SANSTLS_MLKEM_CT_CHECK and runs under valgrind with the secrets marked undefined: any branch or
// memory address that depends on a secret is reported. Values that are public by construction
// (rho, derived from the seed but published in ek) are declassified here; elsewhere this is a
// no-op.
#if defined(SANSTLS_MLKEM_CT_CHECK)
#include <valgrind/memcheck.h>
#define SANSTLS_CT_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define SANSTLS_CT_DECLASSIFY(p, n) ((void)0)
#endif

namespace sanstls::native::crypto::mlkem768 {

namespace {

using MdPtr = std::unique_ptr<EVP_MD, ossl::Deleter<EVP_MD_free>>;
using ossl::EvpMdCtxPtr;

// FIPS 203 §8, Table 2 and 3 (ML-KEM-768).
constexpr std::size_t n = 256;
constexpr std::uint32_t q = 3329;
constexpr std::size_t k = 3;
constexpr unsigned du = 10;
constexpr unsigned dv = 4;
constexpr std::size_t poly_bytes = 384;                // ByteEncode_12 of one polynomial
constexpr std::size_t pke_key_bytes = k * poly_bytes;  // 1152
constexpr std::size_t u_bytes = 32 * du;               // 320 per polynomial
constexpr std::size_t v_bytes = 32 * dv;               // 128

static_assert(encapsulation_key_length == pke_key_bytes + 32);
static_assert(decapsulation_key_length == 2 * pke_key_bytes + 96);
static_assert(ciphertext_length == k * u_bytes + v_bytes);

tl::unexpected<Error> hash_failure() {
  ERR_clear_error();
  return wire::fail(Alert::internal_error, "ML-KEM", "SHA-3 computation failed");
}

/// Hides a value from the optimiser so that mask arithmetic is not turned back into a branch.
template <class T>
T value_barrier(T x) {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(x));  // NOLINT(hicpp-no-assembler): an empty barrier, no instructions
#endif
  return x;
}

// --- Arithmetic mod q, every value canonical in [0, q) ---------------------------------------

/// r - q if r >= q, for r in [0, 2q), by mask (no branch).
std::uint16_t csub(std::uint32_t r) {
  r -= q;
  r += (0U - (r >> 31U)) & q;
  return static_cast<std::uint16_t>(r);
}

/// Barrett reduction: floor(2^32 / q) = 1290167 underestimates x / q by less than one for every
/// 32-bit x, so one conditional subtraction finishes.
std::uint16_t reduce(std::uint32_t x) {
  const auto quotient = static_cast<std::uint32_t>((std::uint64_t{x} * 1290167U) >> 32U);
  return csub(x - quotient * q);
}

std::uint16_t add(std::uint16_t a, std::uint16_t b) { return csub(std::uint32_t{a} + b); }
std::uint16_t sub(std::uint16_t a, std::uint16_t b) { return csub(std::uint32_t{a} + q - b); }
std::uint16_t mul(std::uint16_t a, std::uint16_t b) { return reduce(std::uint32_t{a} * b); }

/// floor(x / q) for x < 2^25 by multiplication: 2^36 / 1655 > 2^25 bounds the error of
/// M = ceil(2^36 / q) = 20642679 below one (checked exhaustively in the tests).
std::uint32_t divide_by_q(std::uint32_t x) {
  return static_cast<std::uint32_t>((std::uint64_t{x} * 20642679U) >> 36U);
}

/// FIPS 203 (4.7): Compress_d(x) = round(2^d x / q) mod 2^d; q is odd, so no tie occurs and
/// round(a / q) = floor((a + (q - 1) / 2) / q).
std::uint16_t compress(std::uint16_t x, unsigned d) {
  const std::uint32_t a = (std::uint32_t{x} << d) + (q - 1) / 2;
  return static_cast<std::uint16_t>(divide_by_q(a) & ((1U << d) - 1U));
}

/// FIPS 203 (4.8): Decompress_d(y) = round(q y / 2^d).
std::uint16_t decompress(std::uint16_t y, unsigned d) {
  return static_cast<std::uint16_t>((std::uint32_t{y} * q + (1U << (d - 1U))) >> d);
}

constexpr std::uint32_t pow_mod(std::uint32_t base, unsigned e) {
  std::uint32_t result = 1;
  for (unsigned i = 0; i < e; ++i) {
    result = result * base % q;
  }
  return result;
}

constexpr unsigned bit_rev7(unsigned i) {
  unsigned r = 0;
  for (unsigned b = 0; b < 7; ++b) {
    r |= ((i >> b) & 1U) << (6U - b);
  }
  return r;
}

/// FIPS 203 §4.3: zeta^BitRev7(i) with zeta = 17, the NTT twiddle factors.
constexpr auto zetas = [] {
  std::array<std::uint16_t, 128> z{};
  for (unsigned i = 0; i < 128; ++i) {
    z[i] = static_cast<std::uint16_t>(pow_mod(17, bit_rev7(i)));
  }
  return z;
}();

/// FIPS 203 §4.3.1: zeta^(2 BitRev7(i) + 1), the moduli of the 128 degree-one factors.
constexpr auto gammas = [] {
  std::array<std::uint16_t, 128> g{};
  for (unsigned i = 0; i < 128; ++i) {
    g[i] = static_cast<std::uint16_t>(pow_mod(17, 2 * bit_rev7(i) + 1));
  }
  return g;
}();

static_assert(zetas[1] == 1729);  // FIPS 203 Appendix A: 17^64 mod q
static_assert(gammas[0] == 17);

using Poly = std::array<std::uint16_t, n>;
using PolyVec = std::array<Poly, k>;

/// Wipes its value on destruction: every polynomial or byte array that held a secret.
template <class T>
struct Wiped {
  T v{};
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { OPENSSL_cleanse(&v, sizeof v); }
};

/// FIPS 203 Algorithm 9 NTT (the loop structure is fixed; only values change).
void ntt(Poly& f) {
  std::size_t i = 1;
  for (std::size_t len = 128; len >= 2; len /= 2) {
    for (std::size_t start = 0; start < n; start += 2 * len) {
      const std::uint16_t zeta = zetas[i++];
      for (std::size_t j = start; j < start + len; ++j) {
        const std::uint16_t t = mul(zeta, f[j + len]);
        f[j + len] = sub(f[j], t);
        f[j] = add(f[j], t);
      }
    }
  }
}

/// FIPS 203 Algorithm 10 NTT^-1, including the final multiplication by 128^-1 = 3303.
void inverse_ntt(Poly& f) {
  std::size_t i = 127;
  for (std::size_t len = 2; len <= 128; len *= 2) {
    for (std::size_t start = 0; start < n; start += 2 * len) {
      const std::uint16_t zeta = zetas[i--];
      for (std::size_t j = start; j < start + len; ++j) {
        const std::uint16_t t = f[j];
        f[j] = add(t, f[j + len]);
        f[j + len] = mul(zeta, sub(f[j + len], t));
      }
    }
  }
  for (auto& c : f) {
    c = mul(c, 3303);
  }
}

/// out += f ∘ g (FIPS 203 Algorithms 11 and 12, MultiplyNTTs with BaseCaseMultiply).
void multiply_add(Poly& out, const Poly& f, const Poly& g) {
  for (std::size_t i = 0; i < 128; ++i) {
    const std::uint32_t a0 = f[2 * i];
    const std::uint32_t b0 = g[2 * i];
    const std::uint32_t a1 = f[2 * i + 1];
    const std::uint32_t b1 = g[2 * i + 1];
    // c0 = a0 b0 + a1 b1 gamma, c1 = a0 b1 + a1 b0; every sum stays below 2 q^2 < 2^25.
    const std::uint32_t a1b1 = mul(f[2 * i + 1], g[2 * i + 1]);
    const std::uint16_t c0 = reduce(a0 * b0 + a1b1 * gammas[i]);
    const std::uint16_t c1 = reduce(a0 * b1 + a1 * b0);
    out[2 * i] = add(out[2 * i], c0);
    out[2 * i + 1] = add(out[2 * i + 1], c1);
  }
}

void add_to(Poly& out, const Poly& f) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = add(out[i], f[i]);
  }
}

// --- Encoding (FIPS 203 §4.2.1) -----------------------------------------------------------

/// Algorithm 5 ByteEncode_d of d-bit values (already reduced), 32 d bytes.
void byte_encode(const Poly& f, unsigned d, std::span<std::uint8_t> out) {
  std::uint32_t acc = 0;
  unsigned bits = 0;
  std::size_t o = 0;
  for (const std::uint16_t c : f) {
    acc |= std::uint32_t{c} << bits;
    bits += d;
    while (bits >= 8) {
      out[o++] = static_cast<std::uint8_t>(acc);
      acc >>= 8U;
      bits -= 8;
    }
  }
}

/// Algorithm 6 ByteDecode_d, without the reduction mod q for d = 12 (callers check or reduce).
void byte_decode(Bytes in, unsigned d, Poly& f) {
  std::uint32_t acc = 0;
  unsigned bits = 0;
  std::size_t i = 0;
  for (auto& c : f) {
    while (bits < d) {
      acc |= std::uint32_t{in[i++]} << bits;
      bits += 8;
    }
    c = static_cast<std::uint16_t>(acc & ((1U << d) - 1U));
    acc >>= d;
    bits -= d;
  }
}

/// ByteDecode_12 of a secret vector: values reduced mod q without a branch.
void decode_secret_vector(Bytes in, PolyVec& v) {
  for (std::size_t i = 0; i < k; ++i) {
    byte_decode(in.subspan(i * poly_bytes, poly_bytes), 12, v[i]);
    for (auto& c : v[i]) {
      c = csub(c);  // c < 4096 < 2q
    }
  }
}

// --- Sampling (FIPS 203 §4.2.2) ------------------------------------------------------------

/// Algorithm 7 SampleNTT(rho || j || i) from SHAKE128. Rejection sampling runs on public data
/// (rho). OpenSSL 3.0 cannot squeeze SHAKE incrementally, so the stream is drawn at a length that
/// almost always suffices and drawn again twice as long otherwise (a longer SHAKE output starts
/// with the shorter one).
Status sample_ntt(const Sha3& sha3, Bytes rho, std::uint8_t j, std::uint8_t i, Poly& a) {
  const std::array<std::uint8_t, 2> indices{j, i};
  const std::array<Bytes, 2> parts{rho, indices};
  for (std::size_t length = 168 * 5; length <= 168 * 80; length *= 2) {
    std::vector<std::uint8_t> stream(length);
    WIRE_CHECK(sha3.shake128(parts, stream));
    std::size_t filled = 0;
    for (std::size_t p = 0; p + 3 <= length && filled < n; p += 3) {
      const std::uint16_t d1 =
          static_cast<std::uint16_t>(stream[p] | ((std::uint32_t{stream[p + 1]} & 0x0fU) << 8U));
      const std::uint16_t d2 =
          static_cast<std::uint16_t>((stream[p + 1] >> 4U) | (std::uint32_t{stream[p + 2]} << 4U));
      if (d1 < q) {
        a[filled++] = d1;
      }
      if (d2 < q && filled < n) {
        a[filled++] = d2;
      }
    }
    if (filled == n) {
      return {};
    }
  }
  return wire::fail(Alert::internal_error, "ML-KEM", "matrix sampling did not terminate");
}

/// Algorithm 8 SamplePolyCBD_2 over PRF_2(s, b) = SHAKE256(s || b, 128): each coefficient is
/// (two bits summed) - (two bits summed) mod q, computed without branches.
Status sample_cbd(const Sha3& sha3, Bytes seed, std::uint8_t nonce, Poly& f) {
  Wiped<std::array<std::uint8_t, 128>> buf;
  const std::array<std::uint8_t, 1> b{nonce};
  const std::array<Bytes, 2> parts{seed, b};
  WIRE_CHECK(sha3.shake256(parts, buf.v));
  for (std::size_t w = 0; w < 32; ++w) {
    const std::uint32_t t = std::uint32_t{buf.v[4 * w]} | (std::uint32_t{buf.v[4 * w + 1]} << 8U) |
                            (std::uint32_t{buf.v[4 * w + 2]} << 16U) |
                            (std::uint32_t{buf.v[4 * w + 3]} << 24U);
    const std::uint32_t d = (t & 0x55555555U) + ((t >> 1U) & 0x55555555U);
    for (unsigned c = 0; c < 8; ++c) {
      const std::uint32_t x = (d >> (4 * c)) & 3U;
      const std::uint32_t y = (d >> (4 * c + 2)) & 3U;
      f[8 * w + c] = csub(x + q - y);
    }
  }
  return {};
}

using Matrix = std::array<std::array<Poly, k>, k>;

/// Â[i][j] = SampleNTT(rho || j || i) (FIPS 203 Algorithm 13 lines 3-7, Algorithm 14 lines 4-8).
Status expand_matrix(const Sha3& sha3, Bytes rho, Matrix& a) {
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      WIRE_CHECK(sample_ntt(sha3, rho, static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(i),
                            a[i][j]));
    }
  }
  return {};
}

/// FIPS 203 Algorithm 13 K-PKE.KeyGen(d): ek_PKE into `ek` (1184 bytes), dk_PKE into `dk`.
Status pke_keygen(const Sha3& sha3, Bytes d, std::span<std::uint8_t> ek,
                  std::span<std::uint8_t> dk) {
  Wiped<std::array<std::uint8_t, 64>> rho_sigma;
  const std::array<std::uint8_t, 1> k_byte{static_cast<std::uint8_t>(k)};
  const std::array<Bytes, 2> g_in{d, k_byte};
  WIRE_CHECK(sha3.sha3_512(g_in, rho_sigma.v));
  SANSTLS_CT_DECLASSIFY(rho_sigma.v.data(), 32);  // rho is published in ek
  const Bytes rho(rho_sigma.v.data(), 32);
  const Bytes sigma(rho_sigma.v.data() + 32, 32);
  auto a = std::make_unique<Matrix>();
  WIRE_CHECK(expand_matrix(sha3, rho, *a));
  Wiped<PolyVec> s;
  Wiped<PolyVec> e;
  std::uint8_t nonce = 0;
  for (auto& p : s.v) {
    WIRE_CHECK(sample_cbd(sha3, sigma, nonce++, p));
    ntt(p);
  }
  for (auto& p : e.v) {
    WIRE_CHECK(sample_cbd(sha3, sigma, nonce++, p));
    ntt(p);
  }
  for (std::size_t i = 0; i < k; ++i) {
    Poly t = e.v[i];
    for (std::size_t j = 0; j < k; ++j) {
      multiply_add(t, (*a)[i][j], s.v[j]);
    }
    byte_encode(t, 12, ek.subspan(i * poly_bytes, poly_bytes));
    byte_encode(s.v[i], 12, dk.subspan(i * poly_bytes, poly_bytes));
  }
  std::copy(rho.begin(), rho.end(), ek.begin() + pke_key_bytes);
  return {};
}

/// FIPS 203 Algorithm 14 K-PKE.Encrypt(ek, m, r) into `c` (1088 bytes). `ek` has passed the
/// modulus check.
Status pke_encrypt(const Sha3& sha3, Bytes ek, Bytes m, Bytes r, std::span<std::uint8_t> c) {
  PolyVec t;
  for (std::size_t i = 0; i < k; ++i) {
    byte_decode(ek.subspan(i * poly_bytes, poly_bytes), 12, t[i]);
  }
  auto a = std::make_unique<Matrix>();
  WIRE_CHECK(expand_matrix(sha3, ek.subspan(pke_key_bytes, 32), *a));
  Wiped<PolyVec> y;
  Wiped<PolyVec> e1;
  Wiped<Poly> e2;
  std::uint8_t nonce = 0;
  for (auto& p : y.v) {
    WIRE_CHECK(sample_cbd(sha3, r, nonce++, p));
    ntt(p);
  }
  for (auto& p : e1.v) {
    WIRE_CHECK(sample_cbd(sha3, r, nonce++, p));
  }
  WIRE_CHECK(sample_cbd(sha3, r, nonce, e2.v));
  // u = NTT^-1(Â^T ∘ ŷ) + e1.
  Wiped<Poly> u;
  for (std::size_t i = 0; i < k; ++i) {
    u.v.fill(0);
    for (std::size_t j = 0; j < k; ++j) {
      multiply_add(u.v, (*a)[j][i], y.v[j]);
    }
    inverse_ntt(u.v);
    add_to(u.v, e1.v[i]);
    for (auto& coefficient : u.v) {
      coefficient = compress(coefficient, du);
    }
    byte_encode(u.v, du, c.subspan(i * u_bytes, u_bytes));
  }
  // v = NTT^-1(t̂^T ∘ ŷ) + e2 + Decompress_1(ByteDecode_1(m)).
  Wiped<Poly> v;
  for (std::size_t j = 0; j < k; ++j) {
    multiply_add(v.v, t[j], y.v[j]);
  }
  inverse_ntt(v.v);
  add_to(v.v, e2.v);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bit = (std::uint32_t{m[i / 8]} >> (i % 8)) & 1U;
    v.v[i] = add(v.v[i], static_cast<std::uint16_t>((0U - bit) & ((q + 1) / 2)));
    v.v[i] = compress(v.v[i], dv);
  }
  byte_encode(v.v, dv, c.subspan(k * u_bytes, v_bytes));
  return {};
}

/// FIPS 203 Algorithm 15 K-PKE.Decrypt(dk, c) into `m` (32 bytes).
void pke_decrypt(Bytes dk, Bytes c, std::span<std::uint8_t, 32> m) {
  Wiped<PolyVec> s;
  decode_secret_vector(dk, s.v);
  Wiped<Poly> w;
  Wiped<Poly> u;
  for (std::size_t i = 0; i < k; ++i) {
    byte_decode(c.subspan(i * u_bytes, u_bytes), du, u.v);
    for (auto& coefficient : u.v) {
      coefficient = decompress(coefficient, du);
    }
    ntt(u.v);
    multiply_add(w.v, s.v[i], u.v);
  }
  inverse_ntt(w.v);
  Wiped<Poly> v;
  byte_decode(c.subspan(k * u_bytes, v_bytes), dv, v.v);
  std::fill(m.begin(), m.end(), std::uint8_t{0});
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t bit = compress(sub(decompress(v.v[i], dv), w.v[i]), 1);
    m[i / 8] = static_cast<std::uint8_t>(m[i / 8] | (bit << (i % 8)));
  }
}

/// FIPS 203 §7.2 modulus check: ByteEncode_12(ByteDecode_12(ek)) == ek, i.e. every 12-bit value
/// of the t̂ part is below q.
bool modulus_check(Bytes ek) {
  Poly f;
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < k; ++i) {
    byte_decode(ek.subspan(i * poly_bytes, poly_bytes), 12, f);
    for (const std::uint16_t c : f) {
      bad |= (q - 1 - std::uint32_t{c}) >> 31U;  // 1 when c >= q
    }
  }
  return bad == 0;
}

/// Constant-time equality of two equal-length buffers: 0xff when equal, else 0.
std::uint8_t equal_mask(Bytes a, Bytes b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  }
  const std::uint32_t d = value_barrier(std::uint32_t{diff});
  return static_cast<std::uint8_t>((d - 1U) >> 8U);  // 0xffffff when d == 0, else < 256 >> 8
}

}  // namespace

// --- Sha3 ----------------------------------------------------------------------------------

struct Sha3::Mds {
  MdPtr sha3_256;
  MdPtr sha3_512;
  MdPtr shake128;
  MdPtr shake256;
};

Sha3::Sha3(std::unique_ptr<Mds> mds) : mds_(std::move(mds)) {}
Sha3::Sha3(Sha3&&) noexcept = default;
Sha3& Sha3::operator=(Sha3&&) noexcept = default;
Sha3::~Sha3() = default;

Result<Sha3> Sha3::fetch(OSSL_LIB_CTX* libctx) {
  auto mds = std::make_unique<Mds>();
  mds->sha3_256.reset(EVP_MD_fetch(libctx, "SHA3-256", nullptr));
  mds->sha3_512.reset(EVP_MD_fetch(libctx, "SHA3-512", nullptr));
  mds->shake128.reset(EVP_MD_fetch(libctx, "SHAKE128", nullptr));
  mds->shake256.reset(EVP_MD_fetch(libctx, "SHAKE256", nullptr));
  if (!mds->sha3_256 || !mds->sha3_512 || !mds->shake128 || !mds->shake256) {
    ERR_clear_error();
    return wire::fail(Alert::internal_error, "ML-KEM", "libcrypto lacks SHA-3");
  }
  return Sha3(std::move(mds));
}

namespace {

Status run_digest(const EVP_MD* md, std::span<const Bytes> parts, std::span<std::uint8_t> out,
                  bool xof) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    return hash_failure();
  }
  for (const Bytes part : parts) {
    if (!part.empty() && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return hash_failure();
    }
  }
  unsigned int len = 0;
  const bool ok = xof ? EVP_DigestFinalXOF(ctx.get(), out.data(), out.size()) == 1
                      : EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == out.size();
  if (!ok) {
    return hash_failure();
  }
  return {};
}

}  // namespace

Status Sha3::sha3_256(std::span<const Bytes> parts, std::span<std::uint8_t, 32> out) const {
  return run_digest(mds_->sha3_256.get(), parts, out, false);
}
Status Sha3::sha3_512(std::span<const Bytes> parts, std::span<std::uint8_t, 64> out) const {
  return run_digest(mds_->sha3_512.get(), parts, out, false);
}
Status Sha3::shake128(std::span<const Bytes> parts, std::span<std::uint8_t> out) const {
  return run_digest(mds_->shake128.get(), parts, out, true);
}
Status Sha3::shake256(std::span<const Bytes> parts, std::span<std::uint8_t> out) const {
  return run_digest(mds_->shake256.get(), parts, out, true);
}

// --- ML-KEM --------------------------------------------------------------------------------

Result<KeyPair> generate_from_seed(const Sha3& sha3, Bytes seed) {
  if (seed.size() != seed_length) {
    return wire::fail(Alert::internal_error, "ML-KEM.seed", "not 64 bytes");
  }
  const Bytes d = seed.first(32);
  const Bytes z = seed.subspan(32);
  KeyPair kp;
  kp.encapsulation_key.resize(encapsulation_key_length);
  kp.decapsulation_key = SecretBytes(decapsulation_key_length);
  const std::span<std::uint8_t> dk = kp.decapsulation_key.mutable_span();
  // FIPS 203 Algorithm 16: dk = dk_PKE || ek || H(ek) || z.
  WIRE_CHECK(pke_keygen(sha3, d, kp.encapsulation_key, dk.first(pke_key_bytes)));
  std::copy(kp.encapsulation_key.begin(), kp.encapsulation_key.end(), dk.begin() + pke_key_bytes);
  const std::array<Bytes, 1> h_in{kp.encapsulation_key};
  WIRE_CHECK(sha3.sha3_256(h_in, dk.subspan(2 * pke_key_bytes + 32).first<32>()));
  std::copy(z.begin(), z.end(), dk.begin() + 2 * pke_key_bytes + 64);
  return kp;
}

Result<Encapsulation> encapsulate(const Sha3& sha3, Bytes encapsulation_key, Bytes m) {
  // FIPS 203 §7.2: "(Type check) If ek is not an array of bytes of length 384k + 32 for the value
  // of k specified by the relevant parameter set, the input is invalid." and "(Modulus check) ...
  // If test ≠ ek, the input is invalid."
  if (encapsulation_key.size() != encapsulation_key_length) {
    return wire::illegal_parameter("ML-KEM.encapsulation_key", "wrong length");
  }
  if (!modulus_check(encapsulation_key)) {
    return wire::illegal_parameter("ML-KEM.encapsulation_key", "coefficient not reduced mod q");
  }
  if (m.size() != randomness_length) {
    return wire::fail(Alert::internal_error, "ML-KEM.randomness", "not 32 bytes");
  }
  // FIPS 203 Algorithm 17: (K, r) = G(m || H(ek)); c = K-PKE.Encrypt(ek, m, r).
  Wiped<std::array<std::uint8_t, 32>> h;
  const std::array<Bytes, 1> h_in{encapsulation_key};
  WIRE_CHECK(sha3.sha3_256(h_in, h.v));
  Wiped<std::array<std::uint8_t, 64>> k_r;
  const std::array<Bytes, 2> g_in{m, h.v};
  WIRE_CHECK(sha3.sha3_512(g_in, k_r.v));
  Encapsulation out;
  out.ciphertext.resize(ciphertext_length);
  WIRE_CHECK(pke_encrypt(sha3, encapsulation_key, m, Bytes(k_r.v).subspan(32), out.ciphertext));
  out.shared_secret = SecretBytes(Bytes(k_r.v).first(32));
  return out;
}

Result<SecretBytes> decapsulate(const Sha3& sha3, Bytes decapsulation_key, Bytes ciphertext) {
  // FIPS 203 §7.3: "(Ciphertext type check) If c is not a byte array of length 32(du k + dv) ...
  // the input is invalid." "(Decapsulation key type check) If dk is not a byte array of length
  // 768k + 96 ... the input is invalid." "(Hash check) ... If test ≠ dk[768k + 32 : 768k + 64],
  // the input is invalid."
  if (ciphertext.size() != ciphertext_length) {
    return wire::illegal_parameter("ML-KEM.ciphertext", "wrong length");
  }
  if (decapsulation_key.size() != decapsulation_key_length) {
    return wire::fail(Alert::internal_error, "ML-KEM.decapsulation_key", "wrong length");
  }
  const Bytes dk_pke = decapsulation_key.first(pke_key_bytes);
  const Bytes ek = decapsulation_key.subspan(pke_key_bytes, encapsulation_key_length);
  const Bytes h = decapsulation_key.subspan(2 * pke_key_bytes + 32, 32);
  const Bytes z = decapsulation_key.subspan(2 * pke_key_bytes + 64, 32);
  std::array<std::uint8_t, 32> ek_hash{};
  const std::array<Bytes, 1> h_in{ek};
  WIRE_CHECK(sha3.sha3_256(h_in, ek_hash));
  if (equal_mask(ek_hash, h) != 0xff) {  // public: the hash of the public key
    return wire::fail(Alert::internal_error, "ML-KEM.decapsulation_key", "hash check failed");
  }
  // FIPS 203 Algorithm 18.
  Wiped<std::array<std::uint8_t, 32>> m;
  pke_decrypt(dk_pke, ciphertext, m.v);
  Wiped<std::array<std::uint8_t, 64>> k_r;
  const std::array<Bytes, 2> g_in{m.v, h};
  WIRE_CHECK(sha3.sha3_512(g_in, k_r.v));
  Wiped<std::array<std::uint8_t, 32>> k_bar;
  const std::array<Bytes, 2> j_in{z, ciphertext};
  WIRE_CHECK(sha3.shake256(j_in, k_bar.v));
  SecretBytes c_prime(ciphertext_length);  // as secret as m'
  WIRE_CHECK(pke_encrypt(sha3, ek, m.v, Bytes(k_r.v).subspan(32), c_prime.mutable_span()));
  // Implicit rejection: K' when c = c', else K̄, selected by mask. c' is as secret as m'.
  const std::uint8_t keep = equal_mask(ciphertext, c_prime.span());
  c_prime.wipe();
  SecretBytes key(shared_secret_length);
  for (std::size_t i = 0; i < shared_secret_length; ++i) {
    key.data()[i] = static_cast<std::uint8_t>((k_r.v[i] & keep) |
                                              (k_bar.v[i] & static_cast<std::uint8_t>(~keep)));
  }
  return key;
}

namespace detail {
std::uint16_t compress(std::uint16_t x, unsigned d) { return mlkem768::compress(x, d); }
std::uint16_t decompress(std::uint16_t y, unsigned d) { return mlkem768::decompress(y, d); }
std::uint16_t reduce(std::uint32_t x) { return mlkem768::reduce(x); }
}  // namespace detail

}  // namespace sanstls::native::crypto::mlkem768
