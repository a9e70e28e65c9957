"""The regression gate: its A/B runs and self-check (which run the load) and its
judgement of stored results (correctness, timing, instruction counts, the verdict's
text). It reads documents through reports (the statistics, rules and verdict the
page shares with it); nothing below it imports it (docs/architecture.md)."""
