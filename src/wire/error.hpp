#pragma once
// The error every wire-level and native-engine failure carries: which field failed, why, and the
// alert the engine must send. Field and reason are string literals, so failing never allocates.

#include <sanstls/error.hpp>

#include <tl/expected.hpp>

#include <string>
#include <string_view>

namespace sanstls::wire {

/// A parse, encode or protocol failure. `field` names the wire field ("ClientHello.cipher_suites")
/// and `reason` says what was wrong with it; both point to string literals (static storage).
struct Error {
  Alert alert = Alert::decode_error;
  std::string_view field;
  std::string_view reason;

  /// "decode_error: ClientHello.cipher_suites: truncated".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

/// Shorthand for returning a failure from a function that returns Result<T>.
inline tl::unexpected<Error> fail(Alert alert, std::string_view field, std::string_view reason) {
  return tl::unexpected<Error>(Error{alert, field, reason});
}
inline tl::unexpected<Error> decode_error(std::string_view field, std::string_view reason) {
  return fail(Alert::decode_error, field, reason);
}
inline tl::unexpected<Error> illegal_parameter(std::string_view field, std::string_view reason) {
  return fail(Alert::illegal_parameter, field, reason);
}

}  // namespace sanstls::wire

#define WIRE_CAT_IMPL(a, b) a##b
#define WIRE_CAT(a, b) WIRE_CAT_IMPL(a, b)
#define WIRE_TRY_IMPL(tmp, lhs, expr)                             \
  auto tmp = (expr);                                              \
  if (!tmp) {                                                     \
    return ::tl::unexpected<::sanstls::wire::Error>(tmp.error()); \
  }                                                               \
  lhs = std::move(*tmp)
/// `WIRE_TRY(auto x, reader.u16("field"));` — evaluates, returns the error upward on failure.
#define WIRE_TRY(lhs, expr) WIRE_TRY_IMPL(WIRE_CAT(wire_try_, __LINE__), lhs, expr)
/// `WIRE_CHECK(reader.expect_end("field"));` — for Status-returning calls.
#define WIRE_CHECK(expr)                                                          \
  do {                                                                            \
    auto wire_check_result = (expr);                                              \
    if (!wire_check_result) {                                                     \
      return ::tl::unexpected<::sanstls::wire::Error>(wire_check_result.error()); \
    }                                                                             \
  } while (false)
