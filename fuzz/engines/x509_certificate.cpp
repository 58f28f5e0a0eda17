// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: sanstls's strict DER certificate parser (src/x509/der). Input: one DER
// certificate. Whatever it is, the parser returns a certificate or an error naming the field;
// a parsed certificate's spans stay inside the input and its names can be shown.
#include "x509/der/certificate.hpp"
#include "x509/der/name.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sanstls::wire::Bytes input(data, size);
  auto parsed = sanstls::x509::der::parse_certificate(input);
  if (!parsed) {
    if (parsed.error().field.empty() || parsed.error().reason.empty()) __builtin_trap();
    return 0;
  }
  const auto inside = [&](sanstls::wire::Bytes part) {
    return part.empty() || (part.data() >= data && part.data() + part.size() <= data + size);
  };
  if (!inside(parsed->tbs) || !inside(parsed->issuer) || !inside(parsed->subject) ||
      !inside(parsed->spki) || !inside(parsed->signature) || parsed->der.size() != size) {
    __builtin_trap();
  }
  (void)sanstls::x509::der::display_name(parsed->issuer);
  (void)sanstls::x509::der::display_name(parsed->subject);
  return 0;
}
