"""Real dashboards, event streams and a browser, for the tests, the benchmarks and the docs.

Each starts real processes (`manage.py serve`, Debian's Chromium) and waits for conditions
with deadlines; none of them imports pytest, so bench/ and docs/ use them as the tests do.
"""
