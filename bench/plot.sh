#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Plots a `sanstls bench --json` report: engines and raw libraries side by side (handshakes,
# bulk throughput, idle memory), with the hardware ceiling. Needs python3 and gnuplot
# (Debian: gnuplot-nox, in scripts/install-deps.sh).
#   bench/plot.sh report.json docs/performance.png
set -euo pipefail
report=${1:?usage: bench/plot.sh REPORT.json OUT.png}
out=${2:?usage: bench/plot.sh REPORT.json OUT.png}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$report" "$work" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
work = sys.argv[2]
impls = report["implementations"]
def med(x):
    return x["median"] if x and x.get("median") is not None else 0
def name(i):
    return '"' + i["name"] + '"'
with open(f"{work}/handshakes.dat", "w") as f:
    f.write("name ecdsa_p256 rsa_2048\n")
    floor = report["hardware"]["handshake_floor"]
    f.write('"crypto floor" %f %f\n' % (floor["ecdsa_p256"]["total"], floor["rsa_2048"]["total"]))
    for i in impls:
        f.write("%s %f %f\n" % (name(i), med(i["handshakes"]["ecdsa_p256"]["total"]),
                                med(i["handshakes"]["rsa_2048"]["total"])))
ciphers = ["AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"]
with open(f"{work}/bulk.dat", "w") as f:
    f.write("name " + " ".join(ciphers) + "\n")
    # 16 KiB writes against 16 KiB records (the 1 KiB rows are in the tables).
    ceiling = {a["cipher"]: med(a.get("seal_open_with_bulk", a["seal_open"]))
               for a in report["hardware"]["aead"]
               if a.get("record_bytes", 16384) == 16384}
    f.write('"raw AEAD (EVP)" ' + " ".join("%f" % ceiling.get(c, 0) for c in ciphers) + "\n")
    for i in impls:
        row = []
        for c in ciphers:
            figs = [med(b["total"]) for b in i["bulk"]
                    if b["cipher"] == c and b.get("write_bytes", 16384) == 16384]
            row.append(sum(figs) / len(figs) if figs else 0)
        f.write(name(i) + " " + " ".join("%f" % v for v in row) + "\n")
with open(f"{work}/memory.dat", "w") as f:
    f.write("name client server\n")
    for i in impls:
        m = i["memory"]
        f.write("%s %f %f\n" % (name(i), med(m["idle_client"]) / 1024, med(m["idle_server"]) / 1024))
with open(f"{work}/title.txt", "w") as f:
    f.write("sanstls bench (%s mode), %s, %d CPUs" % (report["mode"], report["machine"]["cpu"],
                                                    report["machine"]["cpus"]))
PY

gnuplot <<GP
set terminal pngcairo size 1500,520 font "DejaVu Sans,10" noenhanced
set output "$out"
set multiplot layout 1,3 title "$(cat "$work/title.txt")"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right autotitle columnhead
set xtics rotate by -30 scale 0
set grid ytics
set yrange [0:*]
set title "Full TLS 1.3 handshakes per CPU second"
plot "$work/handshakes.dat" using 2:xtic(1), '' using 3
set title "Bulk MB/s per CPU second (mean of both directions)"
plot "$work/bulk.dat" using 2:xtic(1), '' using 3, '' using 4
set title "Idle memory per connection, KiB (target native <= 4)"
plot "$work/memory.dat" using 2:xtic(1), '' using 3
unset multiplot
GP
echo "wrote $out"
