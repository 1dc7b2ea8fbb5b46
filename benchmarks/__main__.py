"""`python -m benchmarks`: run every measurement (see benchmarks/run.py)."""

from benchmarks.run import main

main()
