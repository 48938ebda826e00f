"""Figures in text (money, percentages, counts, fractions, number words, dates) and which changed.

Figures are paired by their position in a word-level diff, not by their order in the whole text:
only figures that overlap a changed stretch of words are compared, so a figure that merely moved,
or one that sits in an untouched sentence, is never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dodnews.diffing.normalize import tokens

_MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|Jun\.|July|Jul\."
    r"|Aug(?:ust|\.)?|Sept(?:ember|\.)?|Sep\.|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?i:thousand|million|billion|trillion)"
_UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_WORD = (
    rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-{_UNITS})?|{_UNITS}|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
_FRACTION = (
    rf"(?:(?:{_UNITS}|a|an)[\s-](?:halfs?|halves|thirds?|quarters?|fourths?|fifths?|tenths?)"
    r"|half|\d+/\d+)"
)

# Alternatives are tried in this order at each position, so "Feb. 24, 2022" is one date and
# "$1.2 billion" one money figure rather than a count.
_FIGURE_RE = re.compile(
    rf"(?P<date>\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?\b(?:,\s\d{{4}}\b)?|\b{_MONTH}\s\d{{4}}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b)"
    rf"|(?P<money>(?:US)?\$\s?{_NUM}(?:\s?{_SCALE}\b|[MBK]\b)?"
    rf"|(?<![\w.]){_NUM}\s(?:{_SCALE}\s)?dollars\b)"
    rf"|(?P<percent>(?<![\w.]){_NUM}\s?(?:%|percent\b|per\scent\b|percentage\spoints?\b)"
    rf"|(?i:\b{_WORD}\s(?:percent|per\scent)\b))"
    r"|(?P<year>(?<![\w.$,])(?:19|20)\d{2}(?![\w%]|,\d))"
    rf"|(?P<fraction>(?i:\b{_FRACTION}\b))"
    rf"|(?P<number>(?<![\w.$]){_NUM}(?:st|nd|rd|th)?(?:\s{_SCALE})?(?!\w))"
    rf"|(?P<word>(?i:\b(?:{_WORD}(?:\s(?:hundred|{_SCALE}))?|(?:a\s)?dozens?|scores"
    r"|hundreds|thousands|millions|billions)\b))"
)
_GROUPS = {
    "date": "date",
    "year": "date",
    "money": "money",
    "percent": "percent",
    "fraction": "quantity",
    "number": "quantity",
    "word": "quantity",
}
_UNIT_WORD_RE = re.compile(r"\s([A-Za-z][a-z-]*)([^\sA-Za-z-]*)")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and or of the in on at to from with by for were was are is be been have had has will"
        " would could that which who than more less as per into over under about after before"
        " during since each this these those its their his her our percent",
    )
)
# Kinds whose disappearance is worth a report even without a figure on the other side.
_STRONG_KINDS = frozenset({"date", "money", "percent", "number"})


@dataclass(frozen=True)
class Figure:
    """A figure as written in a text, with its character span, comparison key and unit noun."""

    text: str
    start: int
    end: int
    kind: str
    group: str
    key: str
    unit: str | None = None


def _unit_after(text: str, end: int) -> str | None:
    """Up to three words after a count ("battalion tactical groups"), or None."""
    words = []
    pos = end
    while len(words) < 3:
        match = _UNIT_WORD_RE.match(text, pos)
        word = match.group(1) if match else ""
        if not word or word.lower() in _STOP or _FIGURE_RE.fullmatch(word):
            break
        words.append(word)
        pos = match.end()
        # Punctuation or a plural noun ("groups", "vehicles") ends the noun phrase.
        if match.group(2) or (word.endswith("s") and not word.endswith("ss")):
            break
    return " ".join(words) or None


def _key(kind: str, text: str) -> str:
    """The comparison value: "Sept. 15" == "September 15", "7,500" == "7500", "12%" == "12 pct"."""
    low = text.lower()
    if kind == "date":
        month = re.match(r"[a-z]+", low)
        if month and month.group()[:3] in _MONTH_NUMBERS:
            rest = re.sub(r"(st|nd|rd|th)\b", "", low[month.end() :])
            return f"{_MONTH_NUMBERS[month.group()[:3]]}|" + re.sub(r"[^\d]+", "|", rest).strip("|")
        return low
    low = low.replace(",", "").replace("us$", "$")
    low = re.sub(r"\s*(percentage points?|per cent|percent)", "%", low)
    return " ".join(low.replace("$ ", "$").split()).replace("-", " ")


def find_figures(text: str, start: int = 0, end: int | None = None) -> list[Figure]:
    """Every figure in a (normalized) text or in text[start:end], left to right, no overlaps."""
    found = []
    for match in _FIGURE_RE.finditer(text, start, len(text) if end is None else end):
        kind = match.lastgroup or "number"
        value = match.group()
        unit = _unit_after(text, match.end()) if kind in {"number", "word", "fraction"} else None
        found.append(
            Figure(value, match.start(), match.end(), kind, _GROUPS[kind], _key(kind, value), unit)
        )
    return found


# No figure is longer than this many words ("Feb. 24, 2022", "5 percentage points"), so figures
# touching a changed stretch lie within this many words of it: only that window is scanned.
_REACH = 4


def _windows(
    toks: list[tuple[str, int, int]], ranges: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Merged character windows around the changed word ranges, `_REACH` words each side."""
    merged: list[list[int]] = []
    for lo, hi in ranges:
        lo, hi = max(lo - _REACH, 0), min(hi + _REACH, len(toks))
        if lo >= hi:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(toks[lo][1], toks[hi - 1][2]) for lo, hi in merged]


def _spans(toks: list[tuple[str, int, int]], lo: int, hi: int) -> tuple[int, int] | None:
    return (toks[lo][1], toks[hi - 1][2]) if hi > lo else None


