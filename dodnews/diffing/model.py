"""The change report: what an editor changed between two versions of one article."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = (
    "title_changed",
    "byline_changed",
    "date_changed",
    "summary_changed",
    "banner_added",
    "banner_removed",
    "banner_changed",
    "correction_added",
    "correction_changed",
    "paragraph_added",
    "paragraph_removed",
    "paragraph_edited",
    "paragraph_moved",
    "figure_changed",
    "image_added",
    "image_removed",
    "caption_changed",
    "credit_changed",
    "related_added",
    "related_removed",
    "tags_changed",
    "url_changed",
    "other_text_changed",
)


@dataclass
class Change:
    """One change. `before`/`after` are JSON values; `location` says where ("paragraph 3")."""

    kind: str
    field: str
    before: Any = None
    after: Any = None
    summary: str = ""
    location: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. word-level diff ops


@dataclass
class Provenance:
    article_id: int
    old_captured_at: str | None = None
    new_captured_at: str | None = None
    old_hash: str | None = None
    new_hash: str | None = None
    old_url: str | None = None
    new_url: str | None = None
    extractor_version: str | None = None
    tool_version: str | None = None
    deepdiff_version: str | None = None


@dataclass
class ChangeReport:
    provenance: Provenance
    changes: list[Change] = field(default_factory=list)
    significance: float = 0.0
    reasons: list[str] = field(default_factory=list)
    deepdiff: dict[str, Any] = field(default_factory=dict)  # deepdiff's JSON-safe output
    # The two sides were read by different extractor versions: some differences may be the
    # extractor's, not the site's (set when the older page could not be read again).
    extractor_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def kinds(self) -> list[str]:
        return sorted({c.kind for c in self.changes})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kinds"] = self.kinds
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeReport:
        provenance = Provenance(**data["provenance"])
        return cls(
            provenance=provenance,
            changes=[Change(**c) for c in data.get("changes", [])],
            significance=data.get("significance", 0.0),
            reasons=list(data.get("reasons", [])),
            deepdiff=data.get("deepdiff", {}),
            extractor_changed=bool(
                data.get("extractor_changed", " -> " in (provenance.extractor_version or ""))
            ),
        )
