"""The version store: every capture, each distinct version once, the change between versions.

`Archive.open(url)` opens (and on first use creates) the archive; see `store.Archive` for the API.
No Scrapy import here: the CLI, the pipelines and the tests share it.
"""

from dodnews.archive.records import (
    ArticleRecord,
    CaptureRecord,
    ChangeRecord,
    RecordResult,
    RunRecord,
    VersionRecord,
)
from dodnews.archive.reextraction import (
    Evidence,
    OutdatedVersion,
    Reextraction,
    ReextractionResult,
)
from dodnews.archive.status import ArchiveStatus, inspect_archive
from dodnews.archive.store import Archive
from dodnews.archive.urls import default_archive_url, resolve_archive_url

__all__ = [
    "Archive",
    "ArchiveStatus",
    "ArticleRecord",
    "CaptureRecord",
    "ChangeRecord",
    "Evidence",
    "OutdatedVersion",
    "RecordResult",
    "Reextraction",
    "ReextractionResult",
    "RunRecord",
    "VersionRecord",
    "default_archive_url",
    "inspect_archive",
    "resolve_archive_url",
]
