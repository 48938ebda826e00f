"""The DODNEWS_* environment variables, read one way by every `dodnews` command and every crawl.

A variable set to an empty (or blank) string counts as unset. A crawl takes each DODNEWS_* setting
defined in dodnews/settings.py from its variable when it is set, and `-s NAME=VALUE` wins over
both; a `dodnews` command takes the same variables, and its own option (`--archive`,
`--diffs-dir`, `--warc-dir`) wins over them.
"""

from __future__ import annotations

import os
from typing import Any

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


def from_environment(defaults: dict[str, Any]) -> dict[str, Any]:
    """The DODNEWS_* settings among `defaults` whose variable is set, with the variable's value.

    A value is given the type of its default when it reads as one ("0.8" a float, "0" a bool);
    one that does not is kept as text, for the setting checks to name.
    """
    found = {}
    for name, default in defaults.items():
        if name.startswith(PREFIX) and (value := env(name)) is not None:
            found[name] = typed(value, default)
    return found


# What Scrapy's getbool reads, so a variable means what `-s` with the same text means.
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})


def typed(text: str, default: Any) -> Any:
    """`text` as the type of `default` (bool, int, float) when it reads as one, else `text`."""
    if isinstance(default, bool):
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else text
    for kind in (int, float):
        if isinstance(default, kind):
            try:
                return kind(text)
            except ValueError:
                return text
    return text
