"""The pooled knee: a trend through every window's p99 finds a knee placed on purpose."""

from __future__ import annotations

import math

import pytest

from loadtests.capacity import knee_fit
from loadtests.capacity.precision import precision_lines

LIMIT_US = 10_000.0
KNEE = 12_000.0
# A fixed scatter around the trend, mean zero: +-0.3 in ln p99 (about +-35 %).
SCATTER = (0.3, -0.3, 0.2, -0.2, 0.1, -0.1, 0.0)


def _windows(slope: float = 1.0) -> list[tuple[float, float]]:
    """p99 = LIMIT * (load / KNEE)^slope * e^scatter at loads from 7,000 to 30,000."""
    loads = [7_000.0, 8_000.0, 9_514.0, 11_314.0, 13_454.0, 16_000.0, 20_000.0, 30_000.0]
    return [
        (load, LIMIT_US * (load / KNEE) ** slope * math.exp(SCATTER[(i + j) % len(SCATTER)]))
        for i, load in enumerate(loads)
        for j in range(len(SCATTER))
    ]


def test_the_trend_meets_the_limit_at_the_placed_knee() -> None:
    result = knee_fit.fit(_windows(), LIMIT_US)
    assert result is not None
    # Each load carries the same scatter values, so the trend is exact.
    assert result.slope == pytest.approx(1.0, abs=1e-9)
    assert result.knee == pytest.approx(KNEE, rel=1e-9)
    s = result.residual_sd
    assert s == pytest.approx(0.2, abs=0.01)
    xs = [math.log(load) for load, _ in _windows() if load <= 2 * KNEE]
    mean_x = sum(xs) / len(xs)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    leverage = (math.log(KNEE) - mean_x) ** 2 / sxx
    assert result.knee_se == pytest.approx(s * math.sqrt(1 / len(xs) + leverage))
    assert result.windows_for_target == math.ceil((2 * s / math.log(1.05)) ** 2)
    # Only windows between half and twice the knee count (the 30,000 ones are outside).
    assert result.windows == 7 * len(SCATTER)


def test_a_steeper_trend_needs_fewer_windows() -> None:
    flat, steep = knee_fit.fit(_windows(1.0), LIMIT_US), knee_fit.fit(_windows(3.0), LIMIT_US)
    assert flat is not None and steep is not None
    assert steep.knee == pytest.approx(KNEE, rel=1e-9)
    assert steep.windows_for_target < flat.windows_for_target / 5


def test_no_window_above_the_limit_or_no_rising_trend_is_no_knee() -> None:
    assert knee_fit.fit([(load, 5_000.0) for load, _ in _windows()], LIMIT_US) is None
    falling = [(load, 1e8 / load) for load, _ in _windows()]
    assert knee_fit.fit(falling, LIMIT_US) is None
    # Almost flat: the trend would meet the limit at an absurd load; no knee, no overflow.
    flat = [(load, p99**1e-6 * 9_000.0) for load, p99 in _windows()]
    flat.append((16_000.0, 10_500.0))
    assert knee_fit.fit(flat, LIMIT_US) is None
    assert knee_fit.fit(_windows(), 0.0) is None


def test_too_few_windows_or_one_load_is_no_knee() -> None:
    one_load = [(12_000.0, p99) for p99 in (8_000.0, 9_000.0, 11_000.0, 12_000.0, 13_000.0)]
    assert knee_fit.fit(one_load, LIMIT_US) is None
    assert knee_fit.fit([(11_000.0, 9_000.0), (13_000.0, 11_000.0)], LIMIT_US) is None


def test_noisy_and_generator_limited_windows_are_left_out_and_the_terminal_prints_it() -> None:
    steps = [
        {"load": load, "p99_us": p99, "role": "search", "outcome": "pass"}
        for load, p99 in _windows()
    ]
    steps.append({"load": 7_000.0, "p99_us": 900_000, "role": "noisy", "outcome": "fail"})
    steps.append({"load": 7_000.0, "p99_us": 800_000, "outcome": "generator-limited"})
    steps.append({"load": 7_000.0, "p99_us": None, "role": "search", "outcome": "pass"})
    doc = {
        "slo": "fanout_p99<=10ms,lost=0",
        "axis": "rate",
        "unit": "deliveries/s",
        "configs": [
            {"name": "eventlet", "verdict": "unconfirmed", "capacity": None, "steps": steps[:30]},
            {"name": "eventlet", "verdict": "unconfirmed", "capacity": None, "steps": steps[30:]},
        ],
    }
    windows = knee_fit.windows_of(doc["configs"])  # type: ignore[arg-type]
    assert len(windows) == len(_windows())
    lines = precision_lines(doc)  # type: ignore[arg-type]
    assert lines[-2].startswith("Pooled knee (every window's p99 against load, trend through 10 ms")
    assert lines[-1].startswith("  eventlet       pooled knee 12,000 deliveries/s (±")
    assert "one search within ±5 % needs about" in lines[-1]
    doc["slo"] = "lost=0"
    assert not any("Pooled knee" in line for line in precision_lines(doc))  # type: ignore[arg-type]
