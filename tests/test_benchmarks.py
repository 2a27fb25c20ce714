"""The benchmark scripts still run (at toy sizes): their figures go into closing notes, so
a script broken by a refactor must show up here, not on the night someone needs it.

Only the shape of the output is checked; the figures themselves are not asserted (speed
is measured by running the scripts at full size, never in a timed test).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("bench_pipeline.py", ["--asins", "40", "--images", "3"], ["night 1: 40 ASINs", "night 2: 40 ASINs", "+0 bytes"]),
        ("bench_spapi.py", ["--skip-quota-run", "--lifted-asins", "40"], ["quotas lifted: 40 ASINs", "ASINs/s end to end"]),
        ("bench_reports.py", ["--asins", "30", "--nights", "6", "--checks", "40", "--returns", "40", "--repeat", "1"],
         ["check_order, random ASINs", "check --returns: 40 rows", "evidence B", "database:"]),
        ("bench_images.py", ["--limit", "1", "--no-speed"], ["confusion matrix", "no same pair judged otherwise"]),
    ],
    ids=["pipeline", "spapi", "reports", "images"],
)
def test_benchmark_script_runs(script: str, args: list[str], expected: list[str], tmp_path: Path) -> None:
    if script == "bench_images.py":  # its photos ship in the `bench` extra, not the test one
        pytest.importorskip("skimage")
        pytest.importorskip("matplotlib")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for words in expected:
        assert words in done.stdout, done.stdout[-2000:]
    assert not list(tmp_path.iterdir()), "a benchmark left files in the working directory"
