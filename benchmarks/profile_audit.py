"""Profile ``audit_files(audit_all=True)`` on a generated export with cProfile.

Usage: ``python -m benchmarks.profile_audit [--rows 100000] [--top 25]``; prints
the functions taking the most time of their own, then by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from benchmarks import generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Profile the library audit.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from l2c_core.integrity import audit_files

    path = generate.generate(args.rows, args.seed)
    data = path.read_bytes()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(audit_files, [(path.name, data)], audit_all=True)
    print(f"{path.name}: {time.perf_counter() - started:.1f} s under cProfile")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
