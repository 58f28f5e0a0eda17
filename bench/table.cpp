// SPDX-License-Identifier: Apache-2.0 OR MIT
// The report as readable tables.

#include "bench.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sanstls::bench {
namespace {

using nlohmann::json;

std::string cell(const json& figure, int decimals = 0) {
  if (!figure.is_object() || !figure.contains("median") || !figure["median"].is_number()) {
    return "n/a";
  }
  return fmt::format("{:.{}f} [{:.{}f}..{:.{}f}]", figure["median"].get<double>(), decimals,
                     figure["min"].get<double>(), decimals, figure["max"].get<double>(), decimals);
}

const json& at(const json& node, std::initializer_list<const char*> path) {
  static const json null_json;
  const json* here = &node;
  for (const char* key : path) {
    if (!here->is_object() || !here->contains(key)) {
      return null_json;
    }
    here = &(*here)[key];
  }
  return *here;
}

std::string load_text(const json& three) {
  return three.is_array() ? fmt::format("{:.2f} {:.2f} {:.2f}", three[0].get<double>(),
                                        three[1].get<double>(), three[2].get<double>())
                          : std::string("unknown");
}

void print_scale(const json& impls, std::ostream& out) {
  for (const auto& impl : impls) {
    const json& scale = impl.value("scale", json());
    if (!scale.is_object()) continue;
    out << fmt::format(
        "\nScale: {} {} idle sessions (client + server pairs) established in {:.1f} s on {} "
        "threads ({:.0f} handshakes/s), {:.0f} bytes each (client {:.0f}, server {:.0f}); "
        "resident {:.0f} bytes each, {:.0f} MB in all; load {}\n",
        impl["name"].get<std::string>(), scale["connections"].get<std::size_t>(),
        scale["establish_wall_seconds"].get<double>(), scale["threads"].get<int>(),
        scale["handshakes_per_wall_second"].get<double>(),
        scale["bytes_per_connection"].get<double>(), scale["bytes_per_client"].get<double>(),
        scale["bytes_per_server"].get<double>(), scale.value("resident_bytes_per_connection", 0.0),
        scale.value("resident_bytes_established", 0.0) / 1e6,
        load_text(at(scale, {"load_average"})));
  }
}

void print_memory(const json& impls, std::ostream& out) {
  out << "\nMemory per connection, bytes (allocation accounting, ECDSA P-256, AES-128-GCM)\n";
  out << fmt::format("  {:<16} {:>24} {:>24} {:>24} {:>24} {:>24}\n", "", "idle client",
                     "idle server", "peak hs client", "peak hs server", "peak hs both");
  for (const auto& impl : impls) {
    const json m = impl.value("memory", json::object());
    out << fmt::format("  {:<16} {:>24} {:>24} {:>24} {:>24} {:>24}\n",
                       impl["name"].get<std::string>(), cell(at(m, {"idle_client"})),
                       cell(at(m, {"idle_server"})), cell(at(m, {"handshake_peak_client"})),
                       cell(at(m, {"handshake_peak_server"})),
                       cell(at(m, {"handshake_peak_total"})));
  }
}

void print_threads(const json& impls, std::ostream& out) {
  out << "\nParallel independent sessions: full handshakes per wall second (ECDSA P-256; the same "
         "handshakes per thread, threads released together; CPU share = thread CPU / wall, 1.00 "
         "when each thread had a core; per CPU second: 1.00 when a second thread makes no "
         "handshake dearer)\n";
  for (const auto& impl : impls) {
    const json t = impl.value("threads", json::object());
    if (t.empty()) continue;
    out << fmt::format(
        "  {:<16} 1 thread {:>24}   2 threads {:>24}   x{:.2f} (per CPU second x{:.2f})   CPU "
        "share {:.2f} / {:.2f}, load {}\n",
        impl["name"].get<std::string>(), cell(at(t, {"one_thread"})), cell(at(t, {"two_threads"})),
        t.value("scaling", 0.0), t.value("cpu_scaling", 0.0),
        at(t, {"one_thread_cpu_share"}).value("median", 0.0),
        at(t, {"two_threads_cpu_share"}).value("median", 0.0), load_text(at(t, {"load_average"})));
  }
}

void print_ratios(const json& report, std::ostream& out) {
  out << "\nRatios (median / median)\n";
  for (const auto& ratio : report.value("ratios", json::array())) {
    std::string verdict;
    if (ratio["meets_target"].is_boolean()) {
      verdict = fmt::format(
          "  target {} {:.2f}: {}",
          ratio["target_kind"] == "at_most" ? "<=" : ">=", ratio["target"].get<double>(),
          ratio["meets_target"].get<bool>() ? "met" : "MISSED");
    }
    out << fmt::format(
        "  {:<72} {:>7}{}\n", ratio["name"].get<std::string>(),
        ratio["value"].is_number() ? fmt::format("{:.3f}", ratio["value"].get<double>()) : "n/a",
        verdict);
  }
  for (const auto& engine : report.value("unavailable_engines", json::array())) {
    out << fmt::format(
        "  engine {} is not available in this build: its figures and ratios "
        "(native / raw OpenSSL targets) are not available\n",
        engine.get<std::string>());
  }
  if (!report.value("errors", json::array()).empty()) {
    out << "\nErrors\n";
    for (const auto& error : report["errors"]) {
      out << "  " << error.get<std::string>() << '\n';
    }
  }
}

}  // namespace

