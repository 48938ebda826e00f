"""The Jinja2 environment of the report templates (dodnews/reports/templates/).

Autoescaping is on for .html and .xml templates, and every `{{ value }}` first goes through
`finalize`: archived text is cleaned (invisible characters shown as "[U+202E]") and HTML-escaped,
quotes included, unless it is already markup (a macro's output, a `Markup` value). So a template
author cannot forget to escape: a value is escaped unless it was made safe on purpose.
"""

from __future__ import annotations

import hashlib
import html
from functools import cache
from typing import Any
from urllib.parse import urljoin

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dodnews.model import OUTCOMES
from dodnews.reports.names import article_name, rollout_name
from dodnews.reports.text import data_image, esc, safe_url
from dodnews.reports.view import (
    EXTRACTOR_LABEL,
    diff_words,
    extractor_notice,
    figure_units,
    kind_label,
    kind_slug,
    kind_slugs,
    marked_words,
    paragraph_number,
    side_text,
    sorted_items,
    summary_line,
    value_pair_mode,
    value_text,
    where,
    word_ops,
)

TEMPLATE_PACKAGE = ("dodnews.reports", "templates")


def _finalize(value: Any) -> Any:
    """Every printed value: markup as it is, anything else cleaned and escaped (quotes too)."""
    kind = type(value)
    if kind is int:  # ids and version numbers: nothing to escape (bool is not int here)
        return value
    if kind is str and value.isascii() and value.isprintable():
        return Markup(html.escape(value))  # `clean` would leave such text as it is
    if hasattr(value, "__html__"):
        return value
    return Markup(esc(value))


def significance_level(value: float) -> str:
    """ "high", "mid" or "low": the color class of a significance score."""
    return "high" if value >= 0.7 else "mid" if value >= 0.4 else "low"


def section_label(value: Any) -> str:
    """A section slug as a reader names it: "news-stories" -> "News Stories"."""
    if not isinstance(value, str) or not value:
        return ""
    return " ".join(word.capitalize() for word in value.replace("-", " ").replace("_", " ").split())


def day(value: Any) -> str:
    """The date part of an ISO 8601 time ("2026-01-10T09:00:00-05:00" -> "2026-01-10"), as the
    site gave it (not moved to UTC: a publication date is the site's); other text as it is."""
    text = value if isinstance(value, str) else ""
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return text[:10]
    return text


def plural(number: int, noun: str) -> str:
    """ "1 capture", "3 captures"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def outcome_slug(value: Any) -> str:
    """A capture outcome usable in a class name ("not-modified"), else "other"."""
    return value if value in OUTCOMES else "other"


def feed_link(feed_url: str | None, name: str) -> str:
    """`name` (a report file) as an absolute URL beside the feed, or as it is without one."""
    return urljoin(feed_url, name) if feed_url else name


@cache
def environment() -> Environment:
    """The shared environment (templates are compiled once per process)."""
    env = Environment(
        loader=PackageLoader(*TEMPLATE_PACKAGE),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        safe_url=safe_url,
        data_image=data_image,
        kind_label=kind_label,
        kind_slug=kind_slug,
        summary_line=summary_line,
        value_text=value_text,
        where=where,
        sig_level=significance_level,
        section_label=section_label,
        day=day,
        plural=plural,
        outcome_slug=outcome_slug,
        article_page=article_name,
        rollout_page=rollout_name,
    )
    env.globals.update(
        EXTRACTOR_LABEL=EXTRACTOR_LABEL,
        diff_words=diff_words,
        extractor_notice=extractor_notice,
        feed_link=feed_link,
        figure_units=figure_units,
        kind_slugs=kind_slugs,
        marked_words=marked_words,
        paragraph_number=paragraph_number,
        side_text=side_text,
        sorted_items=sorted_items,
        value_pair_mode=value_pair_mode,
        word_ops=word_ops,
    )
    return env


def fill_template(name: str, **context: Any) -> str:
    """The text of template `name` filled with `context`."""
    return environment().get_template(name).render(**context)


@cache
def templates_digest() -> str:
    """A digest of every packaged template's source: reports made with other templates differ."""
    env = environment()
    digest = hashlib.sha256()
    for name in sorted(env.list_templates()):
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()
