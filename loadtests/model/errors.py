"""The one input error: something a user wrote (an option, a scenario, rules, a file) is wrong.

Raised anywhere below the command line (``loadtests.model.strict`` for user-written
tables, ``reports.loading`` for results files, the commands for their options)
and turned into ``roombench SUBCOMMAND: error: ...`` and exit code 2 in one
place only, ``loadtests.cli.main``. Callers that need to tell kinds apart
derive from it (``ScenarioError``, ``RulesError``, ``RedisUrlError``, ...).
"""

from __future__ import annotations


class InputError(ValueError):
    """A user-written value is wrong; the message names it and says what is allowed."""
