"""Benchmarks: scripts that measure this machine, run as `python -m bench.<name>` (`make bench`)."""
