#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py DIR: the host side of "make bench".

Reads DIR/runs.jsonl (one JSON object per measured run, from run.sh in the
VM) and writes
  DIR/results.json  every run, plus per scenario and system the min/median/
                    max of packets per DUT CPU-second and of packets per
                    second, and the ratios vnicgw/linux and vnicgw/ovs
  DIR/results.md    the same as a markdown table
  DIR/bench.png     DUT CPU time per packet against flow count, routes per
                    table, VNICs and tracked connections, one line per
                    system, and per path and size (gnuplot)
and prints the ratios. The ratio of a scenario is taken run by run (the
i-th run of vnicgw against the i-th of the other system: neighbours in
time) and summarized as min/median/max.

A run that the receiver did not find right refuses the whole report: any
bad packet (vrecv's reasons: outer addresses, checksums, tunnel flags, VNI,
MACs, inner addresses, TTL, ports, NAT mappings), more packets received
than sent, fewer distinct flows received than were sent when every packet
arrived (more than were sent, ever), a generator or receiver that failed,
connections that did not all open, or a frame delivered on a path whose
every packet must be dropped (spoof, nat-in). Then results.json says why ("refused"), results.md
holds only the reasons, no ratio is printed, and the exit status is 1.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

SYSTEMS = ["vnicgw", "linux", "linux-tuned", "ovs"]
OTHERS = SYSTEMS[1:]
NAMES = {"vnicgw": "vnicgw", "linux": "Linux-native", "linux-tuned": "Linux-native tuned", "ovs": "OVS"}
SHORT = {"linux": "Linux", "linux-tuned": "Linux tuned", "ovs": "OVS"}
# Paths whose every packet the DUT must drop (lib.sh path_args, NEGATIVE).
NEGATIVE_PATHS = {"spoof", "nat-in"}


def unit_of(r):
    """What a run's pkts_per_cpu_s and pps count: packets delivered, or
    packets dropped (negative paths), TCP connections, TCP megabytes."""
    if r.get("unit"):
        return r["unit"]
    if r.get("negative") or r.get("path") in NEGATIVE_PATHS:
        return "drops"
    return {"tcp-crr": "conns", "tcp-bulk": "MB"}.get(r.get("path"), "pkts")


def mmm(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs), "n": len(xs)}


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    return runs


def summarize(runs):
    order, by = [], {}
    for r in runs:
        key = r["scenario"]
        if key not in by:
            order.append(key)
            by[key] = {"params": {k: r[k] for k in ("path", "flows", "size", "vnics", "routes", "conns")},
                       "systems": {}}
            by[key]["params"]["unit"] = unit_of(r)
        by[key]["systems"].setdefault(r["system"], []).append(r)
    out = []
    for name in order:
        s = by[name]
        row = {"scenario": name, **s["params"], "systems": {}, "ratios": {}}
        for sysname, rs in s["systems"].items():
            errs = [r["error"] for r in rs if r.get("error")]
            good = [r for r in rs if not r.get("error")]
            row["systems"][sysname] = {
                "error": errs[0] if errs and not good else None,
                "pkts_per_cpu_s": mmm([r.get("pkts_per_cpu_s") for r in good]),
                "pps": mmm([r.get("pps") for r in good]),
                "ns_per_pkt": mmm([1e9 / r["pkts_per_cpu_s"] for r in good if r.get("pkts_per_cpu_s")]),
                "delivered": mmm([r["ok"] / r["sent"] for r in good if r.get("sent")]),
                "bad": sum(r.get("bad") or 0 for r in good),
                "setup_s": mmm([r.get("setup_s") for r in good]),
                "dut_util": mmm([r.get("dut_util") for r in good]),
            }
            # Tracked-connection scenarios (run.sh ct_scenario): the same
            # figures in every run of a system; keep the first.
            ct = next((r for r in good if "established" in r or "opened" in r), None)
            if ct:
                row["systems"][sysname]["ct"] = {k: ct.get(k) for k in (
                    "opened", "established", "establish_s", "table_slab_kb", "table_used_kb",
                    "table_entries", "table_entries_after")}
        v = [r for r in s["systems"].get("vnicgw", []) if r.get("pkts_per_cpu_s")]
        for other in OTHERS:
            o = [r for r in s["systems"].get(other, []) if r.get("pkts_per_cpu_s")]
            n = min(len(v), len(o))
            if n:
                row["ratios"][other] = {
                    "pkts_per_cpu_s": mmm([v[i]["pkts_per_cpu_s"] / o[i]["pkts_per_cpu_s"] for i in range(n)]),
                    "pps": mmm([v[i]["pps"] / o[i]["pps"] for i in range(n) if o[i]["pps"]]),
                }
        out.append(row)
    return out


