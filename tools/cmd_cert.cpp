// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "cmd_cert.hpp"

#include <sanstls/credentials.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace sanstls::cli {
namespace {

namespace fs = std::filesystem;
using testing::KeyAlgorithm;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
// A century: longer makes no sense for a test certificate and keeps time arithmetic far from
// overflow.
constexpr int max_days = 36500;

constexpr const char* key_type_help =
    "ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519";

struct CaArgs {
  std::string out;
  std::string common_name = "sanstls test CA";
  std::string key_type = "ecdsa-p256";
  int days = 3650;
};

struct LeafArgs {
  std::string ca;
  std::string out;
  std::vector<std::string> names;
  std::string key_type = "ecdsa-p256";
  int days = 90;
  bool client = false;
};

int report(std::string_view command, std::string_view message, int code) {
  fmt::print(stderr, "sanstls cert {}: {}\n", command, message);
  return code;
}

// Writes `text` to `path`, replacing any existing file. Secret files are created 0600 and
// forced back to 0600 if they already existed with looser permissions, before any byte of the
// secret is written.
Result<void> write_file(const fs::path& path, std::string_view text, bool secret) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) {
    return fail(Errc::bad_configuration,
                fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  if (secret && ::fchmod(fd, 0600) != 0) {
    const int error = errno;
    ::close(fd);
    return fail(Errc::bad_configuration, fmt::format("cannot restrict {} to mode 0600: {}",
                                                     path.string(), std::strerror(error)));
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return fail(Errc::bad_configuration,
                  fmt::format("cannot write {}: {}", path.string(), std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    return fail(Errc::bad_configuration,
                fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  return {};
}

Result<void> make_directory(const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return fail(Errc::bad_configuration,
                fmt::format("cannot create directory {}: {}", directory.string(), error.message()));
  }
  return {};
}

// The key PEM is a secret: it is wiped however this function returns.
Result<void> write_key_file(const fs::path& path, std::string key_pem) {
  auto written = write_file(path, key_pem, true);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  return written;
}

std::string describe_validity(const Certificate& certificate) {
  const std::time_t until = std::chrono::system_clock::to_time_t(certificate.not_after());
  std::tm tm{};
  gmtime_r(&until, &tm);
  return fmt::format("valid until {:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

Result<KeyAlgorithm> parse_days_and_key(std::string_view key_type, int days) {
  if (days < 1 || days > max_days) {
    return fail(Errc::bad_configuration,
                fmt::format("--days must be between 1 and {} (got {})", max_days, days));
  }
  return testing::parse_key_algorithm(key_type);
}

int run_ca(const CaArgs& args) {
  auto key = parse_days_and_key(args.key_type, args.days);
  if (!key) {
    return report("ca", key.error().message, exit_usage);
  }
  testing::CaOptions options;
  options.common_name = args.common_name;
  options.key = *key;
  options.validity = std::chrono::days{args.days};
  auto ca = testing::CertificateAuthority::create(options);
  if (!ca) {
    const bool usage = ca.error().code == Errc::bad_configuration;
    return report("ca", ca.error().message, usage ? exit_usage : exit_failure);
  }
  const fs::path out(args.out);
  const fs::path certificate_file = out / "ca.pem";
  const fs::path key_file = out / "ca.key";
  if (auto made = make_directory(out); !made) {
    return report("ca", made.error().message, exit_failure);
  }
  if (auto written = write_file(certificate_file, ca->certificate_pem(), false); !written) {
    return report("ca", written.error().message, exit_failure);
  }
  if (auto written = write_key_file(key_file, ca->key_pem()); !written) {
    return report("ca", written.error().message, exit_failure);
  }
  fmt::print("wrote {} and {} (CA '{}', {}, {})\n", certificate_file.string(), key_file.string(),
             args.common_name, testing::key_algorithm_name(*key),
             describe_validity(ca->certificate()));
  return exit_ok;
}

int run_leaf(const LeafArgs& args) {
  auto key = parse_days_and_key(args.key_type, args.days);
  if (!key) {
    return report("leaf", key.error().message, exit_usage);
  }
  const fs::path ca_dir(args.ca);
  auto ca_pem = read_text_file(ca_dir / "ca.pem");
  if (!ca_pem) {
    return report("leaf", ca_pem.error().message, exit_failure);
  }
  auto ca_key_pem = read_text_file(ca_dir / "ca.key");
  if (!ca_key_pem) {
    return report("leaf", ca_key_pem.error().message, exit_failure);
  }
  auto ca = testing::CertificateAuthority::load(*ca_pem, *ca_key_pem);
  OPENSSL_cleanse(ca_key_pem->data(), ca_key_pem->size());
  if (!ca) {
    return report("leaf",
                  fmt::format("cannot use the CA in {}: {}", ca_dir.string(), ca.error().message),
                  exit_failure);
  }

  testing::LeafOptions options;
  options.names = args.names;
  options.key = *key;
  options.validity = std::chrono::days{args.days};
  options.client = args.client;
  auto leaf = ca->issue_leaf_parts(options);
  if (!leaf) {
    // Bad names are the user's mistake; anything else is ours or libcrypto's.
    const bool usage = leaf.error().code == Errc::bad_configuration;
    return report("leaf", leaf.error().message, usage ? exit_usage : exit_failure);
  }

  const fs::path out(args.out);
  const fs::path certificate_file = out / "cert.pem";
  const fs::path key_file = out / "key.pem";
  if (auto made = make_directory(out); !made) {
    return report("leaf", made.error().message, exit_failure);
  }
  if (auto written = write_file(certificate_file, leaf->certificates_pem(), false); !written) {
    return report("leaf", written.error().message, exit_failure);
  }
  if (auto written = write_key_file(key_file, leaf->key_pem()); !written) {
    return report("leaf", written.error().message, exit_failure);
  }
  fmt::print("wrote {} ({} certificate{}, leaf first) and {} ({} {} certificate for {}, {})\n",
             certificate_file.string(), leaf->certificates.size(),
             leaf->certificates.size() == 1 ? "" : "s", key_file.string(),
             testing::key_algorithm_name(*key), args.client ? "client" : "server",
             fmt::join(args.names, ", "), describe_validity(leaf->certificates.front()));
  return exit_ok;
}

}  // namespace

void add_cert_command(CLI::App& app, int& exit_code) {
  CLI::App* cert = app.add_subcommand("cert", "Make throw-away CAs and certificates for tests");
  cert->require_subcommand(1);

  auto ca_args = std::make_shared<CaArgs>();
  CLI::App* ca =
      cert->add_subcommand("ca", "Make a self-signed test root CA (DIR/ca.pem, DIR/ca.key)");
  ca->add_option("--out", ca_args->out,
                 "Directory to write ca.pem and ca.key into (created if missing)")
      ->required();
  ca->add_option("--cn", ca_args->common_name, "Common name of the CA")->capture_default_str();
  ca->add_option("--key-type", ca_args->key_type, key_type_help);
  ca->add_option("--days", ca_args->days, "Validity in days")->capture_default_str();
  // The callback owns the arguments, so they live as long as the App.
  ca->callback([ca_args, &exit_code] { exit_code = run_ca(*ca_args); });

  auto leaf_args = std::make_shared<LeafArgs>();
  CLI::App* leaf = cert->add_subcommand(
      "leaf", "Issue a leaf certificate from a CA made by `cert ca` (DIR2/cert.pem, DIR2/key.pem)");
  leaf->add_option("--ca", leaf_args->ca, "Directory holding ca.pem and ca.key")->required();
  leaf->add_option("--out", leaf_args->out,
                   "Directory to write cert.pem (leaf first) and key.pem into (created if missing)")
      ->required();
  leaf->add_option("--name", leaf_args->names,
                   "DNS names and IP addresses, comma-separated (the first is also the CN)")
      ->required()
      ->delimiter(',');
  leaf->add_option("--key-type", leaf_args->key_type, key_type_help);
  leaf->add_option("--days", leaf_args->days, "Validity in days")->capture_default_str();
  leaf->add_flag("--client", leaf_args->client,
                 "Make a client certificate (clientAuth instead of serverAuth)");
  leaf->callback([leaf_args, &exit_code] { exit_code = run_leaf(*leaf_args); });
}

}  // namespace sanstls::cli
