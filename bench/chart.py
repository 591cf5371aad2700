#!/usr/bin/python3
"""Draws the benchmark's charts (memory, CPU, latency per target) from the load tool's result JSON files.

    /usr/bin/python3 bench/chart.py [RESULTS_DIR] [OUTPUT_DIR]     # defaults: bench/results docs/images

Runs with Debian's python3-matplotlib (bench/peers/install.sh installs it). Each result file holds one
(scenario, target) run; a figure missing from a file is left out of the charts, not drawn as zero.
"""
import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import FuncFormatter  # noqa: E402

# --- Where the figures sit in a result file: dotted paths, changed here when the load tool's names change. ---
LABEL = "label"  # scenario name, e.g. "idle-19000"; the part before the first "-" names the scenario
TARGET = "target"  # "herald", "express" or "nchan"
MEMORY = [  # (path, legend), all KiB per connection
    ("memory.rssPerConnectionKiB", "resident (RSS)"),
    ("memory.liveHeapPerConnectionKiB", "live heap after a full GC"),
    ("memory.nmtCommittedPerConnectionKiB", "JVM native memory tracking (committed)"),
]
CPU_PER_DELIVERY = "server.cpuMicrosPerDelivery"  # microseconds of server CPU per event delivered to one client
LATENCY = [("latency.p50", "p50"), ("latency.p99", "p99"), ("latency.p999", "p99.9")]  # microseconds
LOST = "deliveries.lost"

# --- Which scenario feeds which chart (by the name before the first "-" in the label). ---
MEMORY_SCENARIO = "idle"
LATENCY_SCENARIO = "steady"
CPU_SCENARIOS = ["fanout", "steady", "baseline", "stalled", "reconnect"]  # in this order, those with the figure

TARGETS = {  # order, name on the chart, colour
    "herald": ("Herald (Tomcat 10.1)", "#1f5fa8"),
    "express": ("Express (the article's design)", "#d98b1e"),
    "nchan": ("Nchan (nginx, 1 worker)", "#3d9a50"),
}
MACHINE = "2-core machine; the load tool runs on the same cores"

REPO = Path(__file__).resolve().parent.parent


def main(argv):
    results_dir = Path(argv[1]) if len(argv) > 1 else REPO / "bench" / "results"
    out_dir = Path(argv[2]) if len(argv) > 2 else REPO / "docs" / "images"
    results = load(results_dir)
    if not results:
        print(f"chart: no result files in {results_dir}", file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        memory_chart(results, out_dir / "bench-memory.png"),
        cpu_chart(results, out_dir / "bench-cpu.png"),
        latency_chart(results, out_dir / "bench-latency.png"),
    ]
    return 0 if any(written) else 1


def load(results_dir):
    """{(scenario label, target): result} from every *.json file; a later file name wins a duplicate."""
    results = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"chart: skipping {path.name}: {e}", file=sys.stderr)
            continue
        label, target = figure(data, LABEL), figure(data, TARGET)
        if not isinstance(label, str) or not isinstance(target, str):
            print(f"chart: skipping {path.name}: no '{LABEL}' or '{TARGET}'", file=sys.stderr)
            continue
        if (label, target) in results:
            print(f"chart: {path.name} replaces an earlier result for {label} on {target}", file=sys.stderr)
        results[(label, target)] = data
    return results


def figure(data, dotted):
    """The value at a dotted path, or None when any step is missing."""
    for key in dotted.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def number(data, dotted):
    value = figure(data, dotted)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def scenario(label):
    return label.split("-", 1)[0]


def ordered_targets(results):
    present = {target for _, target in results}
    return [t for t in TARGETS if t in present] + sorted(present - TARGETS.keys())


def runs_of(results, wanted):
    """{target: (label, result)} for the scenario named `wanted`."""
    return {target: (label, data) for (label, target), data in results.items() if scenario(label) == wanted}


