"""Presenter-token attempts, limited per client address: guessing the token costs time.

Past MAX_FAILURES wrong tokens from one address within WINDOW_S, that address gets a 429
with Retry-After until its oldest failure leaves the window. A right token is not counted.
At most MAX_ADDRESSES are remembered, the oldest forgotten first, so the table itself
cannot be grown without bound by a crowd of addresses.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque

MAX_FAILURES = 10
WINDOW_S = 60.0
MAX_ADDRESSES = 10_000


class Attempts:
    def __init__(self) -> None:
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self.failures.get(address, deque())
        while failures and failures[0] <= now - WINDOW_S:
            failures.popleft()
        return failures

    def retry_after_s(self, address: str) -> int | None:
        """Seconds this address must wait before its next try, or None when it may try."""
        now = time.monotonic()
        failures = self._recent(address, now)
        if len(failures) < MAX_FAILURES:
            return None
        return max(1, math.ceil(failures[0] + WINDOW_S - now))

    def failed(self, address: str) -> None:
        now = time.monotonic()
        failures = self._recent(address, now)
        failures.append(now)
        self.failures[address] = failures
        self.failures.move_to_end(address)
        while len(self.failures) > MAX_ADDRESSES:
            self.failures.popitem(last=False)
