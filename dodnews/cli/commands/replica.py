"""`dodnews replica serve|manifest|epochs`: the offline replica of the newsroom."""

from __future__ import annotations

import argparse
from typing import Any

from dodnews.cli.commands import Runner


def register(subparsers: Any) -> None:
    """Add `replica` with its `serve`, `manifest` and `epochs` subcommands."""
    parser = subparsers.add_parser(
        "replica",
        help="serve an offline replica of the site whose content changes by epoch",
        description="An offline replica of the DoD/War newsroom on a loopback HTTP server.",
    )
    sub = parser.add_subparsers(dest="replica_command", metavar="ACTION")
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)

    serve = sub.add_parser("serve", help="run the replica HTTP server until SIGTERM or Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8800, help="port; 0 lets the OS pick")
    serve.add_argument("--epoch", type=int, default=0, help="epoch served at start (default 0)")
    serve.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="added delay for every request, in milliseconds",
    )
    serve.add_argument(
        "--page-kb",
        type=int,
        default=0,
        metavar="KB",
        help="add about KB kilobytes of site chrome (menus, footer, scripts) to every HTML page, "
        "as heavy as the real site's pages (about 100); default 0",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="arm a fault, written like the admin query: kind=5xx&path=/News/&count=3",
    )
    _content_args(serve)
    serve.set_defaults(func=Runner("replica", "run_serve"))

    manifest = sub.add_parser("manifest", help="print the edits of one epoch as JSON")
    manifest.add_argument("--epoch", type=int, required=True)
    _content_args(manifest)
    manifest.set_defaults(func=Runner("replica", "run_manifest"))

    epochs = sub.add_parser("epochs", help="list the epochs with their edit counts")
    _content_args(epochs)
    epochs.set_defaults(func=Runner("replica", "run_epochs"))


def _content_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--articles",
        type=int,
        default=0,
        help="generated articles on top of the hand-written ones (default 0)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated articles")
    parser.add_argument(
        "--data",
        default=None,
        metavar="DIR",
        help="directory with articles.json and epochs.json (default: packaged)",
    )
    parser.add_argument(
        "--site",
        default=None,
        metavar="NAME",
        help="site profile to serve the content as: war, af, navy... "
        "(default: $DODNEWS_SITE, else war)",
    )
    parser.add_argument(
        "--variants",
        choices=("on", "off"),
        default=None,
        help="render bylines, photos, related stories, banners and page frames in several "
        "markup shapes chosen per article (on), or in one shape (off); "
        "default: $DODNEWS_REPLICA_VARIANTS, else on (docs/markup.md)",
    )
    parser.add_argument(
        "--markup-shift",
        action="append",
        default=[],
        metavar="PART@EPOCH[=SHAPE]",
        help="from EPOCH on, every article shows PART (byline, photo, related, banner, frame...) "
        "in SHAPE, or without SHAPE in the next shape after its own: a site redesign "
        "(docs/replica-data.md); repeatable",
    )
