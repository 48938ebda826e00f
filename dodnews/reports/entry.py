"""One recorded change as the report writers see it: the ChangeReport plus where and when."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dodnews.diffing.model import ChangeReport
from dodnews.errors import UserError

FORMAT_VERSION = 1  # of the per-change JSON file


@dataclass
class ReportEntry:
    """A ChangeReport between two stored versions of one article, with links for the reader."""

    change_id: int
    report: ChangeReport
    title: str
    url: str
    detected_at: str  # ISO 8601
    from_version: int
    to_version: int
    revert: bool = False
    old_capture_url: str | None = None  # e.g. the WARC record or the archived page
    new_capture_url: str | None = None
    old_article: dict[str, Any] | None = None  # Article dicts, for side-by-side context
    new_article: dict[str, Any] | None = None
    screenshots: dict[str, Any] | None = None  # name -> data: URI or http(s) URL
    section: str | None = None  # of the new version (the index shows it on the card)
    published: str | None = None  # the new version's publication date, as the site gave it
    new_capture_id: int | None = None  # the capture that saw the new version (article timeline)
    # Values derived from the fields above, each stored with what it was derived from: grouping
    # sorts and keys the same entries many times.
    _derived: dict[str, tuple[Any, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def article_id(self) -> int:
        return _whole(self.report.provenance.article_id, "article id")

    @property
    def stem(self) -> str:
        """`<article_id>-<from>-<to>`: built from integers only, so it can never leave diffs/."""
        old = _whole(self.from_version, "from_version")
        new = _whole(self.to_version, "to_version")
        return f"{self.article_id}-{old}-{new}"

    @property
    def detected(self) -> datetime:
        """`detected_at` as an aware UTC datetime (naive times are taken as UTC)."""
        return self.derived("detected", self.detected_at, parse_time)

    def derived(self, name: str, source: Any, compute: Any) -> Any:
        """`compute(source)`, remembered until `source` is another object or value."""
        known = self._derived.get(name)
        if known is not None and (known[0] is source or known[0] == source):
            return known[1]
        value = compute(source)
        self._derived[name] = (source, value)
        return value

    def sort_key(self) -> tuple[datetime, int]:
        return (self.detected, _whole(self.change_id, "change_id"))

    def to_dict(self) -> dict[str, Any]:
        """The per-change JSON: `ChangeReport.to_dict()` plus the entry's metadata."""
        data = self.report.to_dict()
        data.update(
            format_version=FORMAT_VERSION,
            change_id=self.change_id,
            article_id=self.article_id,
            title=self.title,
            url=self.url,
            detected_at=self.detected_at,
            from_version=self.from_version,
            to_version=self.to_version,
            revert=self.revert,
            old_capture_url=self.old_capture_url,
            new_capture_url=self.new_capture_url,
            screenshots=self.screenshots,
        )
        return data


def _whole(value: Any, what: str) -> int:
    """A non-negative int (bools refused), or a UserError naming the bad field."""
    if type(value) is int and value >= 0:  # the usual case, first: grouping asks very often
        return value
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise UserError(f"report entry has a non-integer {what}: {value!r}") from None
    if number < 0:
        raise UserError(f"report entry has a negative {what}: {number}")
    return number


def parse_time(value: str) -> datetime:
    """An ISO 8601 time as aware UTC; naive times are UTC; a bad value is a UserError."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise UserError(f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(value: str) -> str:
    """An ISO 8601 time as RFC 3339 UTC ("2025-09-05T14:03:00Z"), as Atom requires."""
    moment = parse_time(value)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(fmt)
