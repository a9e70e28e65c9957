"""Realistic results and bench documents for the reports tests.

Results follow docs/results-schema.md exactly (checked with
loadtests.measure.results.validate) and carry real encoded HDR histograms; bench
documents follow pytest-benchmark's ``--benchmark-json`` output. Everything is
seeded, so figures computed from them are reproducible.

``python -m tests.reports.factory DIR`` writes a demo run (three
configurations, repeats, a bench.json) for looking at a report by hand.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr
from loadtests.measure.results import validate

WARMUP_S = 3
DRAIN_S = 2


def _histogram(values_us: Sequence[int]) -> HdrHistogram:
    hist = hdr.new_histogram()
    hdr.record_many(hist, (max(1, int(value)) for value in values_us))
    return hist


def latency_summary(values_us: Sequence[int]) -> dict[str, Any]:
    """An HDR summary block, made by the measurement core's own ``hdr.summary``."""
    return hdr.summary(_histogram(values_us))


def _percentile(sorted_values: Sequence[int], pct: float) -> int:
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def make_results(
    config_name: str = "single-1",
    repeat: int = 0,
    *,
    run_id: str = "20261121T083000Z",
    seed: int = 1,
    median_us: float = 2000.0,
    sigma: float = 0.45,
    window_s: int = 20,
    users: int = 40,
    rooms: int = 4,
    nodes: int = 1,
    queue: str = "none",
    async_mode: str = "eventlet",
    faults: dict[str, float] | None = None,
    flags: dict[str, str] | None = None,
    counters: dict[str, int] | None = None,
    scenario: dict[str, Any] | None = None,
    fanout_values_us: Sequence[int] | None = None,
) -> dict[str, Any]:
    """One configuration run with lognormal fan-out latency around ``median_us``.

    Every user sends 1 message/s to its room of ``users / rooms`` members, so
    each second carries ``users * users / rooms`` deliveries, ``users`` of
    them to the sender itself. ``fanout_values_us`` replaces the random
    fan-out values (all attributed to the first window second) for tests
    that need exact figures.
    """
    rng = random.Random(seed * 1000 + repeat)
    members = users // rooms
    t_s = list(range(-WARMUP_S, window_s + DRAIN_S))
    phase = ["warmup" if t < 0 else "window" if t < window_s else "drain" for t in t_s]
    fanout: list[int] = []
    self_lat: list[int] = []
    sent_col: list[int] = []
    delivered_col: list[int] = []
    p50_col: list[int | None] = []
    p99_col: list[int | None] = []
    for t, ph in zip(t_s, phase, strict=False):
        if ph != "window":
            sent_col.append(users if ph == "warmup" else 0)
            delivered_col.append(users * members if ph == "warmup" else 0)
            p50_col.append(None)
            p99_col.append(None)
            continue
        if fanout_values_us is not None:
            second = [int(v) for v in fanout_values_us] if t == 0 else []
        else:
            second = [
                int(rng.lognormvariate(0, sigma) * median_us) for _ in range(users * (members - 1))
            ]
        fanout.extend(second)
        self_lat.extend(int(rng.lognormvariate(0, sigma) * median_us * 0.8) for _ in range(users))
        ordered = sorted(second)
        sent_col.append(users)
        delivered_col.append(len(second) + users)
        p50_col.append(_percentile(ordered, 50) if ordered else None)
        p99_col.append(_percentile(ordered, 99) if ordered else None)
    delivered = len(fanout) + len(self_lat)
    all_counters = {
        "sent": users * window_s,
        "expected": delivered,
        "delivered": delivered,
        "lost": 0,
        "duplicated": 0,
        "leaked": 0,
        "reordered": 0,
        "errors": 0,
        "connects": users,
        "disconnects": users,
        "reconnects": 0,
    }
    all_counters.update(counters or {})
    all_counters["expected"] = all_counters["delivered"] + all_counters["lost"]
    gen_cpu_s = delivered * 40e-6 * (1 + rng.random() * 0.05)
    scenario_doc = {
        "name": "default",
        "user_class": "room",
        "users": users,
        "rooms": rooms,
        "rooms_per_user": 1,
        "senders": users,
        "rate_per_sender_per_s": 1.0,
        "payload_bytes": 64,
        "warmup_s": float(WARMUP_S),
        "window_s": float(window_s),
        "drain_s": float(DRAIN_S),
        "churn": {"leave_rejoin_per_user_per_min": 0.0, "reconnect_per_user_per_min": 0.0},
    }
    scenario_doc.update(scenario or {})
    resources = [
        _resource("generator", "worker-0", 1001, t_s, rng, 35.0, 90e6),
        _resource("generator", "worker-1", 1002, t_s, rng, 33.0, 88e6),
        _resource("master", "master", 1000, t_s, rng, 2.0, 70e6),
    ]
    resources += [
        _resource("node", f"node-{i}", 2000 + i, t_s, rng, 60.0 / nodes + 10, 120e6)
        for i in range(nodes)
    ]
    if queue == "redis":
        resources.append(_resource("redis", "redis-server", 3000, t_s, rng, 12.0, 9e6))
    for res in resources:
        in_window = [
            c for t, c in zip(res["t_s"], res["cpu_percent"], strict=False) if 0 <= t < window_s
        ]
        res["cpu_s_window"] = round(sum(in_window) / 100, 3)
        res["peak_rss_bytes"] = max(res["rss_bytes"])
    start_ns = 1_795_000_000_000_000_000 + seed * 3_600_000_000_000 + repeat * 60_000_000_000
    doc = {
        "schema_version": 1,
        "kind": "roombench.load",
        "run_id": run_id,
        "config_name": config_name,
        "repeat": repeat,
        "created_utc": "2026-11-21T08:31:02Z",
        "git": {"commit": "3f2a9c1d7e5b4a2f8c6d0e1b9a7f5c3d2e1b0a9f", "dirty": False},
        "versions": {
            "python": "3.11.7",
            "flask": "3.1.3",
            "flask-socketio": "5.7.0",
            "python-socketio": "5.18.1",
            "python-engineio": "4.15.1",
            "eventlet": "0.41.3",
            "gevent": "26.9.0",
            "locust": "2.47.0",
            "redis": "8.1.0",
            "hdrhistogram": "0.10.8",
            "redis_server": "7.0.15" if queue == "redis" else None,
        },
        "machine": {
            "cores": 2,
            "cpu_model": "Intel(R) Xeon(R) CPU @ 2.20GHz",
            "memory_bytes": 25769803776,
            "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        },
        "scenario": scenario_doc,
        "config": {
            "name": config_name,
            "nodes": nodes,
            "queue": queue,
            "async_mode": async_mode,
            "gc": "default",
            "server_args": ["--gc", "default"],
            "faults": faults or {"inject_delay_ms": 0.0, "inject_drop_rate": 0.0},
            "generator_processes": 2,
        },
        "window": {
            "start_ns": start_ns,
            "end_ns": start_ns + window_s * 1_000_000_000,
            "duration_s": float(window_s),
            "warmup_s": float(WARMUP_S),
            "drain_s": float(DRAIN_S),
        },
        "latency": {
            "fanout": latency_summary(fanout),
            "self": latency_summary(self_lat),
            "connect": latency_summary(
                [int(rng.lognormvariate(0, 0.3) * 8000) for _ in range(users)]
            ),
            "join": latency_summary([int(rng.lognormvariate(0, 0.3) * 3000) for _ in range(users)]),
            "schedule_lag": latency_summary([int(rng.expovariate(1 / 300)) for _ in range(200)]),
        },
        "counters": all_counters,
        "rates": {
            "sent_per_s": all_counters["sent"] / window_s,
            "deliveries_per_s": all_counters["delivered"] / window_s,
        },
        "generator": {
            "processes": 2,
            "cpu_s": gen_cpu_s,
            "cpu_us_per_delivery": gen_cpu_s * 1e6 / max(1, all_counters["delivered"]),
        },
        "timeseries": {
            "t_s": t_s,
            "phase": phase,
            "sent": sent_col,
            "delivered": delivered_col,
            "p50_us": p50_col,
            "p99_us": p99_col,
            "connected": [min(users, users * (t + WARMUP_S + 1) // 2) for t in t_s],
        },
        "resources": resources,
        "server_stats": [
            {"node": f"node-{i}", "connections": users // nodes, "rooms": rooms, "errors": 0}
            for i in range(nodes)
        ],
        "flags": dict(flags or {}),
    }
    return validate(doc, f"fixture {config_name}.{repeat}")


def _resource(
    role: str, name: str, pid: int, t_s: list[int], rng: random.Random, cpu: float, rss: float
) -> dict[str, Any]:
    return {
        "role": role,
        "name": name,
        "pid": pid,
        "t_s": list(t_s),
        "cpu_percent": [round(max(0.0, rng.gauss(cpu, cpu * 0.1)), 1) for _ in t_s],
        "rss_bytes": [int(rss * (1 + 0.002 * i)) for i in range(len(t_s))],
        "cpu_s_window": 0.0,
        "peak_rss_bytes": 0,
    }


BENCH_ROOM_SIZES = (1, 10, 100, 1000)


def _benchmark(
    name: str,
    group: str,
    params: dict[str, Any],
    extra: dict[str, Any],
    mean_s: float,
    rng: random.Random,
    rounds: int,
    with_data: bool,
) -> dict[str, Any]:
    data = sorted(rng.lognormvariate(0, 0.05) * mean_s for _ in range(rounds))
    mean = sum(data) / rounds
    stddev = (sum((d - mean) ** 2 for d in data) / (rounds - 1)) ** 0.5
    q1, median, q3 = data[rounds // 4], data[rounds // 2], data[3 * rounds // 4]
    stats: dict[str, Any] = {
        "min": data[0],
        "max": data[-1],
        "mean": mean,
        "stddev": stddev,
        "rounds": rounds,
        "median": median,
        "iqr": q3 - q1,
        "q1": q1,
        "q3": q3,
        "iqr_outliers": 0,
        "stddev_outliers": 0,
        "outliers": "0;0",
        "ld15iqr": data[0],
        "hd15iqr": data[-1],
        "ops": 1 / mean,
        "total": sum(data),
        "iterations": 1,
    }
    if with_data:
        rng.shuffle(data)
        stats["data"] = data
    n = extra.get("n", 1)
    extra = dict(extra)
    if "per_delivery_ns" in extra:
        extra["per_delivery_ns"] = mean * 1e9 / n
    param_text = "-".join(str(v) for v in params.values())
    full = f"{name}[{param_text}]" if params else name
    return {
        "group": group,
        "name": full,
        "fullname": f"bench/test_{group.replace('-', '_')}.py::{full}",
        "params": params or None,
        "param": param_text or None,
        "extra_info": extra,
        "options": {
            "disable_gc": False,
            "timer": "perf_counter",
            "min_rounds": 5,
            "max_time": 1.0,
            "min_time": 5e-06,
            "warmup": False,
        },
        "stats": stats,
    }


def make_bench(
    seed: int = 7, scale: float = 1.0, with_data: bool = True, rounds: int = 30
) -> dict[str, Any]:
    """A pytest-benchmark JSON document for the fan-out micro-benchmarks.

    ``scale`` multiplies every timing, to build a slower candidate.
    """
    rng = random.Random(seed)
    benches = []
    for group, variant, base_ns in (
        ("fanout-stubbed", "stubbed", 900),
        ("fanout-engineio", "engineio", 2600),
    ):
        for size in BENCH_ROOM_SIZES:
            per_ns = base_ns * (1 + 8 / size) * scale
            benches.append(
                _benchmark(
                    f"test_{variant}_fanout",
                    group,
                    {"room_size": size},
                    {"per_delivery_ns": 0.0, "n": size, "variant": variant},
                    per_ns * size / 1e9,
                    rng,
                    rounds,
                    with_data,
                )
            )
    for variant, factor in (("handler", 1.35), ("raw", 1.0)):
        benches.append(
            _benchmark(
                f"test_{variant}_emit",
                "handler-vs-raw",
                {"room_size": 100},
                {"per_delivery_ns": 0.0, "n": 100, "variant": variant},
                900 * factor * scale * 100 / 1e9,
                rng,
                rounds,
                with_data,
            )
        )
    for clients in (100, 1000, 10000):
        benches.append(
            _benchmark(
                "test_disconnect",
                "membership",
                {"clients": clients},
                {"n": clients, "variant": "disconnect"},
                (2e-6 + clients * 4e-9) * scale,
                rng,
                rounds,
                with_data,
            )
        )
    for size in (10, 100):
        benches.append(
            _benchmark(
                "test_redis_queue_fanout",
                "redis-queue",
                {"room_size": size},
                {"per_delivery_ns": 0.0, "n": size, "variant": "redis-pubsub"},
                3400 * (1 + 20 / size) * scale * size / 1e9,
                rng,
                rounds,
                with_data,
            )
        )
    for payload in (64, 4096):
        benches.append(
            _benchmark(
                "test_payload_fanout",
                "payload",
                {"payload_bytes": payload},
                {"per_delivery_ns": 0.0, "n": 100, "variant": "stubbed", "payload_bytes": payload},
                (900 + payload * 0.2) * scale * 100 / 1e9,
                rng,
                rounds,
                with_data,
            )
        )
    return {
        "machine_info": {
            "node": "bench-host",
            "processor": "x86_64",
            "machine": "x86_64",
            "python_compiler": "GCC 12.2.0",
            "python_implementation": "CPython",
            "python_implementation_version": "3.11.7",
            "python_version": "3.11.7",
            "python_build": ["main", "May  9 2026 07:35:25"],
            "release": "6.1.0",
            "system": "Linux",
            "cpu": {"brand_raw": "Intel(R) Xeon(R) CPU @ 2.20GHz", "count": 2},
        },
        "commit_info": {
            "id": "3f2a9c1d7e5b4a2f8c6d0e1b9a7f5c3d2e1b0a9f",
            "time": "2026-11-21T08:20:00+00:00",
            "author_time": "2026-11-21T08:20:00+00:00",
            "dirty": False,
            "project": "roombench",
            "branch": "main",
        },
        "benchmarks": benches,
        "datetime": "2026-11-21T08:40:00.000000+00:00",
        "version": "5.3.1",
    }


def write_json(doc: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def write_demo_run(directory: Path, repeats: int = 2) -> Path:
    """Three configurations (the redis one slower, one flag set), a manifest and a bench.json."""
    for repeat in range(repeats):
        write_json(
            make_results("single-1", repeat, median_us=1800), directory / f"single-1.{repeat}.json"
        )
        write_json(
            make_results("redis-2", repeat, median_us=2600, nodes=2, queue="redis", seed=2),
            directory / f"redis-2.{repeat}.json",
        )
        write_json(
            make_results(
                "single-gevent",
                repeat,
                median_us=1820,
                async_mode="gevent",
                seed=3,
                flags={"generator_saturated": "worker-1 above 90 % CPU for 14 % of the window"}
                if repeat == 1
                else None,
            ),
            directory / f"single-gevent.{repeat}.json",
        )
    write_json(
        {"run_id": "20261121T083000Z", "configs": ["single-1", "redis-2"]}, directory / "run.json"
    )
    write_json(make_bench(), directory / "bench.json")
    return directory


if __name__ == "__main__":
    print(write_demo_run(Path(sys.argv[1])))
