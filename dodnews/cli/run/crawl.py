"""`dodnews crawl SPIDER ARGS...`: become `python -m scrapy crawl SPIDER ARGS...` with dodnews's
settings, so that it works from any folder (see dodnews.cli.commands.crawl)."""

from __future__ import annotations

import argparse
import os

from dodnews.errors import UserError
from dodnews.monitor.crawling import crawl_env, scrapy_argv

SPIDERS = ("news", "recheck")


def run(args: argparse.Namespace) -> int:
    """Replace this process with the crawl: Ctrl-C, output and exit status are Scrapy's own."""
    if args.spider not in SPIDERS:
        raise UserError(f"no spider named {args.spider!r}; spiders are: {', '.join(SPIDERS)}")
    argv = scrapy_argv(args.spider, args.scrapy_args)
    os.execve(argv[0], argv, crawl_env())
    return 2  # not reached: execve replaces the process or raises
