"""Every ``roombench`` subcommand's exit codes, defined once (docs/cli.md, "Exit codes").

0 done (the gate: pass), 1 a run, search or benchmark failed (the gate: a
regression or a correctness failure), 2 usage error (a bad option, scenario,
rules or input file), 3 the gate is inconclusive (the evidence cannot decide),
130 interrupted (Ctrl-C or SIGTERM; every process started was stopped).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PASS = EXIT_OK  # the gate's name for it
EXIT_FAILED = 1
EXIT_REGRESSION = EXIT_FAILED  # the gate's name for it
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C

# The gate's verdicts by exit code (CI and the gate's own lines name them so).
EXIT_CODES = {
    EXIT_PASS: "pass",
    EXIT_REGRESSION: "regression",
    EXIT_USAGE: "usage error",
    EXIT_INCONCLUSIVE: "inconclusive",
}
