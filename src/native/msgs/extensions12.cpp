// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/extensions12.hpp"

namespace sanstls::native::msgs {

Result<ByteVec> parse_renegotiation_info(Bytes body) {
  wire::Reader r(body);
  WIRE_TRY(auto conn, r.vec8("renegotiation_info.renegotiated_connection"));
  WIRE_CHECK(r.expect_end("renegotiation_info"));
  return ByteVec(conn.begin(), conn.end());
}

Result<Extension> renegotiation_info_extension(Bytes renegotiated_connection) {
  wire::Writer w;
  w.vec8(renegotiated_connection, "renegotiation_info.renegotiated_connection");
  WIRE_TRY(auto body, std::move(w).finish());
  return Extension{ExtensionType::renegotiation_info, RawExtension{std::move(body)}};
}

Status parse_extended_master_secret(Bytes body) {
  const wire::Reader r(body);
  WIRE_CHECK(r.expect_end("extended_master_secret"));
  return {};
}

Extension extended_master_secret_extension() {
  return Extension{ExtensionType::extended_master_secret, RawExtension{}};
}

Result<ByteVec> parse_ec_point_formats(Bytes body) {
  wire::Reader r(body);
  WIRE_TRY(auto formats, r.vec8("ec_point_formats.ec_point_format_list", {1, 255}));
  WIRE_CHECK(r.expect_end("ec_point_formats"));
  return ByteVec(formats.begin(), formats.end());
}

Extension ec_point_formats_extension() {
  return Extension{ExtensionType::ec_point_formats,
                   RawExtension{ByteVec{1, ec_point_format_uncompressed}}};
}

const ByteVec* raw_extension(const Extensions& extensions, ExtensionType type) {
  const auto* raw = extensions.get<RawExtension>(type);
  return raw == nullptr ? nullptr : &raw->data;
}

}  // namespace sanstls::native::msgs
