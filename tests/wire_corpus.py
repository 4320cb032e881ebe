"""A generator of wire archives shaped like real ones, with what each story should import as.

Section folders with repeated file names; the four plain-text layouts (one
paragraph per line with a headlines block, title and blank-line paragraphs,
hard-wrapped copy marked by indentation or blank lines, front matter over any of
them); agency datelines; headlines ending in ?, !, … or quotes; last paragraphs
without a full stop; people's names long enough to break across a wrapped line;
plus what archives also hold: read-me and licence files, pictures, hidden files,
byte-identical copies and UTF-8 files with one stray byte.

Pure and deterministic for a seed: tests and benchmarks/bench_import.py share it.
"""

import random
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("business", "sport", "politics", "world", "technology")
PEOPLE = (
    ("Ahmed Zaki Yamani", "Saudi oil minister"),
    ("Maria Elena Castellanos", "Finance minister"),
    ("Jean-Baptiste Okonkwo", "union leader"),
    ("Ruth Penhallow", "harbour master"),
    ("Kwame Mensah Boateng", "club chairman"),
    ("Ingrid Sofie Lindqvist", "chief executive"),
    ("Tomasz Wojciechowski", "Mayor"),
    ("Aisha Rahman", "council leader"),
)
PLACES = ("Port Alder", "Harlow Bay", "Kingsmere", "Eastwick", "the estuary", "Geneva", "Lagos", "Osaka")
TOPICS = (
    "oil output",
    "the harbour fees",
    "the new stadium",
    "bus fares",
    "school places",
    "the rail yard",
    "interest rates",
    "the chip plant",
)
DATELINES = (
    ("WASHINGTON, March 26 - ", "WASHINGTON, March 26", ""),
    ("LONDON (Reuters) - ", "LONDON (Reuters)", "Reuters"),
    ("PORT ALDER — ", "PORT ALDER", ""),
    ("NEW YORK, 26 March (AP) -- ", "NEW YORK, 26 March (AP)", "AP"),
    ("SAN FRANCISCO, Calif., Sept. 3 (Reuters) – ", "SAN FRANCISCO, Calif., Sept. 3 (Reuters)", "Reuters"),
    ("KINGSMERE - ", "KINGSMERE", ""),
)
TITLES = (
    "'Debate needed' on donations cap",
    "Is the euro finished?",
    "Oil prices rise again…",
    "Putin: 'We did everything possible'",
    "Storm hits the coast!",
    "Markets rally after rate cut",
    '"Not for sale," says club chairman',
    "Harbour fees to rise by 12% in {place}",
    "What next for {topic} in {place}?",
    "{place} votes on {topic}",
)
RELATED = (
    "Reopening of {place} crossing expected Monday",
    "Winter storm death toll reaches 90",
    "Is {topic} the next battleground?",
    "'We will not back down,' says {name}",
    "{place} council to vote on {topic}",
    "Markets slip as {topic} worries grow",
    "Timeline: {topic} in {place}…",
)
UNFINISHED_ENDINGS = (
    "Halo 2 is out on 9 November in the US",
    "The full results are due later this week",
    "Talks resume in {place} on Monday",
)


@dataclass
class Story:
    path: str  # below the archive's root
    data: bytes
    layout: int
    headline: str  # "" when the headline is left to be derived from the lede
    dateline: str
    agency: str
    paragraphs: list[str]
    related: list[str]
    tags: list[str] = field(default_factory=list)


@dataclass
class Archive:
    stories: list[Story]  # each imports as written
    duplicates: dict[str, str]  # copy -> the story file it is byte-identical to
    not_stories: list[str]  # skipped by a folder walk
    refused: list[str]  # a stray byte in UTF-8 text: refused, naming line and offset

    def write(self, root):
        root = Path(root)
        for path, data in self.files():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root

    def files(self):
        by_path = {story.path: story.data for story in self.stories}
        yield from by_path.items()
        for copy, original in self.duplicates.items():
            yield copy, by_path[original]
        for path in self.not_stories:
            yield path, _not_story_content(path)
        for path in self.refused:
            yield (
                path,
                "Coffee prices hit £5 in London\n\nCafé owners say trade is down.\n".encode().replace(
                    "Café".encode(), b"Caf\xe9"
                ),
            )


def generate(count=300, seed=2026, *, extras=True):
    rng = random.Random(seed)
    stories = []
    per_section = -(-count // len(SECTIONS))
    for number in range(count):
        section = SECTIONS[number % len(SECTIONS)]
        # The same names in every section folder: business/001.txt, sport/001.txt, ...
        path = f"{section}/{number // len(SECTIONS) + 1:03}.txt"
        stories.append(_story(rng, path, layout=number % 4 + 1 if number % 9 else rng.randint(1, 4)))
    if not extras:
        return Archive(stories, {}, [], [])
    # A copy sorts after its original: "sport/002_copy.txt" beside "sport/002.txt".
    duplicates = {stories[index * 7].path.replace(".txt", "_copy.txt"): stories[index * 7].path for index in range(3)}
    not_stories = [
        "README.TXT",
        "LICENSE",
        "business/notes.txt",
        "sport/.DS_Store",
        ".hidden-draft.txt",
        "world/photo.jpg",
        "politics/scan.txt",  # named like a story, but binary
    ]
    refused = [f"{SECTIONS[index]}/{per_section + index + 1:03}-stray.txt" for index in range(2)]
    return Archive(stories, duplicates, not_stories, refused)


def _not_story_content(path):
    if path.endswith((".jpg", ".DS_Store")) or "scan" in path:
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256))
    return b"This archive holds agency stories, one per file.\nSee the licence before reuse.\n"


