#!/usr/bin/python3
"""Turns bench/run's raw results into one markdown table and a PNG chart.

Input: lines "target<TAB>workload<TAB>run<TAB>value" (value NA on failure)
and "note<TAB>target<TAB>run<TAB>text". Each figure is the median of its runs.
"""
import argparse
import datetime
import math
import statistics
import sys

WORKLOADS = [
    # name, label, unit, scale applied to the raw value, higher is better
    ("seq-write", "sequential write 1 MiB (end_fsync)", "MiB/s", 1 / 2**20, True),
    ("seq-read", "sequential read 1 MiB, cold cache", "MiB/s", 1 / 2**20, True),
    ("rand-read", "random read 4 KiB, cold cache", "IOPS", 1, True),
    ("rand-read-4jobs", "random read 4 KiB, 4 jobs, cold cache", "IOPS", 1, True),
    ("create-stat-unlink", "create+stat+unlink empty files", "files/s", 1, True),
    ("stat-latency", "stat() with attribute cache off", "µs/call", 1, False),
]
LABELS = {
    "native": "native (no FUSE)",
    "passthrough_ll": "libfuse passthrough_ll",
    "fusex-passthrough": "fusex -o passthrough",
}
NATIVE, PEER = "native", "passthrough_ll"


def label(target):
    if target in LABELS:
        return LABELS[target]
    return "fusex transport=" + target.removeprefix("fusex-")


