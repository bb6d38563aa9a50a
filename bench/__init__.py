"""The load bench: `python bench/run.py` (see docs/performance.md)."""
