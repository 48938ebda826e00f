"""Deterministic extra articles for the replica: the same seed always gives the same site.

Articles come out in the dict shape of `data/articles.json` (docs/replica-data.md). Text is
assembled from small invented phrase banks; it reads like agency news without copying any.
Optional extra key: `slug` ("" for contracts whose URL has an empty slug, `/Article/<id>//`).
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import Any

FIRST_ID = 3_000_001
_START = datetime(2019, 1, 2, 8, 0)
_END = datetime(2026, 11, 1, 18, 0)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# AP style, as the site writes dates and contracts titles ("Contracts For Sept. 30, 2025").
AP_MONTHS = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)

# Shares of generated articles per section (contracts appear every working day on the real site).
_SECTION_WEIGHTS = (
    ("news-stories", 34),
    ("releases", 22),
    ("contracts", 18),
    ("transcripts", 9),
    ("speeches", 6),
    ("feature-stories", 11),
)

_UNITS = (
    "the 3rd Infantry Division",
    "the 101st Airborne Division",
    "Carrier Strike Group 9",
    "the 4th Fighter Wing",
    "the 1st Marine Expeditionary Force",
    "Joint Task Force-Bravo",
    "the 82nd Airborne Division",
    "the 21st Theater Sustainment Command",
    "Space Delta 4",
    "the 173rd Airborne Brigade",
    "Destroyer Squadron 60",
    "the 48th Fighter Wing",
    "the Kentucky National Guard",
    "the 10th Mountain Division",
    "Amphibious Squadron 5",
)
_PLACES = (
    "Fort Bragg, North Carolina",
    "Ramstein Air Base, Germany",
    "Naval Station Norfolk, Virginia",
    "Camp Lejeune, North Carolina",
    "Joint Base Lewis-McChord, Washington",
    "Rota, Spain",
    "Osan Air Base, South Korea",
    "Grafenwoehr, Germany",
    "Pearl Harbor, Hawaii",
    "Fort Hood, Texas",
    "Souda Bay, Greece",
    "Guam",
    "Eielson Air Force Base, Alaska",
    "Camp Humphreys, South Korea",
    "Powidz, Poland",
    "Djibouti",
)
_TOPICS = (
    "counter-drone defenses",
    "Arctic readiness",
    "munitions production",
    "sealift capacity",
    "military housing repairs",
    "recruiting outreach",
    "missile defense testing",
    "child care access",
    "cyber range training",
    "hypersonic flight testing",
    "medical evacuation drills",
    "fuel logistics",
    "satellite launch schedules",
    "spare parts backlogs",
    "joint fires exercises",
    "pilot retention bonuses",
)
_OFFICIALS = (
    ("Army Gen.", "Marcus Hale"),
    ("Navy Adm.", "Lena Ortiz"),
    ("Air Force Lt. Gen.", "Dana Price"),
    ("Marine Corps Maj. Gen.", "Owen Fitch"),
    ("Deputy Secretary", "Clara Whitman"),
    ("Army Col.", "Ray Sandoval"),
    ("Navy Capt.", "Erin Mayfield"),
    ("Space Force Col.", "Ian Brooks"),
    ("Under Secretary", "Paul Renner"),
    ("Air Force Brig. Gen.", "Nora Eklund"),
)
_REPORTERS = (
    "By David Vergun, DOD News",
    "By Ann Castillo, DOD News",
    "By Terri Moon, DOD News",
    "By Sean Keller, War Department News",
    "By Kayla Brandt, DOD News",
    None,
    None,
)
_VERBS = (
    "completed",
    "expanded",
    "tested",
    "certified",
    "accelerated",
    "rehearsed",
    "opened",
    "reorganized",
    "deployed",
    "evaluated",
)
_NOUNS = ("soldiers", "sailors", "airmen", "Marines", "guardians", "civilians", "reservists")
_COMPANIES = (
    ("Harbor Point Systems", "Norfolk", "Virginia"),
    ("Ridgeway Aerospace", "Wichita", "Kansas"),
    ("Blue Mesa Engineering", "Albuquerque", "New Mexico"),
    ("Northgate Shipbuilding", "Bath", "Maine"),
    ("Cordell Logistics", "Huntsville", "Alabama"),
    ("Summit Avionics", "Cedar Rapids", "Iowa"),
    ("Lakeshore Munitions", "Erie", "Pennsylvania"),
    ("Tidewater Marine Services", "Chesapeake", "Virginia"),
    ("Pinecrest Medical Supply", "Columbus", "Ohio"),
    ("Granite Peak Defense", "Ogden", "Utah"),
)
_AGENCIES = (
    "ARMY",
    "NAVY",
    "AIR FORCE",
    "DEFENSE LOGISTICS AGENCY",
    "SPACE FORCE",
    "MISSILE DEFENSE AGENCY",
)
_WORK = (
    "depot maintenance of tactical vehicles",
    "spare parts for the F-16 fleet",
    "ship repair and modernization",
    "engineering support services",
    "production of 155 mm artillery shells",
    "satellite ground station upgrades",
    "medical and surgical supplies",
    "runway repair at overseas bases",
)
_TAGS = (
    "Army",
    "Navy",
    "Air Force",
    "Marine Corps",
    "Space Force",
    "NATO",
    "Indo-Pacific",
    "Readiness",
    "Acquisition",
    "Families",
    "Innovation",
    "Europe",
    "Training",
)
_SERVICE_LETTERS = "DAFNMZ"
_LINK_HOSTS = ("defense.gov", "war.gov")
_VARIANTS = (
    "plain",
    "plain",
    "plain",
    "govdelivery",
    "ref",
    "noslash",
    "case",
    "oldpath",
    "oldslug",
)


class _Random(random.Random):
    """random.Random with cheaper choice/randint/randrange (still fully seed-determined)."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:  # type: ignore[override]
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n: int) -> int:  # type: ignore[override]
        return int(self.random() * n)


