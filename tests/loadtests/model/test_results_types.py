"""The results document's types (loadtests/model/results.py) agree with the code that
writes them: key lists that exist twice (a Literal for mypy, a tuple for the loops) match."""

from typing import get_args

from loadtests.abuse.conn import Tally
from loadtests.measure import aggregate, recorder
from loadtests.measure.accounting import COUNT_NAMES, RawSecond
from loadtests.measure.schema import optional, required
from loadtests.model.delta import CountName, Delta, DeltaCounts, LatencyKind
from loadtests.model.results import AbuseOutcome, AbuseTally


def test_count_names_are_the_delta_counts_in_order():
    assert get_args(CountName) == COUNT_NAMES
    assert required(DeltaCounts) == COUNT_NAMES
    assert tuple(RawSecond().counts()) == COUNT_NAMES


def test_latency_kinds_match_the_aggregate():
    assert get_args(LatencyKind) == aggregate.LATENCY_KINDS


def test_a_delta_has_exactly_the_typed_keys():
    rec = recorder.Recorder("worker-0", role="generator")
    rec.record_send("room-0", 1_000_000_000, 5)
    delta = rec.take_delta()
    assert tuple(delta) == required(Delta)
    assert set(delta["buckets"]["1"]) >= set(COUNT_NAMES)


def test_the_tally_is_the_outcome_s_counts():
    assert tuple(Tally().to_dict()) == required(AbuseTally)
    assert set(required(AbuseTally)) <= set(optional(AbuseOutcome))
