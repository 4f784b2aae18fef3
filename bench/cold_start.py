"""Import time of app.py as a ratio to importing chalice + boto3 + pydantic alone (goal <= 1.3x).

Fresh interpreter processes, the two statements in turn (app, baseline, app, baseline, ...), the
ratio taken pair by pair so that a machine whose speed drifts during the run moves both sides
alike; medians of the pairs. Two clocks: wall time, and the process's CPU time during the import
(the same work, without the time spent waiting for a processor another process held: the figure
to trust on a shared machine; on an idle one the two agree).

Usage: python bench/cold_start.py [PAIRS] [--profile]
`--profile` also prints `python -X importtime`'s heaviest modules of `import app` (self time,
cumulative time), the profile to read before and after changing what app.py imports.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import chalice.app, boto3, pydantic"
APP = "import app"
GOAL = 1.3
ENV = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}


def timed_import(statement: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one import in a fresh interpreter."""
    code = (
        "import time; w=time.perf_counter(); c=time.process_time(); "
        f"{statement}; print(time.perf_counter()-w, time.process_time()-c)"
    )
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", code],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def import_profile(statement: str, top: int = 25) -> list[tuple[int, int, str]]:
    """`python -X importtime`: (self us, cumulative us, module), heaviest cumulative first."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, int, str]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    return sorted(rows, key=lambda row: -row[1])[:top]


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    pairs = int(args[0]) if args else 9
    timed_import(APP)  # warm the file cache and bytecode for both sides
    timed_import(BASELINE)
    runs = [(timed_import(APP), timed_import(BASELINE)) for _ in range(pairs)]
    for clock, index in (("wall", 0), ("cpu", 1)):
        app = statistics.median(a[index] for a, _ in runs)
        base = statistics.median(b[index] for _, b in runs)
        ratio = statistics.median(a[index] / b[index] for a, b in runs)
        verdict = "ok" if ratio <= GOAL else "OVER"
        print(
            f"{clock:>4}: baseline ({BASELINE}) {base * 1000:6.1f} ms, app.py ({APP}) "
            f"{app * 1000:6.1f} ms; ratio app / baseline {ratio:.2f}x "
            f"(goal <= {GOAL}x: {verdict}; median of {pairs} pairs)"
        )
    if "--profile" in sys.argv:
        print(f"\n`python -X importtime -c '{APP}'`, heaviest first:")
        print(f"{'self ms':>8} {'cumulative ms':>14}  module")
        for own, cumulative, name in import_profile(APP):
            print(f"{own / 1000:8.1f} {cumulative / 1000:14.1f}  {name}")


if __name__ == "__main__":
    main()
