"""Which articles a crawl has requested, and at what related-story depth.

One request per article id per run, whatever URL variant leads to it. `related_depth` counts
from the nearest way an article was found, whatever order pages arrive in: an article captured
at depth > 0 keeps its related links, and when it turns up nearer later (its listing entry after
a related-story link), they are followed again from there.
"""

from __future__ import annotations

# A related link as followed: (URL, article id).
Link = tuple[str, int]


class ArticleLedger:
    """The article ids requested in this run, each with the smallest depth it was found at."""

    def __init__(self) -> None:
        # article id -> the smallest related-story depth it was found at in this run
        self.depth: dict[int, int] = {}
        # related links of articles captured at depth > 0, in case they turn up nearer later
        self.related: dict[int, list[Link]] = {}

    def first_request(self, article_id: int, depth: int) -> bool:
        """True the first time an article is found in this run (its depth is noted)."""
        if article_id in self.depth:
            return False
        self.depth[article_id] = depth
        return True

    def found_nearer(self, article_id: int, depth: int) -> list[Link] | None:
        """For an article found again: when `depth` is nearer than before, its kept related
        links (now due from `depth`); None when it is not nearer or none were kept."""
        if depth >= self.depth.get(article_id, depth):
            return None
        self.depth[article_id] = depth
        return self.related.pop(article_id, None)

    def nearest(self, article_id: int, depth: int) -> int:
        """The nearest depth the article was found at (`depth` for one not requested)."""
        return min(depth, self.depth.get(article_id, depth))

    def keep_related(self, article_id: int, links: list[Link]) -> None:
        """Keep the related links of an article captured beyond depth 0."""
        self.related[article_id] = links
