"""`dodnews crawl SPIDER [-a NAME=VALUE] [-s NAME=VALUE]`: `scrapy crawl` from any folder.

`scrapy crawl` needs the project's settings: run from the folder with scrapy.cfg, or with
SCRAPY_SETTINGS_MODULE=dodnews.settings; anywhere else Scrapy answers "The crawl command is not
available from this location". This command sets the settings module and becomes
`python -m scrapy crawl ...` (same process, so Ctrl-C stops the crawl as Scrapy does, cleanly),
with the same arguments, output and exit status.
"""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "crawl",
        help="run `scrapy crawl news|recheck` with dodnews's settings, from any folder",
        description="Runs `scrapy crawl SPIDER ARGS...` with SCRAPY_SETTINGS_MODULE set to "
        "dodnews.settings, so it works outside the project folder too. Everything after the "
        "spider goes to Scrapy unchanged: -a NAME=VALUE (spider arguments, docs/crawling.md), "
        "-s NAME=VALUE (settings), -L LEVEL, --logfile FILE. Exit status is Scrapy's: 0 done, "
        "1 the run failed, 2 bad arguments.",
    )
    parser.add_argument("spider", metavar="SPIDER", help="news or recheck")
    parser.add_argument(
        "scrapy_args",
        nargs=argparse.REMAINDER,
        metavar="ARGS",
        help="passed to `scrapy crawl` as they are",
    )
    parser.set_defaults(func=Runner("crawl"))
