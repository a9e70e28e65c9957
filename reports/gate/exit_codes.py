"""The gate's exit codes, defined once: the reports CLI, the A/B runner and CI read them.

0 pass, 1 regression (or a correctness failure), 2 usage error (bad arguments,
unreadable input, invalid rules), 3 inconclusive (the evidence cannot decide).
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3

EXIT_CODES = {
    EXIT_PASS: "pass",
    EXIT_REGRESSION: "regression",
    EXIT_USAGE: "usage error",
    EXIT_INCONCLUSIVE: "inconclusive",
}
