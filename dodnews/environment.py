"""The DODNEWS_* environment variables, read one way by every `dodnews` command and every crawl.

A variable set to an empty (or blank) string counts as unset. A crawl takes each DODNEWS_* setting
defined in dodnews/settings.py from its variable when it is set, and `-s NAME=VALUE` wins over
both; a `dodnews` command takes the same variables, and its own option (`--archive`,
`--diffs-dir`, `--warc-dir`) wins over them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

PREFIX = "DODNEWS_"
DEFAULT_DIFFS_DIR = "diffs"
DEFAULT_WARC_DIR = os.path.join("data", "warc")


def env(name: str) -> str | None:
    """The variable's value, stripped; None when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def diffs_dir(option: str | None = None) -> str:
    """Where reports go: the option, else $DODNEWS_DIFFS_DIR, else diffs/."""
    return option or env("DODNEWS_DIFFS_DIR") or DEFAULT_DIFFS_DIR


def from_environment(names: Iterable[str]) -> dict[str, str]:
    """The DODNEWS_* settings among `names` whose variable is set, with the variable's text.

    Text, as `-s NAME=VALUE` gives it: Scrapy's getint/getfloat/getbool read both alike, and the
    setting checks name a bad one the same way whichever way it came.
    """
    found = {}
    for name in names:
        if name.startswith(PREFIX) and (value := env(name)) is not None:
            found[name] = value
    return found
