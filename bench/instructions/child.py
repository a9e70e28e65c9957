"""``python -m bench.instructions.child CASE --calls N``: the process callgrind watches.

Builds one case (``bench.instructions.cases``), makes one warm-up call (caches,
lazy imports, first-time allocations), then makes ``N`` calls, each through
``sys.call_tracing(call, ())``. That wrapper is the marker of the measured
region: callgrind runs with ``--collect-atstart=no
--toggle-collect=sys_call_tracing`` (``bench.instructions.callgrind``), so it
collects from the entry of CPython's C function ``sys_call_tracing`` to its
return, and nothing else of the process (start-up, imports, building the
room, the uncounted undo between calls) is counted. CPython has no callgrind
client request; ``sys.call_tracing`` is a C function nothing else on this
path calls, and with no trace function set it adds only a few hundred
instructions of its own per call (counted, constant, the same on both sides of
a comparison). Then the case checks that the counted calls did their work;
any failure exits 1 with the traceback on stderr.

Runs the same without valgrind (nothing is counted then): the fast tests do.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from bench.instructions.cases import CASES


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions.child")
    parser.add_argument("case", choices=sorted(CASES), metavar="CASE")
    parser.add_argument("--calls", type=int, required=True, help="counted calls (>= 1)")
    parser.add_argument(
        "--extra-work",
        action="store_true",
        help="the known answer: the handler cases do a fixed piece of work per delivery",
    )
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be >= 1")
    return args


def run(case_name: str, calls: int, extra_work: bool = False) -> None:
    """Build ``case_name``, warm it up, make ``calls`` marked calls, check them."""
    rig = CASES[case_name].build(extra_work)
    rig.prepare()()  # warm-up, outside the marked region
    gc.collect()  # every run enters the region with the same (empty) young generation
    for _ in range(calls):
        call = rig.prepare()
        sys.call_tracing(call, ())
    rig.check(calls + 1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run(args.case, args.calls, args.extra_work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
