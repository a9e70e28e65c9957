from types import SimpleNamespace

import pytest

from bench.delivery import per_delivery_ns, record_fanout


def test_per_delivery_divides_the_emit_time_by_members() -> None:
    assert per_delivery_ns(0.001, 1000) == pytest.approx(1000.0)
    assert per_delivery_ns(2e-6, 1) == pytest.approx(2000.0)


def test_per_delivery_needs_a_member() -> None:
    with pytest.raises(ValueError, match="members"):
        per_delivery_ns(1.0, 0)


def test_record_uses_median_and_min() -> None:
    stats = SimpleNamespace(stats=SimpleNamespace(median=2e-3, min=1e-3))
    bench = SimpleNamespace(extra_info={}, stats=stats)
    record_fanout(bench, 1000, "stubbed")
    assert bench.extra_info == {
        "n": 1000,
        "variant": "stubbed",
        "per_delivery_ns": 2000.0,
        "per_delivery_ns_min": 1000.0,
    }


def test_record_without_statistics_when_disabled() -> None:
    bench = SimpleNamespace(extra_info={}, stats=None)
    record_fanout(bench, 10, "engineio")
    assert bench.extra_info == {"n": 10, "variant": "engineio"}
