"""Benchmark: the whole landscape over 1-1000 MeV with every shipped limit (recast, union, survival, figure,
CSV), per model. Prints wall times; no timed assertion. Target: under 10 s per model on this machine.

Run: .venv/bin/python tests/benchmarks/bench_landscape.py
"""

import tempfile
import time
from pathlib import Path

from dpfit.cli import main

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for model in ("dark_photon", "protophobic", "B-L"):
            start = time.perf_counter()
            assert main(["landscape", "--model", model, "--out", str(Path(tmp) / model)]) == 0
            print(f"BENCH landscape {model} 1-1000 MeV: {time.perf_counter() - start:.2f} s")
