#!/usr/bin/env python3
"""Prints the benchmark's tables, in Markdown, from the load tool's result JSON files (docs/benchmarks.md).

    python3 bench/table.py [RESULTS_DIR]      # default: bench/results
"""
import json
import sys
from pathlib import Path

TARGETS = ["herald", "express", "nchan"]
NAMES = {"herald": "Herald", "express": "Express (article)", "nchan": "Nchan"}


def get(result, path, default=None):
    value = result
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value or value[key] is None:
            return default
        value = value[key]
    return value


def ms(micros):
    return "" if micros is None else f"{micros / 1000:.1f}"


def num(value, digits=1):
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def table(title, header, rows):
    print(f"### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def main(argv):
    results_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "results"
    results = {}
    for file in sorted(results_dir.glob("*.json")):
        result = json.loads(file.read_text())
        results[(result["label"], result["target"])] = result

    def each(label):
        return [(t, results[(label, t)]) for t in TARGETS + [k[1] for k in results if k[0] == label and k[1] not in TARGETS]
                if (label, t) in results]

    table("19,000 idle subscribers", ["server", "connected", "failed", "RSS KiB/conn", "live heap KiB/conn",
                                      "NMT committed KiB/conn", "connect p50 / p99 ms"],
          [[NAMES.get(t, t), num(get(r, "subscribers.connected")), num(get(r, "subscribers.failed")),
            num(get(r, "memory.rssPerConnectionKiB")), num(get(r, "memory.liveHeapPerConnectionKiB")),
            num(get(r, "memory.nmtCommittedPerConnectionKiB")),
            ms(get(r, "connectTime.headers.p50")) + " / " + ms(get(r, "connectTime.headers.p99"))]
           for t, r in each("idle-19000")])

    for label, title in [("fanout-10000x2000", "10,000 subscribers, 2,000 events as fast as possible"),
                         ("steady-10000x2ps", "10,000 subscribers, 2 events/s for 60 s"),
                         ("baseline-1000x100ps", "1,000 subscribers, 100 events/s (small send buffers)"),
                         ("stalled-1000x100ps", "1,000 subscribers, 100 events/s, 10 of them stop reading for 20 s")]:
        table(title, ["server", "server CPU µs/delivery", "deliveries/s", "expected", "received", "lost",
                      "duplicated", "dropped by server", "latency p50 / p99 / p99.9 / max ms", "events/s published"],
              [[NAMES.get(t, t), num(get(r, "server.cpuMicrosPerDelivery"), 2),
                num(get(r, "deliveries.deliveriesPerSecond"), 0), num(get(r, "deliveries.expected")),
                num(get(r, "deliveries.received")), num(get(r, "deliveries.lost")),
                num(get(r, "deliveries.duplicated")), num(get(r, "subscribers.disconnectedByServer")),
                " / ".join(ms(get(r, "latency." + p)) for p in ["p50", "p99", "p999", "max"]),
                num(get(r, "publish.ratePerSecond"))]
               for t, r in each(label)])

    table("The 10 stalled subscribers", ["server", "dropped by server", "reconnected", "got every event once",
                                         "lost", "duplicated"],
          [[NAMES.get(t, t), num(get(r, "stalled.disconnectedByServer")), num(get(r, "stalled.reconnected")),
            num(get(r, "stalled.exactlyOnce")), num(get(r, "stalled.lost")), num(get(r, "stalled.duplicated"))]
           for t, r in each("stalled-1000x100ps")])

    table("5,000 subscribers connect at once, then all reconnect with Last-Event-ID",
          ["server", "connect p50 / p99 / max ms", "reconnect p50 / p99 / max ms", "reconnected", "replayed",
           "lost", "duplicated"],
          [[NAMES.get(t, t),
            " / ".join(ms(get(r, "connectTime.headers." + p)) for p in ["p50", "p99", "max"]),
            " / ".join(ms(get(r, "reconnect.connectTime.headers." + p)) for p in ["p50", "p99", "max"]),
            num(get(r, "reconnect.reconnected")), num(get(r, "reconnect.replayed")),
            num(get(r, "deliveries.lost")), num(get(r, "deliveries.duplicated"))]
           for t, r in each("reconnect-5000")])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
