#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Renders `sanstls bench --json` output as the markdown tables of docs/performance.md.

    bench/to_markdown.py bench.json > results.md

Every figure is "median (min–max)"; ratios are median / median (docs/bench-schema.json).
"""

import json
import sys


def fig(stat, digits=0):
    if not stat or "median" not in stat:
        return "—"
    fmt = f"{{:.{digits}f}}"
    return f"{fmt.format(stat['median'])} ({fmt.format(stat['min'])}–{fmt.format(stat['max'])})"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load(three):
    """A load average [1, 5, 15 min] as text."""
    return "unknown" if not three else " ".join(f"{x:.2f}" for x in three)


def memory_section(impls):
    out = []
    out.append("\n### Memory per connection, bytes (1000 connections, ECDSA P-256, AES-128-GCM)\n")
    keys = ["idle_client", "idle_server", "handshake_peak_client", "handshake_peak_server",
            "handshake_peak_total"]
    out.append(table(["implementation", "idle client", "idle server", "handshake peak client",
                      "handshake peak server", "handshake peak both"],
                     [[impl["name"]] + [fig(impl["memory"].get(k)) for k in keys]
                      for impl in impls if impl.get("memory")]))
    return out


def scale_section(impls):
    out = []
    scaled = [impl for impl in impls if impl.get("scale")]
    if scaled:
        out.append("\n### Scale: idle sessions kept at once (client + server pairs, 2 threads)\n")
        out.append(table(["implementation", "sessions", "established in (wall s)", "handshakes/s",
                          "bytes per pair", "client", "server", "resident per pair",
                          "load average"],
                         [[impl["name"], str(impl["scale"]["connections"]),
                           f"{impl['scale']['establish_wall_seconds']:.1f}",
                           f"{impl['scale']['handshakes_per_wall_second']:.0f}",
                           f"{impl['scale']['bytes_per_connection']:.0f}",
                           f"{impl['scale']['bytes_per_client']:.0f}",
                           f"{impl['scale']['bytes_per_server']:.0f}",
                           f"{impl['scale'].get('resident_bytes_per_connection', 0):.0f}",
                           load(impl["scale"].get("load_average"))] for impl in scaled]))
    return out


def threads_section(impls):
    out = []
    out.append("\n### Two threads against one (independent sessions, shared configuration; "
               "handshakes per wall second)\n")
    out.append("The same handshakes per thread, the threads released together; CPU share = the "
               "threads' CPU time / wall time (1.00 when each had a core to itself); scaling per CPU second = handshakes per "
               "CPU second with two threads / with one (1.00 when a second thread makes no "
               "handshake dearer). The wall-clock scaling is meaningful only on an otherwise idle "
               "machine with ≥ 2 cores.\n")
    rows = []
    for impl in impls:
        t = impl.get("threads")
        if not t:
            continue
        share = (f"{t['one_thread_cpu_share']['median']:.2f} / "
                 f"{t['two_threads_cpu_share']['median']:.2f}"
                 if "one_thread_cpu_share" in t else "—")
        rows.append([impl["name"], fig(t["one_thread"]), fig(t["two_threads"]),
                     f"×{t['scaling']:.2f}",
                     f"×{t['cpu_scaling']:.2f}" if "cpu_scaling" in t else "—", share,
                     load(t.get("load_average"))])
    out.append(table(["implementation", "1 thread", "2 threads", "scaling",
                      "scaling per CPU second", "CPU share 1 / 2", "load average"], rows))
    return out


def ratios_section(report):
    out = []
    out.append("\n### Ratios (median / median)\n")
    rows = []
    for ratio in report["ratios"]:
        target = ""
        if ratio.get("target") is not None:
            sign = "≥" if ratio.get("target_kind") == "at_least" else "≤"
            met = "yes" if ratio.get("meets_target") else "**no**"
            target = f"{sign} {ratio['target']} | {met}"
        else:
            target = " | "
        value = "—" if ratio["value"] is None else f"{ratio['value']:.3f}"
        rows.append([ratio["name"], f"{value} | {target}"])
    out.append(table(["ratio", "value", "target", "met"], rows))
    return out


def machine_line(report):
    """The load average at the run's start and end: wall-clock rows need an idle machine."""
    averages = report["machine"].get("load_average", {})
    return (f"Load average (1, 5, 15 min): {load(averages.get('start'))} at the start, "
            f"{load(averages.get('end'))} at the end ({report['machine']['cpus']} CPUs).\n")


