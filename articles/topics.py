"""What a story is about: subjects from a small controlled vocabulary, chosen with an explainable score.

Pure: standard library only, never Django. The vocabulary is the top level of the IPTC Media Topics,
kept with its codes and keywords in `vocabulary/iptc_subjects.txt`. A subject's score is the number
of keyword uses in the body (each distinct keyword counted at most three times, so one repeated word
cannot carry a story), relative to the body's length. The best subject is chosen whenever its score
reaches MIN_HITS; others join it when they come close to it. `score_subjects` returns every score
with the keywords behind it, so a choice can always be explained.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

VOCABULARY = Path(__file__).resolve().parent / "vocabulary" / "iptc_subjects.txt"

MIN_HITS = 2  # keyword uses the best subject needs before a story is tagged with it
RUNNER_UP_SHARE = 0.6  # other subjects join when they score this share of the best one...
RUNNER_UP_MIN_HITS = 4  # ...and at least this many uses
MAX_SUBJECTS = 2
LONG_BODY_WORDS = 50
PER_KEYWORD_CAP = 3

_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class Subject:
    code: str  # IPTC Media Topic code, e.g. "15000000"
    name: str  # the tag name readers see
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @property
    def qcode(self) -> str:
        return f"medtop:{self.code}"


@dataclass(frozen=True)
class SubjectScore:
    subject: Subject
    hits: int
    keywords: tuple[tuple[str, int], ...]  # the body's words that counted, with their uses

    @property
    def reason(self) -> str:
        words = ", ".join(f"{word} ×{count}" if count > 1 else word for word, count in self.keywords[:6])
        return f"{self.subject.name}: {self.hits} keyword uses ({words})"


def _load(path: Path) -> tuple[Subject, ...]:
    subjects = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            code, name, words = (part.strip() for part in line.split("|"))
        except ValueError:
            raise ValueError(f"{path.name}, line {number}: expected 'code | name | keywords'") from None
        keywords = words.split()
        subjects.append(
            Subject(
                code=code,
                name=name,
                exact=frozenset(word for word in keywords if not word.endswith("*")),
                prefixes=tuple(word[:-1] for word in keywords if word.endswith("*")),
            )
        )
    return tuple(subjects)


SUBJECTS = _load(VOCABULARY)
SUBJECT_NAMES = frozenset(subject.name for subject in SUBJECTS)


def _words(paragraphs: Sequence[str]) -> list[str]:
    return [word.lower().replace("’", "'").removesuffix("'s") for text in paragraphs for word in _WORD_RE.findall(text)]


def score_subjects(paragraphs: Sequence[str]) -> list[SubjectScore]:
    """Every subject's score for this body, best first (ties in vocabulary order)."""
    return _scores(_words(paragraphs))


def _scores(words: list[str]) -> list[SubjectScore]:
    counts = Counter(words)
    used = [{} for _ in SUBJECTS]
    for word, count in counts.items():
        for index in _subjects_of(word):
            used[index][word] = min(count, PER_KEYWORD_CAP)
    scores = [
        SubjectScore(subject, sum(words.values()), tuple(sorted(words.items(), key=lambda item: (-item[1], item[0]))))
        for subject, words in zip(SUBJECTS, used, strict=True)
    ]
    return sorted(scores, key=lambda score: -score.hits)


@functools.lru_cache(maxsize=2**16)
def _subjects_of(word: str) -> tuple[int, ...]:
    # Words recur from story to story: each is matched against the vocabulary once, not once per story.
    return tuple(
        index for index, subject in enumerate(SUBJECTS) if word in subject.exact or word.startswith(subject.prefixes)
    )


def choose_subjects(paragraphs: Sequence[str]) -> list[SubjectScore]:
    """The subjects a story is about: the best one, and any close runner-up.

    A story longer than a brief (LONG_BODY_WORDS) always gets its best subject if any keyword counts
    at all, so every real story has something to be related by.
    """
    words = _words(paragraphs)
    scores = _scores(words)
    best = scores[0] if scores else None
    needed = 1 if len(words) > LONG_BODY_WORDS else MIN_HITS
    if best is None or best.hits < needed:
        return []
    chosen = [best]
    for score in scores[1:MAX_SUBJECTS]:
        if score.hits >= RUNNER_UP_MIN_HITS and score.hits >= best.hits * RUNNER_UP_SHARE:
            chosen.append(score)
    return chosen


def suggest_subjects(paragraphs: Sequence[str]) -> list[str]:
    return [score.subject.name for score in choose_subjects(paragraphs)]
