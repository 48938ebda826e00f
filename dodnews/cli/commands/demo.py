"""`dodnews demo`: the whole job against the bundled replica, in under two minutes."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_diffs_dir_option


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="crawl the offline replica, let it change, crawl again and write the diff reports",
        description="Starts the bundled replica of the site on a free loopback port, crawls "
        "epoch 0, switches the replica to epoch 1 (edits of every kind), crawls again, re-checks "
        "every article with conditional requests, writes the reports and prints a summary.",
    )
    parser.add_argument(
        "--workdir",
        default="data/demo",
        help="archive, WARC files and logs of the demo (emptied first)",
    )
    add_diffs_dir_option(parser)
    parser.add_argument(
        "--epochs",
        type=int,
        default=2,
        help="how many replica epochs to step through after the first crawl (default 2: the "
        "second one brings a revert and a rollout)",
    )
    parser.set_defaults(func=Runner("demo"))