def generate_articles(count: int, seed: int, first_id: int = FIRST_ID) -> list[dict[str, Any]]:
    """`count` articles in the articles.json shape, oldest first, ids increasing with the date."""
    rng = _Random(f"dodnews-replica-{seed}")
    span = int((_END - _START).total_seconds() // 60)
    minutes = sorted(rng.randrange(span) for _ in range(count))
    sections = [s for s, _ in _SECTION_WEIGHTS]
    weights = [w for _, w in _SECTION_WEIGHTS]
    picked = rng.choices(sections, weights=weights, k=count)
    articles = []
    next_id = first_id
    for i in range(count):
        when = _START + timedelta(minutes=minutes[i])
        article = _article(rng, next_id, picked[i], when, articles)
        articles.append(article)
        next_id += rng.randint(1, 4)
    return articles


def _figure(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"${rng.randint(12, 980)} million"
    if kind == 1:
        return f"{rng.randint(120, 9800):,} troops"
    if kind == 2:
        return f"{rng.randint(3, 97)} percent"
    return f"{rng.randint(4, 240)} aircraft"


def _money(rng: random.Random) -> str:
    return f"${rng.randint(12, 980)} million"


def _headline(text: str) -> str:
    """Headline case that leaves "48th" and "F-16" alone (str.title would not)."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def _news_paragraph(rng: random.Random) -> str:
    form = rng.randrange(5)
    if form == 0:
        rank, name = rng.choice(_OFFICIALS)
        return (
            f"{rng.choice(_UNITS).capitalize()} {rng.choice(_VERBS)} work on "
            f"{rng.choice(_TOPICS)} at {rng.choice(_PLACES)}, a program now worth "
            f"{_money(rng)}, {rank} {name} said."
        )
    if form == 1:
        return (
            f"About {rng.randint(2, 60) * 50:,} {rng.choice(_NOUNS)} took part, and readiness "
            f"scores rose {rng.randint(3, 40)} percent since the last rotation, planners said."
        )
    if form == 2:
        return (
            f"\u201cWe are moving faster than we did a year ago,\u201d {rng.choice(_OFFICIALS)[1]} "
            f"told reporters at {rng.choice(_PLACES)}, pointing to {rng.choice(_TOPICS)} as the "
            "priority."
        )
    if form == 3:
        return (
            f"The effort follows a review that found gaps in {rng.choice(_TOPICS)}, and officials "
            f"set aside {_money(rng)} to close them by fiscal year {rng.randint(2025, 2030)}."
        )
    return (
        f"Leaders from {rng.choice(_UNITS)} and {rng.choice(_UNITS)} met for "
        f"{rng.randint(2, 9)} days to compare lessons on {rng.choice(_TOPICS)} and flew "
        f"{rng.randint(4, 240)} aircraft through the exercise area."
    )


def _contract_paragraph(rng: random.Random, when: datetime) -> str:
    company, city, state = rng.choice(_COMPANIES)
    dollars = rng.randint(1_000_000, 950_000_000)
    serial = rng.randint(1000, 9999)
    code = f"{rng.choice('NWFHS')}{rng.randint(10000, 99999)}-{when.year % 100}-C-{serial}"
    star = rng.choice(("", "", "*", "**"))
    return (
        f"{company},{star} {city}, {state}, has been awarded a ${dollars:,} firm-fixed-price "
        f"contract for {rng.choice(_WORK)}. Work will be performed in {city}, {state}, and is "
        f"expected to be completed by {_MONTHS[rng.randrange(12)]}. {rng.randint(1, 28)}, "
        f"{when.year + rng.randint(1, 5)}. Fiscal {when.year} operation and maintenance funds "
        f"of ${rng.randint(50_000, 9_000_000):,} were obligated at the time of award. "
        f"The contracting activity is the awarding command ({code})."
    )


def _image(rng: random.Random, when: datetime) -> dict[str, Any]:
    letter = rng.choice(_SERVICE_LETTERS)
    letters = "ABCDEFGHJKLMNPRSTW"
    code = f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(100, 999)}"
    virin = f"{when:%y%m%d}-{letter}-{code}-{rng.randint(1000, 1999)}"
    rank, name = rng.choice(_OFFICIALS)
    topic = rng.choice(_TOPICS)
    return {
        "virin": virin,
        "asset": rng.randint(2_002_000_000, 2_003_900_000),
        "date": f"{when.year}/{_MONTHS[when.month - 1]}/{when.day:02d}",
        "title": _headline(f"{topic} drill"),
        "alt": f"Service members practice {topic} at {rng.choice(_PLACES)}.",
        "caption": f"Service members practice {topic} during a training rotation, "
        f"{when:%B} {when.day}, {when.year}.",
        "credit": f"{rank.split()[0]} Staff Sgt. {name}",
        "size_kb": rng.randint(240, 4800),
    }


def _title(rng: random.Random, section: str, when: datetime) -> str:
    if section == "contracts":
        return f"Contracts For {AP_MONTHS[when.month - 1]} {when.day}, {when.year}"
    rank, name = rng.choice(_OFFICIALS)
    if section == "transcripts":
        return f"{rank} {name} Holds a Press Briefing on {_headline(rng.choice(_TOPICS))}"
    if section == "speeches":
        return f"Remarks by {rank} {name} on {_headline(rng.choice(_TOPICS))}"
    if section == "releases":
        return f"Department Announces {_money(rng)} for {_headline(rng.choice(_TOPICS))}"
    unit = rng.choice(_UNITS).removeprefix("the ")
    return _headline(f"{unit} {rng.choice(_VERBS)} {rng.choice(_TOPICS)}")


def _body(rng: random.Random, section: str, when: datetime) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = []
    if section == "contracts":
        for agency in rng.sample(_AGENCIES, rng.randint(1, 3)):
            body.append({"heading": agency})
            body.extend({"p": _contract_paragraph(rng, when)} for _ in range(rng.randint(1, 4)))
        body.append({"p": "*Small business"})
        return body
    if section == "transcripts":
        rank, name = rng.choice(_OFFICIALS)
        speaker = f"{rank.upper()} {name.upper()}"
        for turn in range(rng.randint(4, 9)):
            who = speaker if turn % 2 == 0 else "Q"
            body.append({"speaker": who, "p": _news_paragraph(rng)})
        return body
    count = rng.randint(4, 9)
    image_at = rng.randrange(count) if rng.random() < 0.6 else -1
    for i in range(count):
        if i == image_at:
            body.append({"image": _image(rng, when)})
        body.append({"p": _news_paragraph(rng)})
    return body


def _article(
    rng: random.Random, article_id: int, section: str, when: datetime, earlier: list[dict]
) -> dict[str, Any]:
    title = _title(rng, section, when)
    related = [a["id"] for a in rng.sample(earlier[-200:], min(len(earlier), rng.randint(0, 3)))]
    variant = rng.choice(_VARIANTS)
    article: dict[str, Any] = {
        "id": article_id,
        "section": section,
        "title": title,
        "published": when.strftime("%Y-%m-%dT%H:%M:00"),
        "byline": None if section == "contracts" else rng.choice(_REPORTERS),
        "summary": f"An update on {rng.choice(_TOPICS)} from {rng.choice(_PLACES)}.",
        "og": rng.random() >= 1 / 6,
        "show_time": rng.random() < 0.7,
        "banner": "historical" if when.year < 2021 and rng.random() < 0.3 else None,
        "body": _body(rng, section, when),
        "related": related,
        "tags": sorted(rng.sample(_TAGS, rng.randint(0, 3))),
        "links": {"host": rng.choice(_LINK_HOSTS), "variant": variant},
    }
    if section == "contracts" and rng.random() < 0.5:
        article["slug"] = ""
    return article


_FIGURE_RE = re.compile(r"\$\d[\d,]*(?: million)?|\b\d[\d,]* (?:troops|percent|aircraft)\b")


def generated_edits(
    articles: dict[int, dict[str, Any]], ids: list[int], epoch: int, seed: int, share: float = 0.02
) -> list[dict[str, Any]]:
    """Seed-derived edits for epoch `epoch` on a small share of the generated `ids`.

    Each edit is a figure change inside a paragraph or an inserted paragraph, in the epochs.json
    edit shape with its `expect` list.
    """
    if not ids:
        return []
    rng = _Random(f"dodnews-replica-edits-{seed}-{epoch}")
    live = [i for i in ids if i in articles]
    if not live:
        return []
    picked = sorted(rng.sample(live, max(1, int(len(live) * share))))
    edits = []
    for n, article_id in enumerate(picked):
        article = articles[article_id]
        paragraphs = [b for b in article["body"] if "p" in b or "heading" in b]
        name = f"gen-e{epoch}-{n}"
        change = _figure_edit(rng, paragraphs) if rng.random() < 0.7 else None
        if change is not None:
            index, old, new = change
            edits.append(
                {
                    "name": name,
                    "id": article_id,
                    "op": "replace_text",
                    "target": {"paragraph": index},
                    "old": old,
                    "new": new,
                    "expect": [
                        {"kind": "paragraph_edited"},
                        {"kind": "figure_changed", "before": old, "after": new},
                    ],
                }
            )
            continue
        at = rng.randint(0, len(paragraphs))
        edits.append(
            {
                "name": name,
                "id": article_id,
                "op": "insert_paragraph",
                "at": at,
                "text": _added_paragraph(rng),
                "expect": [{"kind": "paragraph_added"}],
            }
        )
    return edits


def _added_paragraph(rng: random.Random) -> str:
    text = _news_paragraph(rng)
    return f"Officials added on {_MONTHS[rng.randrange(12)]}. {rng.randint(1, 28)} that {text}"


def _figure_edit(
    rng: random.Random, paragraphs: list[dict[str, Any]]
) -> tuple[int, str, str] | None:
    """A paragraph index and a figure occurring exactly once in it, with a changed value."""
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    for index in order:
        text = paragraphs[index].get("p", "")
        for match in _FIGURE_RE.finditer(text):
            old = match.group(0)
            if text.count(old) != 1:
                continue
            new = _bump(rng, old)
            if new != old and text.count(new) == 0:
                return index, old, new
    return None


def _bump(rng: random.Random, figure: str) -> str:
    """The same figure with its leading number raised by 5 to 40 percent."""
    match = re.search(r"\d[\d,]*", figure)
    assert match is not None
    value = int(match.group(0).replace(",", ""))
    bumped = value + max(1, value * rng.randint(5, 40) // 100)
    text = f"{bumped:,}" if "," in match.group(0) else str(bumped)
    return figure[: match.start()] + text + figure[match.end() :]


# The rollout epoch: the historical banner added at once to every generated article of one year
# that has none yet, as the site did to its older collection (a cohort for the re-capture
# scheduler to notice, docs/scheduling.md).
ROLLOUT_EPOCH = 3
ROLLOUT_YEAR = 2020


def rollout_edits(
    articles: dict[int, dict[str, Any]], ids: list[int], epoch: int
) -> list[dict[str, Any]]:
    """The banner edits of the rollout epoch on the generated `ids` (none in other epochs)."""
    if epoch != ROLLOUT_EPOCH:
        return []
    return [
        {
            "name": f"rollout-e{epoch}-{article_id}",
            "id": article_id,
            "op": "set_banner",
            "value": "historical",
            "expect": [{"kind": "banner_added"}],
        }
        for article_id in ids
        if article_id in articles
        and articles[article_id]["published"].startswith(str(ROLLOUT_YEAR))
        and not articles[article_id].get("banner")
    ]
