"""`dodnews replay`: serve the WARC folder with pywb on loopback, for the reports' capture links."""

from __future__ import annotations

import argparse
import signal
import subprocess
from pathlib import Path
from typing import Any

from dodnews.cli.support import add_warc_dir_option
from dodnews.cli.support import warc_dir as warc_folder
from dodnews.words import count, plural


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "replay",
        help="replay the archived pages with pywb on 127.0.0.1 (the reports' capture links)",
        description="Starts pywb over the WARC folder on 127.0.0.1, with an index in which a "
        "304 recheck plays back as the page it confirmed, and keeps the index up to date while "
        "crawls add files. pywb lives in its own virtual environment, made on first use. "
        "Link the reports to it with `dodnews report --replay-url URL` (the URL printed).",
    )
    add_warc_dir_option(parser)
    parser.add_argument(
        "--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0: a free one)"
    )
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="archive whose captures should be in the folder: says how many are not "
        "(default: $DODNEWS_ARCHIVE, else ./data/dodnews.sqlite when it exists)",
    )
    parser.add_argument(
        "--refresh",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how often new WARC files are indexed while serving (default 10)",
    )
    parser.add_argument(
        "--setup",
        action="store_true",
        help="only make pywb's environment (if it is missing) and exit",
    )
    parser.set_defaults(func=run)


def _check_archive(args: argparse.Namespace, warc_dir: Path) -> str | None:
    """One line: how many of the archive's captures have their WARC file in the folder."""
    from sqlalchemy import select

    from dodnews.archive.schema import captures
    from dodnews.archive.urls import resolve_archive_url, sqlite_path
    from dodnews.cli.support import archive_for
    from dodnews.environment import env

    if not args.archive and not env("DODNEWS_ARCHIVE"):
        default = sqlite_path(resolve_archive_url(None))
        if default is None or not default.exists():
            return None  # no archive named and none where the default points: nothing to check
    with archive_for(args) as archive, archive.engine.connect() as conn:
        query = select(captures.c.warc_file).where(captures.c.warc_file.is_not(None))
        files = [row.warc_file for row in conn.execute(query)]
    missing = [name for name in files if not (warc_dir / name).is_file()]
    if missing:
        these = "it cannot" if len(missing) == 1 else "they cannot"
        return (
            f"warning: {len(missing)} of the archive's {count(len(files), 'capture')} "
            f"{'names a WARC file' if len(missing) == 1 else 'name WARC files'} not in "
            f"{warc_dir} (first: {sorted(missing)[0]}); {these} be replayed"
        )
    if len(files) == 1:
        return "The one capture of the archive with a WARC record has its file here"
    return f"All {len(files)} captures of the archive with a WARC record have their file here"


def _index_line(stats: Any) -> str:
    line = (
        f"Indexed {stats.files} WARC {plural(stats.files, 'file')}: "
        f"{count(stats.lines, 'record')}, {count(stats.resolved, '304 recheck')} replayed as "
        f"the page {'it' if stats.resolved == 1 else 'they'} confirmed"
    )
    if stats.unresolved:
        line += f", {stats.unresolved} whose original is in no file of the folder"
    if stats.skipped:
        name, why = sorted(stats.skipped.items())[0]
        line += f"; {count(len(stats.skipped), 'file')} not readable yet (first: {name}: {why})"
    return line


def run(args: argparse.Namespace) -> int:
    from dodnews.errors import UserError
    from dodnews.warc.index import ReplayIndex
    from dodnews.warc.replay import (
        COLLECTION,
        PYWB_VERSION,
        ensure_pywb,
        free_port,
        start_server,
        stop_server,
        work_dir,
        write_config,
    )

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port number")
    if args.refresh <= 0:
        raise UserError("--refresh must be a positive number of seconds")
    warc_dir = warc_folder(args)
    if not args.setup and not warc_dir.is_dir():
        what = "is not a folder" if warc_dir.exists() else "does not exist"
        raise UserError(f"WARC folder {warc_dir} {what} (give it with --warc-dir DIR)")
    port = 0 if args.setup else free_port(args.port)
    pywb = ensure_pywb(say=lambda line: print(line, flush=True))
    if args.setup:
        print(f"pywb {PYWB_VERSION} ready in {pywb.venv}")
        return 0
    checked = _check_archive(args, warc_dir)
    if checked:
        print(checked, flush=True)
    work = work_dir(warc_dir)
    index = ReplayIndex(warc_dir, work / "index", pywb.indexer(warc_dir.resolve()))
    stats = index.refresh()
    if stats is not None:
        print(_index_line(stats), flush=True)
    write_config(work, warc_dir, index.index_dir)
    # SIGTERM (a service manager, a test) stops pywb too, as Ctrl-C does
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    proc = start_server(pywb, work, port, work / "pywb.log")
    url = f"http://127.0.0.1:{port}/{COLLECTION}/"
    try:
        print(f"Replaying {warc_dir} on {url} (Ctrl-C stops)", flush=True)
        print(f"Link the reports to it: dodnews report --replay-url {url}", flush=True)
        while True:
            try:
                code = proc.wait(timeout=args.refresh)
            except subprocess.TimeoutExpired:
                stats = index.refresh()
                if stats is not None:
                    print(_index_line(stats), flush=True)
                continue
            raise UserError(f"pywb stopped (exit {code}); see {work / 'pywb.log'}")
    except KeyboardInterrupt:
        return 0
    finally:
        stop_server(proc)
