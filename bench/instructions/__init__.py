"""Instruction counts of the fan-out benchmarks under callgrind: ``bench --instructions``.

pytest-benchmark times the benchmarks; this package counts the instructions
the same calls execute, which the machine's other work cannot move, so a 1 %
change is visible. Each benchmark runs in its own short process under
``valgrind --tool=callgrind`` (``bench.instructions.child``), counting only the
measured calls; ``docs/bench.md`` ("Instruction counts") says how and what the
counts see and miss.
"""