def _touches(fig: Figure, span: tuple[int, int] | None) -> bool:
    return span is not None and fig.start < span[1] and span[0] < fig.end


def _find(parent: list[int], k: int) -> int:
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


def changed_figures(
    old_text: str,
    new_text: str,
    ops: list[tuple[str, int, int, int, int]],
) -> list[tuple[Figure | None, Figure | None]]:
    """Pairs (before, after) of figures that changed, given word-level opcodes between the texts.

    Figures touching the same changed stretch (a replace op, or ops bridged by one figure) form a
    group; identical figures in a group cancel, the rest pair up left to right, same group of
    figure first. A figure only added or only removed is reported when its stretch was a replace
    and it is a digit figure (so "no one" -> "nobody" is not a figure change).
    """
    changed_ops = [k for k, op in enumerate(ops) if op[0] != "equal"]
    if not changed_ops:
        return []
    old_toks, new_toks = tokens(old_text), tokens(new_text)
    old_spans = {k: _spans(old_toks, ops[k][1], ops[k][2]) for k in changed_ops}
    new_spans = {k: _spans(new_toks, ops[k][3], ops[k][4]) for k in changed_ops}
    parent = list(range(len(ops)))
    touched: list[tuple[int, int, Figure]] = []  # (side, first op, figure)
    sides = (
        (0, old_text, old_spans, _windows(old_toks, [(ops[k][1], ops[k][2]) for k in changed_ops])),
        (1, new_text, new_spans, _windows(new_toks, [(ops[k][3], ops[k][4]) for k in changed_ops])),
    )
    for side, text, spans, windows in sides:
        for fig in (f for lo, hi in windows for f in find_figures(text, lo, hi)):
            hits = [k for k in changed_ops if _touches(fig, spans[k])]
            if not hits:
                continue
            for k in hits[1:]:
                parent[_find(parent, k)] = _find(parent, hits[0])
            touched.append((side, hits[0], fig))
    groups: dict[int, tuple[list[Figure], list[Figure]]] = {}
    for side, k, fig in touched:
        groups.setdefault(_find(parent, k), ([], []))[side].append(fig)
    pairs: list[tuple[Figure | None, Figure | None]] = []
    left_old: list[tuple[Figure, bool]] = []  # (figure, its stretch had a replace)
    left_new: list[tuple[Figure, bool]] = []
    for root in sorted(groups):
        olds, news = groups[root]
        replace = any(ops[k][0] == "replace" for k in changed_ops if _find(parent, k) == root)
        pairs.extend(_pair_group(olds, news))  # leaves the unpaired figures in olds/news
        left_old += [(f, replace) for f in olds]
        left_new += [(f, replace) for f in news]
    # A figure left over on both sides in different stretches merely moved.
    _cancel_identical(left_old, left_new, key=lambda item: item[0].key)
    pairs += [(f, None) for f, replace in left_old if replace and f.kind in _STRONG_KINDS]
    pairs += [(None, f) for f, replace in left_new if replace and f.kind in _STRONG_KINDS]
    return pairs


def _cancel_identical(olds: list, news: list, key=lambda f: f.key) -> None:
    """Remove equal-keyed items from both lists, first with first (so it is symmetric)."""
    for item in list(olds):
        match = next((n for n in news if key(n) == key(item)), None)
        if match is not None:
            olds.remove(item)
            news.remove(match)


def _pair_group(olds: list[Figure], news: list[Figure]) -> list[tuple[Figure, Figure]]:
    """Pair the changed figures of one stretch, removing them from `olds` and `news`."""
    _cancel_identical(olds, news)  # identical figures on both sides did not change
    pairs: list[tuple[Figure, Figure]] = []
    for group in ("money", "percent", "date", "quantity"):
        a = [f for f in olds if f.group == group]
        b = [f for f in news if f.group == group]
        pairs.extend(zip(a, b, strict=False))
    # Then across groups, left to right: e.g. "12 percent" -> "a third".
    rest_old = [f for f in olds if all(f is not p[0] for p in pairs)]
    rest_new = [f for f in news if all(f is not p[1] for p in pairs)]
    pairs.extend(zip(rest_old, rest_new, strict=False))
    for before, after in pairs:
        olds.remove(before)
        news.remove(after)
    return pairs


def figure_ops(
    old_text: str,
    new_text: str,
    ops: list[tuple[str, int, int, int, int]],
    pairs: list[tuple[Figure | None, Figure | None]],
) -> list[int]:
    """Indexes of the changed ops whose every changed word lies inside a reported figure.

    Such an edit says nothing the figure change does not ("$300" -> "$350" inside "$300 million"
    -> "$350 million"), so a summary names it once, as the figure. Punctuation outside the figure
    ("million," with its comma) does not count as another edit.
    """
    old_spans = [(f.start, f.end) for f, _ in pairs if f is not None]
    new_spans = [(f.start, f.end) for _, f in pairs if f is not None]
    if not old_spans and not new_spans:
        return []
    old_toks, new_toks = tokens(old_text), tokens(new_text)
    return [
        k
        for k, (tag, i1, i2, j1, j2) in enumerate(ops)
        if tag != "equal"
        and _inside(old_toks[i1:i2], old_text, old_spans)
        and _inside(new_toks[j1:j2], new_text, new_spans)
    ]


def _inside(toks: list[tuple[str, int, int]], text: str, spans: list[tuple[int, int]]) -> bool:
    """True when every letter and digit of these words is inside one of the spans."""
    for _, start, end in toks:
        for pos in range(start, end):
            if text[pos].isalnum() and not any(lo <= pos < hi for lo, hi in spans):
                return False
    return True
