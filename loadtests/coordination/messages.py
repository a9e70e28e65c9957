"""What the master and the workers say to each other, and the run's settings.

Transport: Locust's own custom messages (``runner.register_message`` /
``runner.send_message``) plus its periodic ``report_to_master`` /
``worker_report`` events. Message types are distinct per direction, so on a
LocalRunner (where ``send_message`` calls the registered listener in-process)
the "master" and the one "worker" are the same process talking to itself.
ZMQ delivers each worker's messages in order, so a worker's final delta
arrives after all its periodic ones.

    master                                    worker (or local)
    test_start: slots, ``rb_layout`` ------->  Agent(scenario, nodes, rank/W)
                                   <-------   ``rb_joined`` n (as users join)
    all joined: plan window, ``rb_window`` ->  senders stop at its end
                                   <-------   worker_report: periodic deltas
    end + drain: ``rb_flush`` -------------->
                                   <-------   ``rb_final``: last delta
    merge, write results JSON, quit

Beside it, from test start to the flush, the clock exchange
(``clock_exchange``): ``rb_clock_ping`` -> ``rb_clock_pong`` rounds.

A stepped session (``RunSettings.control_dir``; the capacity search's rate
steps, ``coordination.stepping``) measures many windows in one run: inside
the run's long window the master sends ``rb_step`` (the new rate and the
step's window) and, after its drain, ``rb_sync``, answered by ``rb_synced``
with each worker's delta so far; the flush ends the session as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load

MSG_LAYOUT = "rb_layout"  # master -> workers
MSG_WINDOW = "rb_window"  # master -> workers
MSG_FLUSH = "rb_flush"  # master -> workers
MSG_JOINED = "rb_joined"  # worker -> master
MSG_FINAL = "rb_final"  # worker -> master
MSG_STEP = "rb_step"  # master -> workers (stepped sessions)
MSG_SYNC = "rb_sync"  # master -> workers (stepped sessions)
MSG_SYNCED = "rb_synced"  # worker -> master (stepped sessions)
MSG_CLOCK_PING = "rb_clock_ping"  # master -> one worker
MSG_CLOCK_PONG = "rb_clock_pong"  # worker -> master
LOCAL_ID = "local"  # the one "worker" of a LocalRunner
TICK_S = 0.25
REPORT_KEY = "roombench"  # our delta's key inside Locust's worker report


@dataclass(frozen=True)
class RunSettings:
    """What the locustfile's command-line options say, built once at the edge.

    ``flush_timeout_s`` (default 15 s) bounds the wait for every worker's final
    report; ``layout_timeout_s`` (default 60 s) the wait of a worker's first user
    for the master's layout message. Test only: ``simulated_clock_offsets_ns``
    ((worker rank, ns), default none) shifts those workers' clocks, and
    ``clock_correction`` False (default True) reports cross-host fan-out
    uncorrected (``clock_exchange.with_test_clock``). ``control_dir`` (default
    none) makes the run a stepped session driven through that directory
    (``coordination.stepping``).
    """

    scenario: Load
    node_urls: tuple[str, ...]
    config: JsonObject  # the configuration as the results document records it
    results_path: Path
    progress_path: Path | None = None
    run_id: str | None = None
    repeat: int = 0
    flush_timeout_s: float = 15.0
    layout_timeout_s: float = 60.0
    simulated_clock_offsets_ns: tuple[tuple[int, int], ...] = ()
    clock_correction: bool = True
    control_dir: Path | None = None
