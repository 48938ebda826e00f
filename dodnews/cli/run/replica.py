"""`dodnews replica serve|manifest|epochs`: the offline replica of the newsroom."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from dodnews.errors import UserError
from dodnews.replica import pages
from dodnews.replica.content import build_timeline
from dodnews.replica.faults import parse_fault_spec
from dodnews.replica.markup import MarkupPlan, parse_shift, variants_from_env
from dodnews.replica.server import Replica, serve
from dodnews.site import WAR, Site, profiles
from dodnews.words import count


def _site(args: argparse.Namespace) -> Site:
    """The profile whose hosts, paths and ids the content is served (or described) under."""
    if args.site is not None:
        return profiles.load_profile(args.site)
    return profiles.load_configured() or WAR


def _timeline(args: argparse.Namespace) -> Any:
    site = _site(args)  # first: a bad site name is the error, whatever else is wrong
    if args.data is not None and not (Path(args.data) / "articles.json").is_file():
        raise UserError(f"--data {args.data}: not a folder with articles.json")
    return build_timeline(args.data, args.articles, args.seed, _markup(args), site)


def _markup(args: argparse.Namespace) -> Any:
    variants = variants_from_env() if args.variants is None else args.variants == "on"
    try:
        shifts = tuple(parse_shift(spec) for spec in args.markup_shift)
    except ValueError as exc:
        raise UserError(f"--markup-shift {exc}") from exc
    return MarkupPlan(variants=variants, shifts=shifts)


def run_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UserError(f"port {args.port} out of range")
    if args.latency < 0:
        raise UserError("--latency must be 0 or more")
    if not 0 <= args.page_kb <= 4096:
        raise UserError("--page-kb must be between 0 and 4096")

    pages.PAGE_KB = args.page_kb
    try:
        faults = [parse_fault_spec(spec) for spec in args.fault]
    except ValueError as exc:
        raise UserError(f"--fault: {exc}") from exc
    replica = Replica(_timeline(args), args.epoch, args.latency, faults)
    # A SIGTERM during start-up (before the reactor owns signals) still exits cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(replica, args.host, args.port)
    return 0


def run_manifest(args: argparse.Namespace) -> int:
    print(json.dumps(_timeline(args).manifest(args.epoch), indent=1, ensure_ascii=False))
    return 0


def run_epochs(args: argparse.Namespace) -> int:
    timeline = _timeline(args)
    for state in timeline.states:
        edits, articles = count(len(state.edits), "edit"), count(len(state.articles), "article")
        print(f"{state.epoch}\t{edits}\t{articles}")
    return 0
