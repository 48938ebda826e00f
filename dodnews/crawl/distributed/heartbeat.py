"""A worker's heartbeat, kept from a thread of its own.

Other workers take over the in-flight requests of a worker whose heartbeat key expired. Beaten
from the reactor, the key also expired whenever the reactor was busy for longer than the TTL (a
fork server starting, a slow archive batch on a loaded machine): a live worker's requests were
put back on the queue and fetched a second time. From a thread, the key lives as long as the
process does. A reactor that has not ticked for `stall_limit` seconds stops the beating, so a
worker stuck for good still has its requests taken over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

logger = logging.getLogger(__name__)

STALL_LIMIT = 60.0  # seconds without a reactor tick before this worker stops saying it is alive


class Heartbeat:
    """Calls `pulse` every `interval` seconds from a daemon thread while the reactor ticks."""

    def __init__(
        self,
        pulse: Callable[[], None],
        interval: float,
        stall_limit: float = STALL_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pulse = pulse
        self.interval = interval
        self.stall_limit = stall_limit
        self.clock = clock
        self._last_tick = clock()
        self._stalled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dodnews-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def tick(self) -> None:
        """The reactor is running (called from it)."""
        self._last_tick = self.clock()

    def beat_once(self) -> bool:
        """One beat unless the reactor stalled; True when it beat."""
        stalled = self.clock() - self._last_tick > self.stall_limit
        if stalled != self._stalled:
            self._stalled = stalled
            if stalled:
                logger.warning(
                    "The crawl has not run for %.0f s: no more heartbeats (other workers will "
                    "take this worker's requests over)",
                    self.stall_limit,
                )
        if stalled:
            return False
        try:
            self.pulse()
        except redis.RedisError as exc:
            logger.warning("Heartbeat not sent: %s", exc)
            return False
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat_once()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
