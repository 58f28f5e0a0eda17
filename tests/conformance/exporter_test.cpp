// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: Session::export_keying_material() (RFC 5705; TLS 1.3: RFC 8446 §7.5). Every
// client engine and every server engine derive the exporter independently, so equal bytes on
// both ends of every pair check each engine against two others.

#include "conformance/conformance.hpp"

#include <array>
#include <string>
#include <vector>

namespace sanstls::test {
namespace {

using ExporterTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(ExporterTest);

using Exported = std::vector<std::byte>;

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

/// Exports `length` bytes from `session`, failing the test on an error.
Exported exported(Session& session, std::string_view label, std::size_t length = 32,
                  std::optional<std::string_view> context = std::nullopt) {
  Exported out(length, std::byte{0xee});
  auto done = context ? session.export_keying_material(out, label, bytes_of(*context))
                      : session.export_keying_material(out, label);
  EXPECT_TRUE(done) << label << ": " << done.error().to_string();
  return out;
}

bool all_zero(const Exported& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

/// Both ends of `pair` export the same bytes for `label` / `context`; returns them.
Exported same_on_both_ends(SessionPair& pair, std::string_view label, std::size_t length = 32,
                           std::optional<std::string_view> context = std::nullopt) {
  const Exported client = exported(*pair.client().session, label, length, context);
  const Exported server = exported(*pair.server().session, label, length, context);
  EXPECT_EQ(client, server) << "client and server disagree on '" << label << "'";
  EXPECT_EQ(client.size(), length);
  // Random-looking bytes: all zero is a 2^-64 chance from 8 bytes on (one byte is 0 in 1/256).
  if (length >= 8) {
    EXPECT_FALSE(all_zero(client));
  }
  return client;
}

TEST_P(ExporterTest, BothEndsExportTheSameBytes) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  // RFC 9266 tls-exporter channel binding: this label, no context, 32 bytes.
  same_on_both_ends(pair, "EXPORTER-Channel-Binding");
  same_on_both_ends(pair, "EXPORTER-sanstls-test", 1);
  same_on_both_ends(pair, "EXPORTER-sanstls-test", 100, "some context");
  same_on_both_ends(pair, "EXPORTER-sanstls-test", Session::max_exported_bytes);
}

TEST_P(ExporterTest, LabelContextAndSessionEachChangeTheBytes) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const std::array<Exported, 4> values = {
      same_on_both_ends(pair, "EXPORTER-a"),
      same_on_both_ends(pair, "EXPORTER-b"),
      same_on_both_ends(pair, "EXPORTER-a", 32, "context 1"),
      same_on_both_ends(pair, "EXPORTER-a", 32, "context 2"),
  };
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = i + 1; j < values.size(); ++j) {
      EXPECT_NE(values[i], values[j]) << i << " and " << j;
    }
  }
  SessionPair other(default_client(), default_server());
  ASSERT_TRUE(other.handshake());
  EXPECT_NE(same_on_both_ends(other, "EXPORTER-a"), values[0])
      << "two sessions exported the same keying material";
}

TEST_P(ExporterTest, Tls13NoContextIsTheEmptyContext) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_EQ(pair.client().session->info().version, ProtocolVersion::tls13);
  // RFC 8446 §7.5: "If no context is provided, the context_value is zero length."
  EXPECT_EQ(same_on_both_ends(pair, "EXPORTER-x"), same_on_both_ends(pair, "EXPORTER-x", 32, ""));
}

TEST_P(ExporterTest, Sha384SuiteExportsTheSameOnBothEnds) {
  ServerOptions options = server_options();
  options.policy.cipher_suites = {CipherSuite::tls_aes_256_gcm_sha384};
  SessionPair pair(default_client(), server(options));
  ASSERT_TRUE(pair.handshake());
  ASSERT_EQ(pair.client().session->info().cipher_suite, CipherSuite::tls_aes_256_gcm_sha384);
  same_on_both_ends(pair, "EXPORTER-sha384", 64, "context");
}

TEST_P(ExporterTest, KeyUpdatesDoNotChangeTheExporter) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const Exported before = same_on_both_ends(pair, "EXPORTER-stable");
  // RFC 8446 §7.5 derives exporters from exporter_master_secret, which KeyUpdate leaves alone.
  ASSERT_TRUE(pair.client().session->update_keys());
  pair.pump();
  ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
  EXPECT_EQ(same_on_both_ends(pair, "EXPORTER-stable"), before);
}