def fmt_k(x):
    return "–" if x is None else f"{x / 1000:.1f}k"


def fmt_ratio(m):
    if not m:
        return "–"
    return f"**{m['median']:.2f}** ({m['min']:.2f}–{m['max']:.2f})"


def present(summary):
    """The systems that ran in any scenario (BENCH_SYSTEMS), in SYSTEMS' order."""
    return [s for s in SYSTEMS if any(s in row["systems"] for row in summary)]


def markdown(summary):
    shown = present(summary)
    others = [s for s in shown if s != "vnicgw"]
    lines = [
        "| scenario | path | flows | inner bytes | VNICs | routes | "
        + " | ".join(f"{NAMES[s]} pkts/CPU-s (pps)" for s in shown)
        + "".join(f" | vnicgw / {SHORT[s]}" for s in others) + " |",
        "|" + " --- |" * (6 + len(shown) + len(others)),
    ]
    for row in summary:
        cells = []
        for s in shown:
            d = row["systems"].get(s)
            if not d:
                cells.append("not run")
            elif d["error"]:
                cells.append("not run¹")
            else:
                c, p = d["pkts_per_cpu_s"], d["pps"]
                cells.append(f"{fmt_k(c and c['median'])} ({fmt_k(p and p['median'])})")
        lines.append(
            f"| {row['scenario']} | {row['path']}{'' if row['unit'] == 'pkts' else ' (' + row['unit'] + ')'} | {row['flows']} | {row['size']} | "
            f"{row['vnics'] + 3} | {row['routes'] + 1} | " + " | ".join(cells)
            + "".join(f" | {fmt_ratio(row['ratios'].get(s, {}).get('pkts_per_cpu_s'))}" for s in others)
            + " |")
    units = {row["unit"] for row in summary}
    if "drops" in units:
        lines += ["", "Paths marked (drops): every packet must be dropped (spoof: tunnel "
                  "packets from an underlay address that is no NVD's or gateway's; nat-in: "
                  "unsolicited inbound to the NAT gateway's public IP). The figures count the "
                  "packets dropped, per DUT CPU-second and per second; the receiver where a "
                  "leak would arrive saw none."]
    if "conns" in units:
        lines += ["", "Paths marked (conns): TCP connections between two real instances (the "
                  "kernel's TCP), each a handshake and a close (six or seven packets through the DUT), "
                  "per DUT CPU-second and per second, FLOWS of them at a time; no connection "
                  "failed."]
    if "MB" in units:
        lines += ["", "Paths marked (MB): TCP bulk (iperf3, FLOWS streams), megabytes of payload "
                  "received per DUT CPU-second and per second, with the offloads Linux turns on "
                  "and GRO on the DUT's NIC: a system whose receive path merges the frames "
                  "(Linux's VXLAN, OVS's tunnel port) handles fewer, larger packets."]
    low = [f"{row['scenario']}/{NAMES[sn]} {d['dut_util']['median']:.2f}"
           for row in summary for sn, d in row["systems"].items()
           if d.get("dut_util") and d["dut_util"]["median"] < 0.9]
    if low:
        lines += ["", "Not saturated (the DUT CPU busy less than 0.9 of the run, median; the "
                  "generator or the endpoints were the bottleneck, and the figure per CPU-second "
                  "includes the cost of waking up): " + ", ".join(low) + "."]
    lines += ct_markdown(summary) + setup_markdown(summary)
    notes = [f"{row['scenario']}/{s}: {d['error'][:160]}" for row in summary
             for s, d in row["systems"].items() if d["error"]]
    if notes:
        lines += ["", "¹ not run:"] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def ct_markdown(summary):
    """Scenarios with CONNS tracked connections: each against its -empty twin."""
    rows = {r["scenario"]: r for r in summary}
    out = []
    for row in summary:
        base = rows.get(row["scenario"] + "-empty")
        if not base or row["conns"] <= row["flows"]:
            continue
        if not out:
            out = ["", "Tracked connections: the same flows measured with only themselves in the "
                   "connection table (empty) and after CONNS more connections were opened and answered.",
                   "",
                   "| scenario | system | connections opened / established | table entries | "
                   "slab growth | bytes per connection | pkts/CPU-s, empty table | pkts/CPU-s, full table | "
                   "full / empty |",
                   "|" + " --- |" * 9]
        for s in present(summary):
            d, b = row["systems"].get(s), base["systems"].get(s)
            if not d or d["error"] or not d.get("ct"):
                out.append(f"| {row['scenario']} | {NAMES[s]} | not run | | | | | | |")
                continue
            ct = d["ct"]
            conns = ct.get("established") or ct.get("opened") or 0
            slab = ct.get("table_slab_kb")
            per = f"{slab * 1024 / conns:.0f}" if slab and conns else "–"
            full = d["pkts_per_cpu_s"] and d["pkts_per_cpu_s"]["median"]
            empty = b and not b["error"] and b["pkts_per_cpu_s"] and b["pkts_per_cpu_s"]["median"]
            ent = ct.get("table_entries")
            out.append(
                f"| {row['scenario']} | {NAMES[s]} | {ct.get('opened')} / {ct.get('established')} "
                f"({ct.get('establish_s') or 0:.0f} s) | {ent if ent is not None else '–'} | "
                f"{(slab or 0) / 1024:.0f} MB | {per} | {fmt_k(empty or None)} | {fmt_k(full or None)} | "
                f"{(full / empty if full and empty else float('nan')):.2f} |")
    return out


