"""Rewrite python -m loadtests|reports|bench to roombench in README, docs, Makefile (issue 25).
Re-runnable: python3 /tmp/wt25p_docs.py (from the worktree root)."""
import pathlib, re
FILES = [pathlib.Path("README.md"), pathlib.Path("Makefile"), pathlib.Path("docs/ci-gate-example.yml")]
FILES += [p for p in sorted(pathlib.Path("docs").glob("*.md")) if p.name not in ("cli-plan.md", "cli.md")]
# Recorded commands of measurements (exact, and run in a base checkout): kept as they were.
KEEP = ("cd BASE && /work/wtNN/.venv/bin/python -m bench", "cd /work/wtNN && .venv/bin/python -m bench",
        "the recipe is `python -m bench`")
P = r"(\.venv/bin/)?python -m "
RULES = [
    (P + r"reports build(?![.\w-])", "report"),
    (P + r"reports summary(?![.\w-])", "summary"),
    (P + r"reports gate(?![.\w-])", "gate"),
    (P + r"loadtests(?![.\w|])", ""),
    (P + r"bench(?![.\w|])", "bench"),
]
for path in FILES:
    lines = path.read_text().split("\n")
    out = []
    for line in lines:
        if not any(k in line for k in KEEP):
            for pattern, sub in RULES:
                line = re.sub(pattern, lambda m: f"{m.group(1) or ''}roombench{(' ' + sub) if sub else ''}", line)
        out.append(line)
    new = "\n".join(out)
    if new != path.read_text():
        path.write_text(new)
        print("rewrote", path)
