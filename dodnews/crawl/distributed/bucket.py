"""One request rate per host for every worker on a Redis: a token bucket kept in Redis.

The bucket of a host holds up to `burst` tokens and gains `rate` tokens a second. A request takes
one token; when none is left it takes one anyway, driving the bucket below zero, and waits until
the bucket would have refilled to where it was: it reserves the next free turn. So each request
costs one Redis call and one sleep, never a poll, and workers are served in the order they asked.
Over any T seconds the requests that were let go number at most `rate * T + burst`.

The clock is Redis's own (`TIME`), so workers on machines whose clocks disagree still share one
bucket. Scrapy-redis has no such limit (0.9.1); `limits` counts requests in windows without
telling a caller when its turn comes, which would mean polling.
"""

from __future__ import annotations

from typing import Any

# KEYS: the host's bucket. ARGV: rate (tokens/s), burst (capacity).
# Returns the seconds the caller must wait before sending (a string: Lua numbers would be
# truncated to integers on the way back).
_TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', string.format('%.9f', tokens),
           'at', string.format('%.6f', at))
-- the state matters only until the bucket is full again
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then return '0' end
return string.format('%.6f', -tokens / rate)
"""

KEY_PREFIX = "dodnews:rate:"


class TokenBucket:
    """Per-host token buckets in Redis, shared by every client that uses the same keys."""

    def __init__(self, server: Any, rate: float, burst: int = 1, prefix: str = KEY_PREFIX) -> None:
        if rate <= 0:
            raise ValueError(f"a token bucket needs a positive rate, got {rate!r}")
        if burst < 1:
            raise ValueError(f"a token bucket holds at least one token, got burst={burst!r}")
        self.server = server
        self.rate = float(rate)
        self.burst = int(burst)
        self.prefix = prefix
        self._take = server.register_script(_TAKE)

    def key(self, host: str) -> str:
        return f"{self.prefix}{host.lower()}"

    def take(self, host: str) -> float:
        """Take a token for one request to `host`: the seconds to wait before sending it."""
        wait = self._take(keys=[self.key(host)], args=[repr(self.rate), self.burst])
        return float(wait)