def load(path):
    values, notes = {}, {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            if parts[0] == "note":
                notes.setdefault(parts[1], set()).add(parts[3])
                continue
            target, workload, _run, value = parts
            try:
                v = float(value)
            except ValueError:
                v = math.nan
            values.setdefault((target, workload), []).append(v)
    return values, notes


def medians(values):
    out = {}
    for key, vs in values.items():
        good = [v for v in vs if not math.isnan(v)]
        out[key] = statistics.median(good) if good else math.nan
    return out


def fmt(v, unit):
    if math.isnan(v):
        return "n/a"
    if unit == "µs/call":
        return f"{v:.2f}"
    return f"{v:,.0f}"


def ratio(a, b):
    if math.isnan(a) or math.isnan(b) or b == 0:
        return math.nan
    return a / b


def fmt_ratio(r):
    return "–" if math.isnan(r) else f"{r:.2f}×"


def spread(values, key, scale, unit):
    """Lowest and highest of a figure's runs: how far to trust its median."""
    good = [v * scale for v in values.get(key, []) if not math.isnan(v)]
    if len(good) < 2:
        return ""
    return f"{fmt(min(good), unit)} – {fmt(max(good), unit)}"


def table(med, values, targets, counts):
    rows = ["| workload | target | median | unit | runs | range of runs | × native | × passthrough_ll |",
            "|---|---|---:|---|---:|---:|---:|---:|"]
    for name, desc, unit, scale, _ in WORKLOADS:
        for t in targets:
            v = med.get((t, name), math.nan) * scale
            nat = med.get((NATIVE, name), math.nan) * scale
            peer = med.get((PEER, name), math.nan) * scale
            rows.append(f"| {desc} | {label(t)} | {fmt(v, unit)} | {unit} | {counts.get((t, name), 0)} | "
                        f"{spread(values, (t, name), scale, unit)} | "
                        f"{fmt_ratio(ratio(v, nat)) if t != NATIVE else ''} | "
                        f"{fmt_ratio(ratio(v, peer)) if t != PEER else ''} |")
    return rows


def target_checks(med, targets):
    """The issue's targets, each with the measured ratio."""
    fusex = [t for t in targets if t.startswith("fusex-")]
    plain = [t for t in fusex if t != "fusex-passthrough"]
    checks = []

    def check(what, target, workload, ref, bound, at_least):
        r = ratio(med.get((target, workload), math.nan), med.get((ref, workload), math.nan))
        if math.isnan(r):
            verdict = "not measured"
        elif (r >= bound) if at_least else (r <= bound):
            verdict = "met"
        else:
            pct = abs(r - bound) / bound * 100
            verdict = f"missed by {pct:.0f}%" if pct >= 1 else f"missed by {pct:.1f}%"
        sign = "≥" if at_least else "≤"
        checks.append(f"- {what}, {label(target)}: {fmt_ratio(r)} {label(ref)} "
                      f"(target {sign} {bound}×): **{verdict}**")

    for w, what in (("seq-read", "sequential read"), ("seq-write", "sequential write")):
        if "fusex-passthrough" in fusex:
            check(what, "fusex-passthrough", w, NATIVE, 0.9, True)
        for t in plain:
            check(what, t, w, NATIVE, 0.7, True)
    for w, what in (("rand-read", "4 KiB random read"), ("rand-read-4jobs", "4 KiB random read, 4 jobs"),
                    ("create-stat-unlink", "create+stat+unlink")):
        for t in fusex:
            check(what, t, w, PEER, 1.5, True)
    for t in fusex:
        check("stat() latency", t, "stat-latency", PEER, 0.6, False)
    return checks


def chart(med, targets, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    colors = plt.cm.tab10.colors
    for ax, (name, desc, unit, scale, higher) in zip(axes.flat, WORKLOADS):
        vals = [med.get((t, name), math.nan) * scale for t in targets]
        bars = ax.bar(range(len(targets)), [0 if math.isnan(v) else v for v in vals],
                      color=[colors[i % len(colors)] for i in range(len(targets))])
        for bar, v in zip(bars, vals):
            ax.annotate(fmt(v, unit), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=7)
        ax.set_title(desc + ("" if higher else " (lower is better)"), fontsize=9)
        ax.set_ylabel(unit)
        ax.set_xticks(range(len(targets)))
        ax.set_xticklabels([label(t).replace(" ", "\n", 1) for t in targets], fontsize=7, rotation=30, ha="right")
    fig.suptitle("fusex passthrough vs libfuse passthrough_ll vs native (medians)")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("markdown")
    ap.add_argument("png")
    ap.add_argument("--machine", default="?")
    ap.add_argument("--kernel", default="?")
    ap.add_argument("--cores", default="?")
    ap.add_argument("--filesystem", default="?")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--load", default="")
    ap.add_argument("--runs", default="?")
    ap.add_argument("--targets", default="")
    args = ap.parse_args()

    values, notes = load(args.tsv)
    med = medians(values)
    counts = {k: sum(1 for v in vs if not math.isnan(v)) for k, vs in values.items()}
    targets = args.targets.split() or sorted({t for t, _ in values})

    lines = [
        "# fusex benchmark",
        "",
        f"Machine: {args.machine}; kernel {args.kernel}; {args.cores} cores. "
        f"Source directory on {args.filesystem}. {datetime.date.today().isoformat()}. "
        f"Load average (1, 5, 15 min) {args.load or '?'}.",
        f"Each figure is the median of {args.runs} runs ({args.sizes}). Ratios divide the figure by the "
        "reference's: above 1 is better for throughput, below 1 is better for latency (µs/call). "
        "Caches (page, dentry, inode) are dropped before each read job; the write job ends with fsync. "
        "The stat() workload runs on a mount with entry and attribute timeouts 0.",
        "",
    ]
    lines += table(med, values, targets, counts)
    lines += ["", "## Targets", ""] + target_checks(med, targets)
    note_lines = [f"- {label(t)}: {n}" for t, ns in sorted(notes.items()) for n in sorted(ns)]
    if note_lines:
        lines += ["", "## Notes", ""] + note_lines
    text = "\n".join(lines) + "\n"
    with open(args.markdown, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    try:
        chart(med, targets, args.png)
        print(f"\nchart: {args.png}")
    except Exception as e:  # a missing matplotlib must not lose the table
        print(f"\nno chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