def setup_markdown(summary):
    """How long each system took to be set up, for the scale scenarios."""
    out = []
    for row in summary:
        if row["vnics"] < 1000 and row["routes"] < 1000:
            continue
        if not out:
            out = ["", "Setup time of the scale scenarios (s, the system's configuration from an "
                   "empty namespace):", "", "| scenario | " + " | ".join(NAMES[s] for s in present(summary)) + " |",
                   "|" + " --- |" * (1 + len(present(summary)))]
        cells = []
        for s in present(summary):
            d = row["systems"].get(s)
            t = d and not d["error"] and d.get("setup_s")
            cells.append(f"{t['median']:.0f}" if t else "not run")
        out.append(f"| {row['scenario']} | " + " | ".join(cells) + " |")
    return out


# The curves of the plot: (panel title, x label, [(x, scenario)...]).
CURVES = [
    ("flows (VNIC to VNIC, 64 B)", "flows",
     [(1, "v2v-1flow-64B"), (10000, "v2v-10kflows-64B")]),
    ("routes in the subnet table (internet gateway, 10k flows spread over them)", "routes per table",
     [(11, "routes-10"), (501, "routes-500"), (10001, "routes-10k"), (100001, "routes-100k")]),
    ("VNICs (VNIC to VNIC, 10k flows over min(10k, VNICs / 2) VNIC pairs)", "VNICs",
     [(23, "vnics-20"), (1003, "vnics-1k"), (10003, "vnics-10k"), (100003, "vnics-100k")]),
    ("connections tracked (VNIC to VNIC, the same 10k flows measured)", "connections in the table",
     [(10000, "ct-1M-empty"), (1000000, "ct-1M")]),
]


# The fourth panel: the paths and sizes side by side (categories).
CATEGORIES = [("v2v 64B", "v2v-1flow-64B"), ("v2v 1400B", "v2v-1flow-1400B"),
              ("v2v 10k flows", "v2v-10kflows-64B"), ("igw 64B", "igw-1flow-64B"),
              ("nat 64B", "nat-1flow-64B")]


