"""The typed DODNEWS_* settings: a value that is not of its type, or out of range, is one line.

Read the way Scrapy's `getint`, `getfloat` and `getbool` read them, so a value that passes here
cannot fail later inside a component. `scrapy crawl` checks every rule before it starts (from
`-s`, settings.py or the environment), and so does `dodnews monitor` before its first crawl.
Settings with checks of their own are not here: DODNEWS_COVERAGE_* (`coverage_rule`), the report
page sizes (`report_layout`), DODNEWS_SCHEDULE_* (`policy_from_settings`), DODNEWS_SITE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dodnews.errors import UserError


@dataclass(frozen=True)
class Rule:
    """A setting's type ("int", "float" or "bool") and the range a number must be in."""

    kind: str
    low: float | None = None
    high: float | None = None

    def parse(self, name: str, value: Any) -> Any:
        """The value as its type; UserError naming the setting when it is not one."""
        parsed = _PARSERS[self.kind](value)
        too_low = self.low is not None and parsed is not None and parsed < self.low
        too_high = self.high is not None and parsed is not None and parsed > self.high
        if parsed is None or too_low or too_high:
            raise UserError(f"{name}: expected {self.expected()}, got {value!r}")
        return parsed

    def expected(self) -> str:
        if self.kind == "bool":
            return "1 or 0 (true or false)"
        noun = "a whole number" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{noun} of {self.low:g} or more"
        return noun


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no setting


def _bool(value: Any) -> bool | None:
    # Scrapy's getbool: True/False, 1/0, and their strings ("true", "False", "1", "0").
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"1": True, "true": True, "0": False, "false": False}.get(text)


_PARSERS: dict[str, Callable[[Any], Any]] = {"int": _int, "float": _float, "bool": _bool}

RULES: dict[str, Rule] = {
    "DODNEWS_MAX_FAILURE_RATIO": Rule("float", 0, 1),
    "DODNEWS_ARCHIVE_BATCH": Rule("int", 0),
    "DODNEWS_ARCHIVE_FLUSH_SECONDS": Rule("float", 0),
    "DODNEWS_PROGRESS_INTERVAL": Rule("float", 0),
    "DODNEWS_TRUST_304_DAYS": Rule("float", 0),
    "DODNEWS_MAX_BACKOFF": Rule("float", 0),
    "DODNEWS_BASE_BACKOFF": Rule("float", 0),
    "DODNEWS_WARC_ENABLED": Rule("bool"),
    "DODNEWS_WARC_MAX_SIZE": Rule("int", 1),
    "DODNEWS_EXTRACT_WORKERS": Rule("int", 0),
    "DODNEWS_HEAP_KEEP_MB": Rule("int", 0),
    "DODNEWS_RECHECK_SHARE": Rule("float", 0, 1),
    "DODNEWS_RECHECK_CHANGED_DAYS": Rule("float", 0),
    "DODNEWS_RECHECK_CHANGED_HOURS": Rule("float", 0),
    "DODNEWS_WRITE_REPORTS": Rule("bool"),
    "DODNEWS_REDIS_HEARTBEAT_TTL": Rule("float", 0),
    "DODNEWS_REDIS_IDLE_GRACE": Rule("float", 0),
    "DODNEWS_RATE_LIMIT": Rule("float", 0, 1000),
    "DODNEWS_RATE_BURST": Rule("int", 1),
}


def check_settings(get: Callable[[str], Any]) -> None:
    """Raise UserError for the first DODNEWS_* setting whose value `get(name)` is bad."""
    for name, rule in RULES.items():
        value = get(name)
        if value is not None:
            rule.parse(name, value)