def _story(rng, path, layout):
    name, role = rng.choice(PEOPLE)
    other, other_role = rng.choice(PEOPLE)
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    written, dateline, agency = rng.choice(DATELINES) if rng.random() < 0.7 else ("", "", "")
    paragraphs = _paragraphs(rng, name, role, other, other_role, place, topic)
    wants_title = layout == 2 or (layout in (3, 4) and rng.random() < 0.6)
    headline = _fill(rng.choice(TITLES), rng, place=place, topic=topic) if wants_title else ""
    related = (
        [
            _fill(rng.choice(RELATED), rng, place=rng.choice(PLACES), topic=topic, name=other)
            for _ in range(rng.randint(2, 6))
        ]
        if layout in (1, 3, 4) and rng.random() < 0.75
        else []
    )
    related = list(dict.fromkeys(related))
    if len(related) < 2:
        related = []
    lede = written + paragraphs[0]
    body = [lede, *paragraphs[1:]]
    tags = []
    if layout == 4:
        text, tags = _front_matter(rng, headline, related, topic), [f"#{rng.randint(1, 9)}", topic]
        inner_layout = rng.choice((1, 2, 3))
        text += _body_text(rng, inner_layout, "", body, [] if "related_headlines:" in text else related)
    else:
        text = _body_text(rng, layout, headline, body, related)
    return Story(path, text.encode("utf-8"), layout, headline, dateline, agency, paragraphs, related, tags)


def _front_matter(rng, headline, related, topic):
    lines = ["---"]
    if headline:
        lines.append(f"headline: {headline}")
    lines.append(f"tags: #{rng.randint(1, 9)}, {topic}")
    lines.append("byline: By Ann O'Neil: Staff")
    if related and rng.random() < 0.5:
        lines.append("related_headlines:")
        lines += [f"- {item}" for item in related]
    return "\n".join([*lines, "---", ""])


def _body_text(rng, layout, headline, body, related):
    title = f"{headline}\n\n" if headline else ""
    headlines = "\n\n" + "\n".join(related) if related else ""
    if layout == 1:
        return title + "\n".join(body) + headlines + "\n"
    if layout == 2:
        return title + "\n\n".join(body) + headlines + "\n"
    width = rng.choice((64, 68, 70, 72, 76))
    if rng.random() < 0.5:
        # Paragraphs marked by indentation, no blank lines between them.
        wrapped = [
            textwrap.fill(paragraph, width, initial_indent="   ", break_on_hyphens=False, break_long_words=False)
            for paragraph in body
        ]
        return title + "\n".join(wrapped) + headlines + "\n"
    wrapped = [textwrap.fill(paragraph, width, break_on_hyphens=False, break_long_words=False) for paragraph in body]
    return title + "\n\n".join(wrapped) + headlines + "\n"


def _paragraphs(rng, name, role, other, other_role, place, topic):
    surname = name.split()[-1]
    sentences = [
        f"{role[0].upper()}{role[1:]} {name} said on Tuesday that {topic} in {place} would be reviewed "
        f"after months of pressure from residents and businesses.",
        f'"We will publish the figures within a month, and nobody will be surprised by them," {surname} told '
        f"reporters in {place}.",
        f"The {other_role} {other} said the decision had come far too late for the families who had waited "
        f"{rng.randint(2, 40)} months for an answer.",
        f"Officials said the cost could reach {rng.randint(2, 90)} million, more than twice the first estimate, "
        "and that work would start next spring.",
        f"Critics, including {other}, argued that the plan ignored the warnings of independent engineers.",
        f"Is this the end of the matter? Few in {place} think so.",
        f"Shares in the operator rose {rng.randint(1, 9)}.{rng.randint(0, 9)} percent in early trading.",
        "Mr. Smith of the U.S. Treasury said the talks were constructive.",
    ]
    rng.shuffle(sentences)
    count = rng.randint(2, 7)
    paragraphs = []
    for index in range(count):
        take = rng.randint(1, 2)
        paragraphs.append(" ".join(sentences[(index * 2 + n) % len(sentences)] for n in range(take)))
    if rng.random() < 0.3:
        paragraphs.append(_fill(rng.choice(UNFINISHED_ENDINGS), rng, place=place))
    return paragraphs


def _fill(template, rng, **values):
    text = template.format(**{"place": "", "topic": "", "name": "", **values})
    return text[0].upper() + text[1:]  # "The estuary votes ...", as a sub-editor writes it