def memory_chart(results, path):
    runs = runs_of(results, MEMORY_SCENARIO)
    groups = [(legend, {t: number(d, p) for t, (_, d) in runs.items()}) for p, legend in MEMORY]
    label = next((lbl for lbl, _ in runs.values()), MEMORY_SCENARIO)
    return grouped_bars(path, groups, ordered_targets(results),
                        title=f"Memory per connection ({label})",
                        ylabel="KiB per connection", unit=" KiB")


def cpu_chart(results, path):
    groups, lost, reported = [], [], False
    for wanted in CPU_SCENARIOS:
        runs = runs_of(results, wanted)
        values = {t: number(d, CPU_PER_DELIVERY) for t, (_, d) in runs.items()}
        if any(v is not None for v in values.values()):
            label = next(iter(runs.values()))[0]
            groups.append((label, values))
            for t in ordered_targets(results):
                n = number(runs[t][1], LOST) if t in runs else None
                reported |= n is not None
                if n:
                    lost.append(f"{label} on {t}: {n:.0f}")
    note = "lost deliveries: " + ("; ".join(lost) if lost else "none" if reported else "not reported")
    return grouped_bars(path, groups, ordered_targets(results),
                        title="Server CPU per delivered event", ylabel="µs of server CPU per delivery",
                        unit=" µs", note=note)


def latency_chart(results, path):
    runs = runs_of(results, LATENCY_SCENARIO)
    groups = [(legend, {t: ms(number(d, p)) for t, (_, d) in runs.items()}) for p, legend in LATENCY]
    label = next((lbl for lbl, _ in runs.values()), LATENCY_SCENARIO)
    lost = [f"{t}: {n:.0f}" for t in ordered_targets(results)
            if t in runs and (n := number(runs[t][1], LOST)) is not None]
    note = "lost deliveries: " + ("; ".join(lost) if lost else "not reported")
    return grouped_bars(path, groups, ordered_targets(results),
                        title=f"Delivery latency, publish to receipt ({label})",
                        ylabel="milliseconds (log scale)", unit=" ms", log=True, note=note)


def ms(micros):
    return None if micros is None else micros / 1000


def grouped_bars(path, groups, targets, title, ylabel, unit, log=False, note=None):
    """One group of bars per (name, {target: value}), one colour per target; False when nothing to draw."""
    groups = [(name, values) for name, values in groups if any(v is not None for v in values.values())]
    targets = [t for t in targets if any(values.get(t) is not None for _, values in groups)]
    if not groups:
        print(f"chart: no figures for {path.name}; left as it was", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=120)
    width = 0.8 / len(targets)
    for i, target in enumerate(targets):
        name, colour = TARGETS.get(target, (target, None))
        xs = [g + (i - (len(targets) - 1) / 2) * width for g, (_, values) in enumerate(groups)
              if values.get(target) is not None]
        ys = [values[target] for _, values in groups if values.get(target) is not None]
        bars = ax.bar(xs, ys, width * 0.92, label=name, color=colour)
        ax.bar_label(bars, labels=[short(y) + unit for y in ys], padding=2, fontsize=7)
    ax.set_xticks(range(len(groups)), [name.replace("-", "\n", 1).replace(" (", "\n(", 1) for name, _ in groups], fontsize=9)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: short(y)))
        shown = [v for _, values in groups for v in values.values() if v is not None and v > 0]
        # bars rise from a whole decade below the smallest, and leave room for the labels above the tallest
        if shown:
            ax.set_ylim(10 ** math.floor(math.log10(min(shown))), max(shown) * 4)
    else:
        ax.margins(y=0.15)
    ax.set_title(f"{title}\n{MACHINE}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False)
    if note:
        fig.text(0.01, 0.01, note, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03 if note else 0, 1, 1))
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    print(f"chart: wrote {path}", file=sys.stderr)
    return True


def short(value):
    """A value with two or three significant digits: 0.042, 3.7, 48, 1234."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
