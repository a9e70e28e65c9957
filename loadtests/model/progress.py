"""The files the runner and a running Locust master exchange besides the results: the
progress file (``loadtests.coordination.progress_file``), what the master says about a run
about once a second, for the runner's progress line, its fault timeline and the abuse
process, which waits for the window; and a stepped session's command file
(``loadtests.coordination.stepping``), the runner's next step.
"""

from typing import TypedDict

from loadtests.model.json_object import JsonObject
from loadtests.model.results import WindowDoc


# total=False: the master writes phase, joined and users every time, the rest once known;
# the runner reads ``{}`` until the master's first write.
class ProgressState(TypedDict, total=False):
    phase: str  # joining, warmup, window, drain, flushing, done, between steps
    joined: int  # users that completed their first join
    users: int
    window: WindowDoc  # once planned (a stepped session: the step's)
    step: int  # a stepped session's step index
    deliveries_per_s: int  # in the second 4 s ago (its receipts are in)
    p99_us: int  # fan-out p99 of that second
    lost: int


# total=False: either a step (index, rate, window_s, config) or the end ({"stop": true}).
class StepCommand(TypedDict, total=False):
    index: int  # 1, 2, ...: a step after the last one measured
    rate: float  # messages per sender per second
    window_s: float
    config: JsonObject  # the step's configuration, as its results document records it
    stop: bool