void print_table(const json& report, std::ostream& out) {
  out << fmt::format("sanstls bench ({} mode) on {} ({} CPUs), {}\n", report.value("mode", "?"),
                     at(report, {"machine", "cpu"}).get<std::string>(),
                     at(report, {"machine", "cpus"}).get<int>(),
                     at(report, {"machine", "openssl"}).get<std::string>());
  // Wall-clock figures (threads, scale) need an otherwise idle machine: say how busy it was.
  out << fmt::format(
      "  load average (1, 5, 15 min): {} at the start, {} at the end; wall-clock figures "
      "(threads, scale) need an otherwise idle machine\n",
      load_text(at(report, {"machine", "load_average", "start"})),
      load_text(at(report, {"machine", "load_average", "end"})));
  for (const auto& note : report.value("notes", json::array())) {
    out << "  note: " << note.get<std::string>() << '\n';
  }
  out << "  figures: median [min..max] over the repetitions\n";
  if (report.contains("only")) {  // `sanstls bench --only ...`: the selected figures alone
    const json impls = report.value("implementations", json::array());
    const json only = report["only"];
    const auto selected = [&](const char* section) {
      return std::find(only.begin(), only.end(), section) != only.end();
    };
    if (selected("scale")) print_scale(impls, out);
    if (selected("memory")) print_memory(impls, out);
    if (selected("threads")) print_threads(impls, out);
    print_ratios(report, out);
    return;
  }
  out << '\n';

  const json hardware = report.value("hardware", json::object());
  out << "Hardware ceiling (libcrypto EVP, one thread)\n";
  for (const auto& aead : hardware.value("aead", json::array())) {
    out << fmt::format("  {:<20} {:>5} B records  seal {:>28} MB/s   seal+open {:>28} MB/s\n",
                       aead["cipher"].get<std::string>(), aead.value("record_bytes", 16384),
                       cell(aead["seal"]), cell(aead["seal_open"]));
    if (aead.contains("seal_open_with_bulk")) {
      out << fmt::format("  {:<20} {:>5} B records  seal+open between the bulk rows {:>28} MB/s\n",
                         "", "", cell(aead["seal_open_with_bulk"]));
    }
    if (aead.contains("seal_open_inner_plaintext_with_bulk")) {
      out << fmt::format("  {:<20} {:>5} B records  the same + TLS 1.3's type byte  {:>28} MB/s\n",
                         "", "", cell(aead["seal_open_inner_plaintext_with_bulk"]));
    }
  }
  const json operations = hardware.value("operations", json::object());
  for (const auto& [name, figure] : operations.items()) {
    out << fmt::format("  {:<20} {:>28} ops/s\n", name, cell(figure));
  }
  const json floor = hardware.value("handshake_floor", json::object());
  for (const auto& [name, figure] : floor.items()) {
    out << fmt::format(
        "  crypto floor {:<10} client {:.0f}/s, server {:.0f}/s, together {:.0f}/s\n", name,
        figure["client"].get<double>(), figure["server"].get<double>(),
        figure["total"].get<double>());
  }
  const json floor_later = hardware.value("handshake_floor_with_handshakes", json::object());
  for (const auto& [section, floors] : floor_later.items()) {
    const char* entry = section == "resumed"                         ? "resumed"
                        : section.find("ecdsa") != std::string::npos ? "ecdsa_p256"
                                                                     : "rsa_2048";
    if (!floors.contains(entry)) continue;
    out << fmt::format(
        "  crypto floor {:<10} measured with the {} rows: together {:.0f}/s ({} samples)\n", entry,
        section, floors[entry]["total"].get<double>(), floors.value("samples", 0));
  }

  const json impls = report.value("implementations", json::array());
  out << "\nFull TLS 1.3 handshakes per CPU second (X25519, client verifies chain + name)\n";
  out << fmt::format("  {:<16} {:<10} {:>26} {:>26} {:>26}\n", "", "cert", "client", "server",
                     "together");
  for (const auto& impl : impls) {
    for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
      const json& figure = at(impl, {"handshakes", cert});
      out << fmt::format("  {:<16} {:<10} {:>26} {:>26} {:>26}\n", impl["name"].get<std::string>(),
                         cert, cell(at(figure, {"client"})), cell(at(figure, {"server"})),
                         cell(at(figure, {"total"})));
    }
  }
  const json groups = report.value("native_groups", json());
  if (groups.is_object()) {
    out << fmt::format("\nNative engine key exchange, full handshakes per CPU second ({})\n",
                       groups["certificate"].get<std::string>());
    for (const char* group : {"x25519", "x25519mlkem768"}) {
      const json& figure = at(groups, {group});
      out << fmt::format("  {:<16} {:>26} {:>26} {:>26}\n", group, cell(at(figure, {"client"})),
                         cell(at(figure, {"server"})), cell(at(figure, {"total"})));
    }
    if (groups["cost_ratio"].is_number()) {
      out << fmt::format("  X25519MLKEM768 costs {:.2f}x an X25519 handshake\n",
                         groups["cost_ratio"].get<double>());
    }
  }
  const auto handshake_rows = [&](const char* key, std::initializer_list<const char*> certs) {
    out << fmt::format("  {:<16} {:<10} {:>26} {:>26} {:>26}\n", "", "cert", "client", "server",
                       "together");
    for (const auto& impl : impls) {
      for (const char* cert : certs) {
        const json& figure = at(impl, {key, cert});
        out << fmt::format("  {:<16} {:<10} {:>26} {:>26} {:>26}\n",
                           impl["name"].get<std::string>(), cert, cell(at(figure, {"client"})),
                           cell(at(figure, {"server"})), cell(at(figure, {"total"})));
      }
    }
  };
  out << "\nFull TLS 1.2 handshakes per CPU second (ECDHE X25519, EMS, AES-128-GCM)\n";
  handshake_rows("tls12_handshakes", {"ecdsa_p256", "rsa_2048"});
  out << "\nResumed TLS 1.3 handshakes per CPU second (psk_dhe_ke, X25519, one ticket each)\n";
  handshake_rows("resumed_handshakes", {"ecdsa_p256"});

  const json x509 = report.value("x509_validation", json::object());
  out << "\nX.509 path validation, validations per CPU second (leaf, intermediate, root)\n";
  out << fmt::format("  {:<10} {:>26} {:>26} {:>26}\n", "", "sanstls", "openssl",
                     "X509_verify_cert");
  for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
    out << fmt::format("  {:<10} {:>26} {:>26} {:>26}\n", cert, cell(at(x509, {cert, "sanstls"})),
                       cell(at(x509, {cert, "openssl"})),
                       cell(at(x509, {cert, "X509_verify_cert"})));
  }

  out << "\nBulk throughput, MB/s of CPU (sender + receiver), by write size\n";
  out << fmt::format("  {:<16} {:<18} {:>28} {:>28}\n", "", "cipher, write", "client -> server",
                     "server -> client");
  for (const auto& impl : impls) {
    std::map<std::string, std::pair<std::string, std::string>> rows;
    std::vector<std::string> order;
    for (const auto& figure : impl.value("bulk", json::array())) {
      const std::string cipher =
          fmt::format("{} {}", figure["cipher"].get<std::string>(),
                      figure.value("write_bytes", 16384) == 1024 ? "1K" : "16K");
      if (!rows.count(cipher)) order.push_back(cipher);
      auto& row = rows[cipher];
      (figure["direction"] == "client_to_server" ? row.first : row.second) = cell(figure["total"]);
    }
    for (const auto& cipher : order) {
      out << fmt::format("  {:<16} {:<18} {:>28} {:>28}\n", impl["name"].get<std::string>(), cipher,
                         rows[cipher].first, rows[cipher].second);
    }
  }

  print_scale(impls, out);
  print_memory(impls, out);

  out << "\nHostile hellos: server CPU ms per receive_data() of one ClientHello (engines)\n";
  out << fmt::format("  {:<16} {:>28} {:>28}\n", "", "16,000 extensions", "6,500 key shares");
  for (const auto& impl : impls) {
    if (!impl.contains("hostile_hellos")) continue;
    const json& h = impl["hostile_hellos"];
    out << fmt::format("  {:<16} {:>28} {:>28}\n", impl["name"].get<std::string>(),
                       cell(at(h, {"many_extensions"}), 2), cell(at(h, {"many_key_shares"}), 2));
  }

  print_threads(impls, out);

  print_ratios(report, out);
}

}  // namespace sanstls::bench
