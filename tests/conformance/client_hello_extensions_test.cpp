// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: the extensions of the ClientHello each engine sends are exactly the ones
// docs/backends.md lists for it ("ClientHello extensions"). Rule (issue 13): no engine sends an
// extension whose answer sanstls ignores (the GnuTLS engine used to ask for OCSP stapling,
// status_request, that nothing checked). The test reads the table from the document itself, so
// the document and the engines cannot drift apart.

#include "conformance/conformance.hpp"
#include "conformance/hello_records.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace sanstls::test {
namespace {

namespace hr = hello_records;

std::filesystem::path backends_doc() {
  // This file is tests/conformance/client_hello_extensions_test.cpp in the source tree. Ninja
  // names it relative to the build directory, which holds this binary as
  // tests/conformance/conformance_test.
  std::filesystem::path source(__FILE__);
  if (source.is_relative()) {
    source =
        std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path() /
        source;
  }
  return source.parent_path().parent_path().parent_path() / "docs" / "backends.md";
}

/// "GnuTLS 3.7.9" → "3.7": the running library's major.minor, as backend_capabilities says.
std::string library_minor(Backend backend) {
  const std::string text = backend_capabilities(backend).library_version;
  std::smatch match;
  static const std::regex version(R"((\d+)\.(\d+))");
  return std::regex_search(text, match, version) ? match[1].str() + "." + match[2].str() : "";
}

/// Whether a cell says the extension is sent: "yes", or "yes (GnuTLS 3.7)" when the engine's
/// library is that version.
bool sent_per_cell(const std::string& cell, Backend backend) {
  if (cell.rfind("yes", 0) != 0) return false;
  static const std::regex only(R"(\((\w+) (\d+\.\d+)\))");
  std::smatch match;
  if (!std::regex_search(cell, match, only)) return true;
  return library_minor(backend) == match[2].str();
}

/// The table under the heading "ClientHello extensions" of docs/backends.md: for each engine
/// column (openssl, gnutls, native), the extension types marked "yes". Rows name the extension
/// as `name (type)`.
std::map<std::string, std::set<std::uint16_t>> documented_extensions(std::string& problem) {
  std::ifstream in(backends_doc());
  if (!in) {
    problem = "cannot read " + backends_doc().string();
    return {};
  }
  std::string line;
  bool in_section = false;
  std::vector<std::string> columns;
  std::map<std::string, std::set<std::uint16_t>> out;
  const std::regex type_in_parentheses(R"(\((\d+)\))");
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      in_section = line.find("ClientHello extensions") != std::string::npos;
      continue;
    }
    if (!in_section || line.rfind('|', 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream row(line.substr(1));
    std::string cell;
    while (std::getline(row, cell, '|')) {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    if (columns.empty()) {
      columns = cells;  // the header row
      continue;
    }
    if (!cells.empty() && cells[0].rfind("---", 0) == 0) continue;
    std::smatch match;
    if (cells.empty() || !std::regex_search(cells[0], match, type_in_parentheses)) {
      problem = "a row without `(type)` in its first cell: " + line;
      return {};
    }
    const auto type = static_cast<std::uint16_t>(std::stoul(match[1].str()));
    for (std::size_t i = 1; i < cells.size() && i < columns.size(); ++i) {
      out[columns[i]];  // every engine column exists, even with no "yes"
      for (const Backend backend : {Backend::openssl, Backend::gnutls, Backend::native}) {
        if (columns[i] == backend_name(backend) && sent_per_cell(cells[i], backend)) {
          out[columns[i]].insert(type);
        }
      }
    }
  }
  if (out.empty()) problem = "no \"ClientHello extensions\" table in " + backends_doc().string();
  return out;
}

std::string list(const std::set<std::uint16_t>& types) {
  std::string out;
  for (const std::uint16_t type : types) out += (out.empty() ? "" : ", ") + std::to_string(type);
  return out;
}

class ClientHelloExtensionsTest : public Conformance {};
SANSTLS_INSTANTIATE_CONFORMANCE(ClientHelloExtensionsTest);

TEST_P(ClientHelloExtensionsTest, ExactlyTheDocumentedExtensions) {
  // One client engine per test: the pair's server plays no part, so only the pairs with the
  // client talking to its own kind run (every engine once).
  if (GetParam().server != GetParam().client) return;
  std::string problem;
  const auto documented = documented_extensions(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const std::string engine{backend_name(GetParam().client)};
  ASSERT_TRUE(documented.contains(engine)) << "docs/backends.md has no column for " << engine;

  // The documented configuration: TLS 1.3 and 1.2 allowed (the defaults), a host name (SNI), and
  // ALPN protocols.
  ClientOptions options = client_options();
  options.alpn = {"h2", "http/1.1"};
  Endpoint endpoint;
  auto started = client(options, "localhost").start(endpoint.callbacks());
  ASSERT_TRUE(started) << started.error().to_string();
  const auto types = hr::client_hello_extension_types(endpoint.outbox);
  ASSERT_TRUE(types) << "the first flight is not a parseable ClientHello";

  const std::set<std::uint16_t> sent(types->begin(), types->end());
  EXPECT_EQ(sent.size(), types->size()) << "an extension type sent twice";
  EXPECT_EQ(sent, documented.at(engine))
      << "the " << engine << " engine sends extensions " << list(sent)
      << "; docs/backends.md (ClientHello extensions) lists " << list(documented.at(engine));
  // The rule behind the table: never ask for what sanstls does not check (the one documented
  // exception: GnuTLS 3.7 cannot be stopped from asking for an OCSP staple).
  if (!(GetParam().client == Backend::gnutls && library_minor(Backend::gnutls) == "3.7")) {
    EXPECT_FALSE(sent.contains(5)) << "status_request (OCSP stapling): sanstls checks no staple";
  }
  EXPECT_FALSE(sent.contains(18)) << "signed_certificate_timestamp: sanstls checks no SCT";
  // session_ticket (RFC 5077) only from engines that resume TLS 1.2 sessions.
  const auto resumes = backend_capabilities(GetParam().client).resumption;
  EXPECT_EQ(sent.contains(35),
            std::find(resumes.begin(), resumes.end(), ProtocolVersion::tls12) != resumes.end())
      << "session_ticket must be sent exactly when the engine resumes TLS 1.2 sessions";
}

TEST_P(ClientHelloExtensionsTest, NoAlpnAndNoSniWhenNotConfigured) {
  if (GetParam().server != GetParam().client) return;
  Endpoint endpoint;
  auto started = client(client_options(), "127.0.0.1").start(endpoint.callbacks());
  ASSERT_TRUE(started) << started.error().to_string();
  const auto types = hr::client_hello_extension_types(endpoint.outbox);
  ASSERT_TRUE(types) << "the first flight is not a parseable ClientHello";
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"".
  EXPECT_EQ(std::count(types->begin(), types->end(), 0), 0) << "server_name for an IP address";
  EXPECT_EQ(std::count(types->begin(), types->end(), 16), 0) << "ALPN without protocols";
}

}  // namespace
}  // namespace sanstls::test
