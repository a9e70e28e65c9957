"""SLO parsing and evaluation against a results document."""

from __future__ import annotations

import pytest

from loadtests.capacity.slo import SloError, latency_limit_us, parse_slo


def test_default_slo_parses_to_microseconds_and_counts() -> None:
    terms = parse_slo("fanout_p99<=10ms, lost=0")
    assert [(t.metric, t.op, t.limit) for t in terms] == [
        ("fanout_p99", "<=", 10_000.0),
        ("lost", "=", 0.0),
    ]
    assert latency_limit_us(terms) == 10_000.0


def test_terms_are_checked_against_a_results_document() -> None:
    doc = {"latency": {"fanout": {"p99": 12_000}}, "counters": {"lost": 0}}
    p99, lost = parse_slo("fanout_p99<=10ms,lost=0")
    assert not p99.met_by(doc) and lost.met_by(doc)
    assert parse_slo("fanout_p99<=0.02s")[0].met_by(doc)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("fanout_p98<=10ms", "unknown metric 'fanout_p98'"),
        ("fanout_p99<=10 parsecs", "unknown unit .parsecs."),
        ("fanout_p99<=ten", "not METRIC OP VALUE"),
        ("fanout_p99<=10h", "unknown unit 'h'"),
        ("lost=0ms", "a count takes no unit"),
        ("fanout_p99>=10ms", "not METRIC OP VALUE"),
        (" , ", "no terms"),
    ],
)
def test_a_bad_slo_names_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises(SloError, match=named):
        parse_slo(text)