def _row_vals(r, shown):
    vals = []
    for s in shown:
        d = r["systems"].get(s)
        m = d and not d["error"] and d["ns_per_pkt"]
        vals += ([f"{m['median'] / 1000:.3f}", f"{m['min'] / 1000:.3f}", f"{m['max'] / 1000:.3f}"]
                 if m else ["NaN"] * 3)
    return vals


def plot(summary, outdir):
    if not shutil.which("gnuplot"):
        print("report: no gnuplot, no plot (tools/install-deps)", file=sys.stderr)
        return
    rows = {r["scenario"]: r for r in summary}
    shown = present(summary)
    panels = []
    for i, (title, xlabel, pts) in enumerate(CURVES):
        pts = [(x, rows[s]) for x, s in pts if s in rows]
        if not pts:
            continue
        dat = os.path.join(outdir, f"plot{i}.dat")
        with open(dat, "w") as f:
            f.write("# x " + " ".join(f"{s}_med {s}_min {s}_max" for s in shown) + "\n")
            for x, r in pts:
                f.write(f"{x} " + " ".join(_row_vals(r, shown)) + "\n")
        panels.append((title, xlabel, dat, len(pts)))
    cats = [(label, rows[sc]) for label, sc in CATEGORIES if sc in rows]
    if cats:
        dat = os.path.join(outdir, "plotcat.dat")
        with open(dat, "w") as f:
            for label, r in cats:
                f.write(f'"{label}" ' + " ".join(_row_vals(r, shown)) + "\n")
        panels.append(("paths and sizes", "", dat, -len(cats)))
    if not panels:
        return
    png = os.path.join(outdir, "bench.png")
    gp = [
        f"set terminal pngcairo size 1100,{400 * ((len(panels) + 1) // 2)} font ',10'" if _has_cairo()
        else f"set terminal png size 1100,{400 * ((len(panels) + 1) // 2)}",
        f"set output '{png}'",
        f"set multiplot layout {(len(panels) + 1) // 2},2 title 'DUT CPU time per delivered packet "
        "(µs, lower is better; median of runs, bars min–max; TCG VM: compare lines, not absolutes)'",
        "set logscale x", "set grid", "set key top left", "set yrange [0:*]", "set offsets graph 0.08, graph 0.08, 0, 0",
    ]
    styles = {"vnicgw": "lc rgb '#1b9e77' pt 7", "linux": "lc rgb '#d95f02' pt 5",
              "linux-tuned": "lc rgb '#e6ab02' pt 4", "ovs": "lc rgb '#7570b3' pt 9"}
    for title, xlabel, dat, n in panels:
        gp += [f'set title "{title}"', f'set xlabel "{xlabel}"', 'set ylabel "µs of DUT CPU per packet"']
        parts = []
        for j, s in enumerate(shown):
            c = 2 + 3 * j
            if n < 0:	# categories: x is the row number, shifted per system
                xt = ":xtic(1)" if j == 0 else ""
                parts.append(f"'{dat}' using ($0 + {(j - (len(shown) - 1) / 2) * 0.15:.3f}):{c}:{c + 1}:{c + 2}{xt} "
                             f"with yerrorbars {styles[s]} lw 2 title '{NAMES[s]}'")
            else:
                parts.append(f"'{dat}' using 1:{c}:{c + 1}:{c + 2} with yerrorlines {styles[s]} lw 2 title '{NAMES[s]}'")
        if n < 0:
            gp += ["unset logscale x", f"set xrange [-0.5:{-n - 0.5}]", "set offsets 0, 0, 0, 0",
                   "set xtics rotate by -15", "set key top right"]
        gp.append("plot " + ", ".join(parts))
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)
    print(f"report: {png}")


def _has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        return "pngcairo" in out.stdout + out.stderr
    except OSError:
        return False


