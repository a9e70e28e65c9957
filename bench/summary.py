"""A few human lines from a pytest-benchmark JSON: per-delivery cost, ratio, disconnect.

Printed by ``python -m bench`` after a run, so the numbers that matter are on
the terminal without opening the report. Reads only the JSON, like the reports.
"""

from __future__ import annotations

from bench.ratio import GROUP as RATIO_GROUP
from bench.ratio import ratios
from loadtests.model.bench import BenchJson

US_PER_S = 1_000_000


def summary_lines(output_json: BenchJson) -> list[str]:
    """Lines describing fan-out per delivery, the handler/raw ratio and membership costs,
    and the most deliveries/s one generator process can time (the receive-path bench)."""
    benchmarks = output_json.get("benchmarks", [])
    lines = []
    fanout = sorted(
        (b for b in benchmarks if "per_delivery_ns" in b.get("extra_info", {})),
        key=lambda b: (b["group"] or "", b["extra_info"].get("variant", ""), b["extra_info"]["n"]),
    )
    for bench in fanout:
        info = bench["extra_info"]
        line = (
            f"{bench['group']:<22} {info.get('variant', ''):<18} n={info['n']:<6} per delivery "
            f"{info['per_delivery_ns']:>9.1f} ns (median; min {info['per_delivery_ns_min']:.1f} ns)"
        )
        if "max_deliveries_per_s" in info:
            line += f" = {info['max_deliveries_per_s']:,} deliveries/s"
        lines.append(line)
    receive = [b["extra_info"] for b in fanout if "max_deliveries_per_s" in b["extra_info"]]
    if receive:
        best = max(receive, key=lambda info: info["max_deliveries_per_s"])
        lines.append(
            f"{'receive-path':<22} one generator process can time at most "
            f"{best['max_deliveries_per_s']:,} deliveries/s ({best['n']} frames per read, "
            f"{best['per_delivery_ns'] / 1000:.1f} µs each), before sending, the poller and "
            "Locust take their share"
        )
    for variant, ratio in sorted(ratios(output_json).items()):
        verdict = "meets" if ratio["meets_goal"] else "MISSES"
        lines.append(
            f"{RATIO_GROUP:<22} {variant}/raw = {ratio['goal_ratio']:.3f} — {verdict} the goal "
            f"of <= {ratio['goal_max_ratio']} (separate benchmarks: medians "
            f"{ratio['ratio_to_raw']:.3f}, minimums {ratio['ratio_to_raw_min']:.3f})"
        )
    timed = sorted(
        (b for b in benchmarks if (b.get("group") or "").startswith(("membership-", "redis-"))),
        key=lambda b: (b["group"], b["extra_info"].get("clients", b["extra_info"].get("n", 0))),
    )
    for bench in timed:
        info = bench["extra_info"]
        size = f"clients={info['clients']}" if "clients" in info else f"n={info.get('n')}"
        median_us = bench["stats"]["median"] * US_PER_S
        lines.append(f"{bench['group']:<22} {size:<25} median {median_us:>10.2f} us")
    return lines + instruction_lines(output_json)


def instruction_lines(output_json: BenchJson) -> list[str]:
    """callgrind's instructions per delivery of each counted benchmark (``--instructions``)."""
    doc = output_json.get("instructions")
    if not isinstance(doc, dict):
        return []
    versions = doc.get("versions") or {}
    known = ""
    if doc.get("extra_work_per_recipient"):
        known = ", KNOWN ANSWER: extra work per recipient"
    lines = [
        f"instructions per delivery (callgrind {versions.get('valgrind', '?')}, Python "
        f"{versions.get('python', '?')}, PYTHONHASHSEED={doc.get('pythonhashseed')}{known}):"
    ]
    for entry in doc.get("benchmarks", []):
        if entry.get("error"):
            lines.append(f"  {entry['group']:<20} {entry['name']:<40} FAILED: {entry['error']}")
            continue
        lines.append(
            f"  {entry['group']:<20} {entry['name']:<40} "
            f"{entry['instructions_per_delivery']:>12,.1f}"
        )
    return lines
