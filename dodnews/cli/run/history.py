"""`dodnews history ID`: every capture and version of an article, in time order."""

from __future__ import annotations

import argparse

from dodnews.archive.records import VersionRecord
from dodnews.cli.support import archive_for, require_article
from dodnews.words import count


def run(args: argparse.Namespace) -> int:
    """Print the timeline of one article."""
    with archive_for(args) as archive:
        require_article(archive, args.article_id)
        known = archive.article(args.article_id)
        captures = archive.captures(args.article_id)
        versions = archive.versions(args.article_id)
        changes = archive.changes(article_id=args.article_id)
    assert known is not None
    latest = versions[-1] if versions else None
    current = next((v for v in versions if v.id == known.current_version_id), None)
    print(f"article {args.article_id}: {(current or latest).title if versions else '(no version)'}")
    print(f"url: {known.url or '-'}")
    state = "gone (404/410)" if known.gone else (known.last_outcome or "-")
    print(
        f"{count(len(captures), 'capture')}, {count(len(versions), 'version')}, "
        f"{count(len(changes), 'change')}; "
        f"current: v{current.version if current else '-'}; last outcome: {state}"
    )
    print()
    change_at = {c.new_capture_id: c for c in changes}
    reextracted = {v.id: v for v in versions if v.reextraction}
    seen: set[int] = set()
    for capture in captures:
        status = str(capture.status) if capture.status is not None else "-"
        if capture.version is None:
            what = capture.error or ""
        elif capture.version_id in reextracted and capture.version_id not in seen:
            what = f"v{capture.version} ({reextraction_note(reextracted[capture.version_id])})"
        elif capture.version_id not in seen:
            what = f"v{capture.version} new"
        else:
            what = f"v{capture.version}"
        if capture.version_id is not None:
            seen.add(capture.version_id)
        change = change_at.get(capture.id)
        if change is not None:
            label = "revert" if change.revert else "change"
            what = (
                f"v{change.to_version} ({label} #{change.id} from v{change.from_version}: "
                f"{', '.join(change.kinds)})"
            )
        record = (
            f"  [warc:{capture.warc_file}#{capture.warc_record_id}]" if capture.warc_file else ""
        )
        print(
            f"{capture.fetched_at}  capture {capture.id:<6} {capture.outcome:<12} {status:>3}  "
            f"{what}".rstrip()
            + record
        )
    if versions:
        print()
        print("versions:")
        for v in versions:
            mark = "*" if current is not None and v.id == current.id else " "
            note = f"  [{reextraction_note(v)}]" if v.reextraction else ""
            print(
                f" {mark}v{v.version:<3} {v.first_seen} .. {v.last_seen}  "
                f"{v.content_hash[:12]}  {v.title or ''}{note}"
            )
    return 0


def reextraction_note(version: VersionRecord) -> str:
    """ "re-extracted with extractor 2 from v1": a version no edit made."""
    marker = version.reextraction or {}
    return (
        f"re-extracted with extractor {marker.get('extractor_version', '?')} "
        f"from v{marker.get('from_seq', '?')}"
    )
