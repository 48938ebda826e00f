"""dodnews' own Scrapy signals (send with `crawler.signals.send_catch_log`)."""

from __future__ import annotations

# The archive pipeline opened; kwargs: batch_size (1 = every capture is written as it comes).
archive_opened = object()
# The archive pipeline is about to write a batch of captures: what they point at (WARC records)
# must be on disk first. No kwargs.
archive_writing = object()
# A batch of captures reached the archive (or failed for good, which fails the run): every
# capture that entered the pipelines before this signal is settled. kwargs: count.
captures_archived = object()
# An article page's (content digest, body digest), worked out with its extraction; the WARC
# writer keeps them for the next capture. kwargs: article_id, record_id (its response record),
# content. The WARC middleware answers with the body digest of the last page archived for the
# article with the same content (per-request tokens aside), or None.
page_content = object()
