"""Import time of app.py as a ratio to importing chalice + boto3 + pydantic alone.

Median of N fresh interpreter processes each; both measured in this run, on this machine.
Usage: python bench/cold_start.py [N]
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


def timed_import(statement: str) -> float:
    code = f"import time; t=time.perf_counter(); {statement}; print(time.perf_counter()-t)"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    baseline = statistics.median(timed_import(BASELINE) for _ in range(runs))
    app = statistics.median(timed_import(APP) for _ in range(runs))
    print(f"baseline ({BASELINE}): {baseline * 1000:7.1f} ms  (median of {runs})")
    print(f"app.py   ({APP}):                        {app * 1000:7.1f} ms  (median of {runs})")
    print(f"ratio app / baseline: {app / baseline:.2f}x")


if __name__ == "__main__":
    main()