def render_only(report):
    """`sanstls bench --only ...`: the selected rows alone."""
    impls = report["implementations"]
    out = [machine_line(report)]
    if "scale" in report["only"]:
        out += scale_section(impls)
    if "memory" in report["only"]:
        out += memory_section(impls)
    if "threads" in report["only"]:
        out += threads_section(impls)
    out += ratios_section(report)
    return "\n".join(out) + "\n"


def render(report):
    if "only" in report:
        return render_only(report)
    out = [machine_line(report)]
    hardware = report["hardware"]
    out.append("### Hardware ceiling (libcrypto EVP, one thread)\n")
    out.append(table(["primitive", "seal MB/s", "seal+open MB/s",
                      "seal+open MB/s between the bulk rows",
                      "the same + TLS 1.3's type byte (MB/s of content)"],
                     [[f"{a['cipher']} ({a.get('record_bytes', 16384) // 1024} KiB records)",
                       fig(a["seal"]), fig(a["seal_open"]),
                       fig(a.get("seal_open_with_bulk")),
                       fig(a.get("seal_open_inner_plaintext_with_bulk"))]
                      for a in hardware["aead"]]))
    out.append("")
    rows = [[name, fig(stat)] for name, stat in sorted(hardware["operations"].items())]
    for label, floor in hardware["handshake_floor"].items():
        rows.append([f"crypto floor of one {label} handshake (client / server / together)",
                     f"{floor['client']:.0f} / {floor['server']:.0f} / {floor['total']:.0f}"])
    for section, floors in hardware.get("handshake_floor_with_handshakes", {}).items():
        label = ("resumed" if section == "resumed"
                 else "ecdsa_p256" if "ecdsa" in section else "rsa_2048")
        floor = floors[label]
        rows.append([f"crypto floor of one {label} handshake, measured with the {section} rows",
                     f"{floor['client']:.0f} / {floor['server']:.0f} / {floor['total']:.0f}"])
    out.append(table(["operation", "ops/s"], rows))

    impls = report["implementations"]
    out.append("\n### Full TLS 1.3 handshakes per CPU second\n")
    rows = []
    for impl in impls:
        for label, hs in impl["handshakes"].items():
            if hs:
                rows.append([impl["name"], label, fig(hs["client"]), fig(hs["server"]),
                             fig(hs["total"])])
    out.append(table(["implementation", "server cert", "client", "server", "together"], rows))

    for key, title, certs in [
            ("tls12_handshakes", "Full TLS 1.2 handshakes per CPU second (ECDHE X25519, EMS)",
             ["ecdsa_p256", "rsa_2048"]),
            ("resumed_handshakes", "Resumed TLS 1.3 handshakes per CPU second (psk_dhe_ke)",
             ["ecdsa_p256"])]:
        out.append(f"\n### {title}\n")
        rows = []
        for impl in impls:
            for label in certs:
                hs = (impl.get(key) or {}).get(label)
                if hs:
                    rows.append([impl["name"], label, fig(hs["client"]), fig(hs["server"]),
                                 fig(hs["total"])])
        out.append(table(["implementation", "server cert", "client", "server", "together"], rows))

    x509 = report.get("x509_validation")
    if x509:
        out.append("\n### X.509 path validation, validations per CPU second "
                   "(leaf, intermediate, root)\n")
        validators = ["sanstls", "openssl", "X509_verify_cert"]
        out.append(table(["chain"] + validators,
                         [[label] + [fig(x509[label].get(v)) for v in validators]
                          for label in ("ecdsa_p256", "rsa_2048") if label in x509]))

    out.append("\n### Bulk throughput, MB/s per CPU second (sender + receiver)\n")
    rows = []
    for impl in impls:
        by_cipher = {}
        for figure in impl["bulk"]:
            key = (figure["cipher"], figure.get("write_bytes", 16384))
            by_cipher.setdefault(key, {})[figure["direction"]] = figure["total"]
        for (cipher, write), directions in by_cipher.items():
            rows.append([impl["name"], cipher, f"{write // 1024} KiB",
                         fig(directions.get("client_to_server")),
                         fig(directions.get("server_to_client"))])
    out.append(table(["implementation", "cipher", "writes", "client → server", "server → client"],
                     rows))

    out += memory_section(impls)
    out += scale_section(impls)

    out.append("\n### Hostile hellos: server CPU ms per receive_data() of one ClientHello\n")
    out.append(table(["implementation", "16,000 empty extensions (64 KiB)",
                      "6,500 groups + 6,500 one-byte key shares"],
                     [[impl["name"], fig(impl["hostile_hellos"].get("many_extensions"), 2),
                       fig(impl["hostile_hellos"].get("many_key_shares"), 2)]
                      for impl in impls if impl.get("hostile_hellos")]))

    out += threads_section(impls)
    out += ratios_section(report)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(render(json.load(f)))
