"""Micro-benchmarks of the Socket.IO room fan-out path (pytest-benchmark, no network).

Run them with ``make bench`` (``python -m bench``); ``docs/bench.md`` says what each
benchmark group measures and how to compare two saved runs.
"""
