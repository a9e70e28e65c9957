"""The gate's exit codes: re-exported from ``loadtests.model.exit_codes`` for one release.

0 pass, 1 regression (or a correctness failure), 2 usage error (bad arguments,
unreadable input, invalid rules), 3 inconclusive (the evidence cannot decide).
"""

from __future__ import annotations

from loadtests.model.exit_codes import EXIT_CODES as EXIT_CODES
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE as EXIT_INCONCLUSIVE
from loadtests.model.exit_codes import EXIT_PASS as EXIT_PASS
from loadtests.model.exit_codes import EXIT_REGRESSION as EXIT_REGRESSION
from loadtests.model.exit_codes import EXIT_USAGE as EXIT_USAGE