def failures(runs):
    """Why each run that the receiver found wrong is wrong."""
    out = []
    for r in runs:
        if r.get("error"):
            continue
        who = f"{r['scenario']} {r['system']} run {r.get('rep', '?')}"
        if r.get("bad") and unit_of(r) == "conns":
            out.append(f"{who}: {r['bad']} TCP connections failed")
        elif r.get("bad"):
            reasons = ", ".join(f"{k} {v}" for k, v in (r.get("bad_reasons") or {}).items() if v)
            out.append(f"{who}: {r['bad']} bad packets ({reasons})")
        if r.get("negative") and (r.get("ok") or 0) + (r.get("bad") or 0) > 0:
            out.append(f"{who}: {(r.get('ok') or 0) + (r.get('bad') or 0)} frames delivered "
                       "on a path whose every packet must be dropped")
        if r.get("ok") is not None and r.get("sent") is not None and r["ok"] > r["sent"]:
            out.append(f"{who}: {r['ok']} packets received, {r['sent']} sent")
        if r.get("run_error"):
            out.append(f"{who}: the {r['run_error']} failed")
            continue
        # vgen walks the flows round-robin: a short run sends fewer than
        # all. Every packet through: every flow sent must be there; with
        # losses (counted, e.g. softnet_drops), fewer, never more.
        fsent = min(r["flows"], r["sent"]) if r.get("flows") and r.get("sent") is not None else None
        fs = r.get("flows_seen")
        if fs is not None and fsent is not None and (fs > fsent or (r.get("ok") == r["sent"] and fs != fsent)):
            out.append(f"{who}: {fs} distinct flows received of {fsent} sent")
        if r.get("opened") is not None and r.get("conns") and r["opened"] != r["conns"]:
            out.append(f"{who}: {r['opened']} of {r['conns']} connections opened")
        if r.get("established") is not None and r.get("conns") and r["established"] != r["conns"]:
            out.append(f"{who}: {r['established']} of {r['conns']} connections established")
        # A scenario of over 100k active flows opens them first (and
        # answers them where the far end can): all of them, or no figure.
        for k in ("flows_opened", "flows_established"):
            if r.get(k) is not None and r.get("flows") and r[k] != r["flows"]:
                out.append(f"{who}: {r[k]} of {r['flows']} flows {k[6:]}")
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    runs = load(os.path.join(outdir, "runs.jsonl"))
    refused = failures(runs)
    if refused:
        with open(os.path.join(outdir, "results.json"), "w") as f:
            json.dump({"refused": refused, "runs": runs}, f, indent=1)
        with open(os.path.join(outdir, "results.md"), "w") as f:
            f.write("# Refused: the receivers found these runs wrong\n\n")
            f.writelines(f"- {x}\n" for x in refused)
        print("report: refused, the receivers found runs wrong:", file=sys.stderr)
        for x in refused:
            print("  " + x, file=sys.stderr)
        sys.exit(1)
    summary = summarize(runs)
    meta = {}
    mp = os.path.join(outdir, "meta.json")
    if os.path.exists(mp):
        with open(mp) as f:
            meta = json.load(f)
    if not meta.get("commit"):
        git = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse",
                              "--short", "HEAD"], capture_output=True, text=True)
        meta["commit"] = git.stdout.strip()
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"meta": meta, "summary": summary, "runs": runs}, f, indent=1)
    md = markdown(summary)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)
    plot(summary, outdir)
    print()
    print(md)
    native = os.path.join(outdir, "native.txt")
    if os.path.exists(native):
        with open(native) as f:
            lines = [l.rstrip() for l in f if l.strip() and not l.startswith(("make", "cc ", "gcc "))
                     and not l.startswith(("/", "\t"))]
        if lines:
            print("native micro-benchmarks (build/bench/native.txt):")
            for l in lines[:40]:
                print("  " + l)
            print()
    print("vnicgw / other, packets per DUT CPU-second, median (min–max) over paired runs:")
    for row in summary:
        for other in OTHERS:
            m = row["ratios"].get(other, {}).get("pkts_per_cpu_s")
            if m:
                print(f"  {row['scenario']:22} vnicgw/{other:11} {m['median']:.2f}  ({m['min']:.2f}–{m['max']:.2f}, n={m['n']})")


if __name__ == "__main__":
    main()
