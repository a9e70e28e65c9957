"""Folding the abuse report and the nodes' /stats into a results document (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.abuse.effect import fold, read_report


def _stats(**changes: Any) -> dict[str, Any]:
    stats: dict[str, Any] = {
        "node": "n",
        "connections": 10,
        "protocol_errors": {"bad_packet": 1, "bad_frame": 0},
        "errors": {"bad_payload": 2, "too_large": 0},
        "accept_errors": {},
        "slow_consumer_disconnects": 1,
        "open_fds": 30,
        "threads": 3,
        "rss_bytes": 100,
    }
    stats.update(changes)
    return stats


def _doc(after: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "server_stats": after,
        "flags": {},
        "latency": {"fanout": {"p99": 4321}},
        "resources": [
            {"role": "node", "peak_rss_bytes": 50 * 1024 * 1024, "cpu_s_window": 1.5},
            {"role": "node", "peak_rss_bytes": 60 * 1024 * 1024, "cpu_s_window": 2.0},
            {"role": "abuse", "peak_rss_bytes": 1, "cpu_s_window": 0.25},
            {"role": "generator", "peak_rss_bytes": 999 * 1024 * 1024, "cpu_s_window": 9.0},
        ],
    }


def test_deltas_totals_resources_and_the_flag() -> None:
    report = {
        "kind": "bad_input",
        "spec": {"kind": "bad_input", "clients": 2},
        "status": "done",
        "connections_opened": 4,
        "bytes_sent": 1000,
        "closed_by_server": 2,
        "stats_before": [_stats(), _stats()],
        "stats_peak": [{"connections": 40, "open_fds": 90}, {"connections": 55, "open_fds": 70}],
    }
    after = [
        {
            **_stats(protocol_errors={"bad_packet": 6, "bad_frame": 2}, open_fds=35),
            "node": "node-0",
        },
        {**_stats(errors={"bad_payload": 5, "too_large": 1}, slow_consumer_disconnects=4)},
    ]
    doc = fold(_doc(after), report)
    abuse = doc["abuse"]
    first, second = abuse["server"]["nodes"]
    assert first["node"] == "node-0"
    assert first["protocol_errors"] == {"bad_packet": 5, "bad_frame": 2}
    assert first["errors"] == {} and first["slow_consumer_disconnects"] == 0
    assert first["open_fds"] == {"before": 30, "after": 35}
    assert first["peak"] == {"connections": 40, "open_fds": 90}
    assert second["errors"] == {"bad_payload": 3, "too_large": 1}
    assert second["slow_consumer_disconnects"] == 3
    assert {k: abuse["server"][k] for k in ("protocol_errors", "errors")} == {
        "protocol_errors": 7,
        "errors": 4,
    }
    assert abuse["server"]["slow_consumer_disconnects"] == 3
    assert abuse["resources"] == {
        "node_peak_rss_bytes": 60 * 1024 * 1024,
        "node_cpu_s_window": 3.5,
        "abuse_cpu_s_window": 0.25,
    }
    assert abuse["measured_fanout_p99_us"] == 4321
    assert "stats_before" not in abuse and "stats_peak" not in abuse
    assert abuse["connections_opened"] == 4
    assert doc["flags"]["abuse"] == (
        "deliberately hostile run: bad_input (2 hostile clients, not measured users; done); "
        "opened 4 connections, sent 1000 bytes, server closed 2; server counted "
        "protocol_errors +7, errors +4, slow_consumer_disconnects +3; node peak RSS 60.0 MiB; "
        "at most 55 connections and 90 fds on a node"
    )


def test_a_node_that_did_not_answer_is_named_not_counted() -> None:
    report = {"kind": "idle_sockets", "stats_before": [{"error": "URLError: refused"}]}
    doc = fold(_doc([_stats()]), report)
    assert doc["abuse"]["server"]["nodes"] == [
        {"node": "n", "error": "URLError: refused", "peak": {}}
    ]
    assert doc["abuse"]["server"]["protocol_errors"] == 0


def test_a_missing_report_still_flags_the_run(tmp_path: Path) -> None:
    report = read_report(tmp_path / "abuse.json")
    assert report["status"].startswith("no report from the abuse process (FileNotFoundError")
    doc = fold(_doc([_stats()]), report)
    assert doc["abuse"]["server"]["nodes"] == []
    assert doc["flags"]["abuse"].startswith("deliberately hostile run: ? (? hostile clients")
