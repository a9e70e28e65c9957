"""The shared words every layer may use (/work/shared/LAYOUT.md, "model").

What a scenario file parses into, the load, churn, the protocol profile, the
documents that cross a process or file boundary (results, capacity, bench), the input
errors and the exit codes. Nothing here imports anything above it: this package sits
at the bottom of the import graph (tests/test_import_graph.py, rank 0).
"""
