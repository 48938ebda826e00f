"""`dodnews replay`: serve the WARC folder with pywb on loopback, for the reports' capture links."""

from __future__ import annotations

import argparse
import signal
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dodnews.archive.schema import captures
from dodnews.archive.urls import resolve_archive_url, sqlite_path
from dodnews.cli.support import archive_for
from dodnews.cli.support import warc_dir as warc_folder
from dodnews.environment import env
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
from dodnews.words import count, plural


def _check_archive(args: argparse.Namespace, warc_dir: Path) -> str | None:
    """One line: how many of the archive's captures have their WARC file in the folder."""
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