TEST_P(ExporterTest, StillAvailableAfterBothCloseNotifies) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const Exported before = same_on_both_ends(pair, "EXPORTER-closing");
  ASSERT_TRUE(pair.client().session->finish());
  pair.pump();
  ASSERT_TRUE(pair.server().session->finish());
  pair.pump();
  ASSERT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_EQ(same_on_both_ends(pair, "EXPORTER-closing"), before);
}

TEST_P(ExporterTest, Tls12DistinguishesNoContextFromAnEmptyOne) {
  if (!tls12_supported_or_reported()) return;
  ClientOptions options = tls12_client_options();
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  // RFC 5705 §4: the context (with its length) is part of the seed only when one is given.
  const Exported none = same_on_both_ends(pair, "EXPORTER-tls12");
  const Exported empty = same_on_both_ends(pair, "EXPORTER-tls12", 32, "");
  EXPECT_NE(none, empty);
  same_on_both_ends(pair, "EXPORTER-tls12", Session::max_exported_bytes, "context");
}

TEST_P(ExporterTest, RefusesWhatTheRfcsForbidAndLeavesTheSessionAlone) {
  SessionPair pair(default_client(), default_server());
  Session& client = *pair.client().session;
  Exported out(32, std::byte{0xee});
  EXPECT_SANSTLS_ERROR(client.export_keying_material(out, "EXPORTER-early"), Errc::api_misuse,
                       "before the handshake finished");
  EXPECT_TRUE(all_zero(out)) << "a refused export must not leave stale bytes behind";
  ASSERT_TRUE(pair.handshake());

  Exported none;
  EXPECT_SANSTLS_ERROR(client.export_keying_material(none, "EXPORTER-x"), Errc::api_misuse,
                       "1 to 8160 bytes, not 0");
  Exported too_long(Session::max_exported_bytes + 1);
  EXPECT_SANSTLS_ERROR(client.export_keying_material(too_long, "EXPORTER-x"), Errc::api_misuse,
                       "not 8161");
  EXPECT_SANSTLS_ERROR(client.export_keying_material(out, ""), Errc::api_misuse, "1 to 63 bytes");
  // RFC 8446 §7.1 would allow 249; GnuTLS 3.7 stops at 63, so every engine does.
  EXPECT_SANSTLS_ERROR(client.export_keying_material(out, std::string(64, 'E')), Errc::api_misuse,
                       "not 64");
  for (std::string_view reserved : {"client finished", "server finished", "master secret",
                                    "key expansion", "extended master secret"}) {
    std::fill(out.begin(), out.end(), std::byte{0xee});
    EXPECT_SANSTLS_ERROR(client.export_keying_material(out, reserved), Errc::api_misuse,
                         "one TLS uses itself");
    EXPECT_TRUE(all_zero(out)) << reserved;
  }
  const std::vector<std::byte> huge_context(65536);
  EXPECT_SANSTLS_ERROR(client.export_keying_material(out, "EXPORTER-x", huge_context),
                       Errc::api_misuse, "at most 65535 bytes");
  // The longest label and context sanstls allows are fine.
  const std::vector<std::byte> largest_context(65535, std::byte{7});
  const std::string longest_label = "EXPORTER" + std::string(55, '-');
  Exported a(16);
  Exported b(16);
  auto client_exported = client.export_keying_material(a, longest_label, largest_context);
  ASSERT_TRUE(client_exported) << client_exported.error().to_string();
  auto server_exported =
      pair.server().session->export_keying_material(b, longest_label, largest_context);
  ASSERT_TRUE(server_exported) << server_exported.error().to_string();
  EXPECT_EQ(a, b);

  // None of the refusals touched the session.
  ASSERT_TRUE(client.write_data("still here"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "still here");
}

TEST_P(ExporterTest, AnInvalidatedSessionExportsNothing) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  Session& client = *pair.client().session;
  std::vector<std::byte> application_data;
  const std::array<std::byte, 8> garbage{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0},
                                         std::byte{3},  std::byte{1}, std::byte{2}, std::byte{3}};
  ASSERT_FALSE(client.receive_data(garbage, application_data));
  ASSERT_EQ(client.state(), SessionState::invalidated);
  Exported out(32, std::byte{0xee});
  EXPECT_SANSTLS_ERROR(client.export_keying_material(out, "EXPORTER-x"), Errc::invalidated,
                       "invalidated by an earlier error");
  EXPECT_TRUE(all_zero(out));
}

}  // namespace
}  // namespace sanstls::test
