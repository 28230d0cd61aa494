"""Request rate limits: one token bucket per API key (or per IP address without a key).

The counters live in this process only. With several gunicorn workers each worker has its own
buckets, so a client may get up to ``workers × limit`` requests per minute in the worst case;
set the limits with that in mind (or run one worker with threads). A shared store (Redis…) is
not worth its operation cost for limits meant to stop runaway scripts, not to bill.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds before one request is allowed again (0 when allowed)


class RateLimiter:
    """Token buckets: ``limit`` requests at once, refilled at ``limit`` per minute.

    A limit of 0 (or less) means no limit.

    >>> limiter = RateLimiter()
    >>> limiter.hit("cle:intranet", 60).allowed
    True
    """

    MAX_BUCKETS = 10_000  # beyond this, idle (full) buckets are forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, last update)
        self._lock = threading.Lock()

    def hit(self, client: str, limit: int) -> Decision:
        if limit <= 0:
            return Decision(True, 0, 0, 0)
        rate = limit / 60.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(limit), now))
            tokens = min(float(limit), tokens + (now - last) * rate)
            if tokens >= 1.0:
                tokens -= 1.0
                decision = Decision(True, limit, int(tokens), 0)
            else:
                decision = Decision(False, limit, 0, max(1, math.ceil((1.0 - tokens) / rate)))
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > self.MAX_BUCKETS:
                self._forget_idle(now)
        return decision

    def _forget_idle(self, now: float) -> None:
        # A bucket untouched for a minute is full again: forgetting it changes nothing.
        for client, (_, last) in list(self._buckets.items()):
            if now - last >= 60:
                del self._buckets[client]
