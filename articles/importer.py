"""Save parsed wire stories: one transaction, idempotent, with counts.

`find_sources()` lists the files to read (lazily, in a stable order, skipping
what is not a story) and `Importer.run()` parses each with `articles.formats`
and saves its stories. A story is found again by its slug, or else by its
file's path relative to the folder named on the command line
(`business/001.txt`; a file named alone by its name), so the same tree
imported from another mount point still matches and same-named files in
different folders stay different stories. A key only moves to different text
when it comes from the same file as before. A file whose bytes are unchanged
since its last import is not parsed again; only what differs is written.
"""

import hashlib
import itertools
import os
import posixpath
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles import agency_items, bylines, formats, images, triggers
from articles import body as body_markup
from articles.mentions import KnownPerson, PeopleIndex, suggest_tags
from articles.models import (
    Article,
    Person,
    RejectedPersonName,
    RelatedHeadline,
    Section,
    TaggedArticle,
    default_section_id,
)
from articles.revisions import REVISION_BATCH, record_baseline, record_revisions
from articles.topics import suggest_subjects
from pictures.models import Picture

# Files a directory walk picks up; anything else there (images, notes) is skipped and listed.
STORY_SUFFIXES = frozenset({".txt", ".text", ".md", ".json", ".wire", ".xml", ".nitf", ""})
# Read-me, licence and notes files sit beside archives but are not stories.
NOT_STORY_NAMES = re.compile(
    r"(read[-_ ]?me|licen[cs]e|copying|notes?|change[-_ ]?log|changes|authors|contributing|manifest|todo)"
    r"(?:[-_. ].*)?\Z",
    re.IGNORECASE,
)
# The longest agency stories are well under 100 KB; 2 MB is a book. Larger files are refused
# before they are read, so one import's memory stays bounded (see benchmarks/bench_import.py).
MAX_FILE_BYTES = 2 * 1024 * 1024
# Part of each stored content digest: a parser that reads files differently re-reads unchanged ones.
PARSER_VERSION = "plain-2"
SOURCE_KEY_LENGTH = Article._meta.get_field("source_key").max_length
# Files are read a batch ahead, so one query finds which of them were imported before with the same bytes;
# what was read is kept for its turn up to a byte budget (the rest is read again), so memory stays bounded.
READ_AHEAD_FILES = 200
READ_AHEAD_BYTES = 16 * 2**20
# Values per IN (...) of the lookups made for a batch: well under every backend's limit on parameters.
LOOK_UP_CHUNK = 500
STDIN_LABEL = "<stdin>"


class ImportProblem(Exception):
    """A file the importer cannot save; names the file and, when known, the field."""

    def __init__(self, message, *, source, field=None, line=None):
        self.message = message
        self.source = source
        self.field = field
        self.line = line
        location = source if line is None else f"{source}:{line}"
        super().__init__(f"{location}: {field}: {message}" if field else f"{location}: {message}")


IMPORT_ERRORS = (formats.FormatError, ImportProblem)


@dataclass(frozen=True)
class Source:
    label: str  # how messages name the input
    name: str  # what source keys are made from: the path below the folder named, or the file's name; "" for stdin
    folder: Path  # image paths are relative to it
    path: Path | None = None
    stream: BinaryIO | None = None
    found_by_walk: bool = False  # a folder walk found it: a file that is not text is skipped, not refused
    skipped: str = ""  # why a folder walk passed it over
    root: Path | None = None  # the folder named on the command line: images may not come from outside it
    # Where the file is on this machine (the resolved folder named, then `name`): a key moves to different
    # text only from the same place. "" for stdin.
    origin: str = ""

    def read(self):
        if self.stream is not None:
            data = self.stream.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise ImportProblem(f"larger than the {MAX_FILE_BYTES // 2**20} MB limit", source=self.label)
            return data
        try:
            size = self.path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ImportProblem(
                    f"is {size / 2**20:.1f} MB, larger than the {MAX_FILE_BYTES // 2**20} MB limit", source=self.label
                )
            return self.path.read_bytes()
        except FileNotFoundError:
            raise ImportProblem("no such file", source=self.label) from None
        except IsADirectoryError:
            raise ImportProblem("is a directory", source=self.label) from None
        except OSError as error:
            raise ImportProblem(f"cannot be read: {error.strerror}", source=self.label) from None


def find_sources(paths: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Source]:
    """Each story file named, in order; directories are walked in sorted path order."""
    for given in paths:
        if given == "-":
            stream = getattr(stdin, "buffer", stdin)
            yield Source(label=STDIN_LABEL, name="", folder=Path.cwd(), stream=stream, root=Path.cwd())
            continue
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, (), root=path, resolved_root=path.resolve())
        else:
            origin = str(path.resolve())
            yield Source(label=given, name=path.name, folder=path.parent, path=path, root=path.parent, origin=origin)


def _walk(folder, below, root, resolved_root):
    # Entries sorted by name, descending into folders where they fall, gives
    # the order of the sorted full paths without ever listing them all.
    # `below` is the path from the folder named on the command line: the source key.
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            if not entry.name.startswith("."):
                yield from _walk(path, (*below, entry.name), root, resolved_root)
            continue
        if not entry.is_file():
            continue
        source = Source(
            label=str(path),
            name="/".join((*below, entry.name)),
            folder=folder,
            path=path,
            root=root,
            origin=str(resolved_root.joinpath(*below, entry.name)),
            found_by_walk=True,
        )
        if reason := _not_a_story(entry.name):
            source = replace(source, skipped=reason)
        yield source


def _not_a_story(name):
    if name.startswith("."):
        return "hidden file"
    if NOT_STORY_NAMES.match(name):
        return "read-me, licence or notes file"
    if Path(name).suffix.lower() not in STORY_SUFFIXES:
        return "not a story file type"
    return ""


# --- what an import reports -------------------------------------------------


@dataclass(frozen=True)
class PersonLink:
    name: str
    role: str = ""
    created: bool = False


@dataclass(frozen=True)
class HeadlineLink:
    headline: str
    target: str = ""  # slug of the story on this site it links to
    url: str = ""
    waiting_for: str = ""  # slug of a story not imported yet


@dataclass(frozen=True)
class StoryReport:
    source: str
    outcome: str  # "created", "updated" or "unchanged"
    slug: str
    headline: str
    headline_derived: bool
    changed: tuple[str, ...]
    tags: tuple[str, ...]
    tags_suggested: bool
    people: tuple[PersonLink, ...]
    links: tuple[HeadlineLink, ...]
    linked_waiting: int  # headlines under other stories that now link to this one
    warnings: tuple[str, ...]
    held_for_review: bool = False  # created in review because its headline had to be derived
    reread: bool = True  # False: the file was unchanged since its last import, so it was not parsed


@dataclass
class ImportReport:
    dry_run: bool = False
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people_created: int = 0
    headlines_linked: int = 0
    held_for_review: int = 0
    failures: list[ImportProblem | formats.FormatError] = field(default_factory=list)
    waiting_for: set[str] = field(default_factory=set)  # slugs referenced but never imported
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it is not a story)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, the identical file imported)

    def count(self, story):
        setattr(self, story.outcome, getattr(self, story.outcome) + 1)
        self.people_created += sum(person.created for person in story.people)
        self.headlines_linked += story.linked_waiting
        self.held_for_review += story.held_for_review


# --- the import -----------------------------------------------------------------


class Importer:
    """One import run. Known people are loaded once; everything else is looked up per story."""

    def __init__(
        self,
        *,
        status: str | None = None,
        published_at: datetime | None = None,
        dry_run: bool = False,
        continue_on_error: bool = False,
        on_story: Callable[[StoryReport], None] | None = None,
        on_file: Callable[[Source], None] | None = None,
    ):
        self.status = status
        self.published_at = published_at
        self.dry_run = dry_run
        self.continue_on_error = continue_on_error
        self.on_story = on_story or (lambda story: None)
        self.on_file = on_file or (lambda source: None)
        self._agency = agency_items.Gate(status_given=status is not None)
        self._image_storage = Picture._meta.get_field("file").storage
        self._stored_images = []  # names of the pictures' files this run stored, removed if it rolls back
        self._keys_seen = {}  # source key -> the input that imported it in this run
        self._files_seen = {}  # content digest -> the first file with those bytes in this run
        self._saved = []  # (file, its story reports), told to on_story once they are committed
        self._file_reached_people = False  # whether the current file got as far as linking people
        self._waiting_by_slug = {}  # slug -> ids of headlines saved before their target
        self._tag_ids = {}  # folded name -> tag id, filled as tags are used
        self._section_ids = {}  # folded name or slug -> section id, filled as sections are used
        self._author_ids = None  # folded name or alias of staff and contributors -> person id, loaded once
        self._read_ahead = {}  # source -> (bytes or None when over the budget, content digest)
        self._digests_looked_up = set()  # the import digests of the files read ahead
        self._keys_looked_up, self._keys_taken = set(), set()  # file keys of the files read ahead; those stored
        self._stored_by_digest = {}  # import digest -> stored stories' rows, for the files read ahead
        self._revisions_due = []  # (new story, revision message), recorded a batch at a time
        # New stories whose rows are written together, a batch at a time (see _write_new_stories), with the
        # slugs and headline keys they hold, so the stories after them still see them.
        self._new_stories, self._new_slugs, self._new_headline_keys = [], set(), set()
        self._slug_floors = {}  # slug base -> the lowest number that may be free (lower ones are taken)
        self._parsed_ahead = {}  # source -> its stories (or the error parsing it raised), for files new here
        self._ahead = None  # _LookedUpAhead: what the batch's new stories look up, until a story is written
        self._unlinked_keys = set()  # headline keys of stored headlines that link nowhere yet (a superset)
        self._legacy_keys_exist = False  # stories keyed by file name alone, from before keys held folders

    def run(self, sources: Iterable[Source]) -> ImportReport:
        report = ImportReport(dry_run=self.dry_run)
        try:
            with transaction.atomic():
                self._load_people()
                self._load_run_state()
                for batch in _batches(sources, READ_AHEAD_FILES):
                    self._read_batch_ahead(batch)
                    for source in batch:
                        self._run_file(source, report)
                        self.on_file(source)
                        # New stories' first revisions are recorded together, a batch at a time.
                        if len(self._revisions_due) >= REVISION_BATCH:
                            self._record_due_revisions()
                self._record_due_revisions()
                if self.dry_run:
                    transaction.set_rollback(True)
        except BaseException:
            self._discard_images(0)
            raise
        # Only now are the stories saved (or, in a dry run, known to be savable): a refused run
        # never reports stories it rolled back.
        for story in self._saved:
            self.on_story(story)
        report.waiting_for = set(self._waiting_by_slug)
        return report

    def _run_file(self, source, report):
        if source.skipped:
            report.skipped.append((source.label, source.skipped))
            return
        if not self.continue_on_error:
            stories = self._import_file(source, report)
        else:
            images_before, keys_before = len(self._stored_images), len(self._keys_seen)
            files_before, revisions_before = len(self._files_seen), len(self._revisions_due)
            sections_before = len(self._section_ids)
            self._file_reached_people = False
            # Usually empty or small: headlines waiting for a slug not imported yet.
            waiting_before = {slug: list(ids) for slug, ids in self._waiting_by_slug.items()}
            try:
                with transaction.atomic():
                    stories = self._import_file(source, report)
            except IMPORT_ERRORS as problem:
                # The savepoint is gone, so forget what this file added in memory too: the
                # cost of a bad file must not grow with what the database holds.
                self._discard_images(images_before)
                _forget_after(self._keys_seen, keys_before)
                _forget_after(self._files_seen, files_before)
                _forget_after(self._section_ids, sections_before)  # a section it opened was rolled back
                del self._revisions_due[revisions_before:]
                self._waiting_by_slug = waiting_before
                self._tag_ids = {}
                self._slug_floors = {}  # the slugs it took are free again
                if self._file_reached_people:
                    # It failed after linking people (a database error): what it made or noted of them
                    # was rolled back, so read them again. Files refused earlier cost nothing here.
                    self._load_people()
                report.failures.append(problem)
                return
        if stories is None:
            return
        report.files += 1
        for story in stories:
            report.count(story)
        self._saved += stories

    def _load_run_state(self):
        # Read once per run, never per file, so a file costs the same whatever the database holds.
        self._unlinked_keys = set(
            RelatedHeadline.objects.filter(target__isnull=True, url="").values_list("headline_key", flat=True)
        )
        self._legacy_keys_exist = (
            Article.objects.filter(import_origin="", source_key__startswith="file:")
            .exclude(source_key__contains="/")
            .exists()
        )

    def _read_batch_ahead(self, batch):
        """Read the batch's files and find in one query the stories stored from the same bytes."""
        self._read_ahead, budget = {}, READ_AHEAD_BYTES
        for source in batch:
            if source.skipped or source.stream is not None:
                continue  # stdin is read once, in its turn
            try:
                data = source.read()
            except ImportProblem:
                continue  # reported in its turn
            budget -= len(data)
            self._read_ahead[source] = (data if budget >= 0 else None, hashlib.sha256(data).hexdigest())
        digests = {f"{PARSER_VERSION}:{content}" for _, content in self._read_ahead.values()}
        self._digests_looked_up, self._stored_by_digest = digests, {}
        rows = Article.objects.filter(import_digest__in=digests).values_list(
            "import_digest", "pk", "source_key", "slug", "headline", "lead_library_picture", "import_origin"
        )
        for digest, *row in rows:
            self._stored_by_digest.setdefault(digest, []).append(tuple(row))
        # Which of their file keys are taken, so a new file's story is known to be new without a query of its
        # own. Only that is read ahead: a stored story is read in its turn, as it then stands.
        keys = {_key_text(f"file:{source.name}") for source in self._read_ahead if source.name}
        self._keys_looked_up = keys
        self._keys_taken = set(Article.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
        self._parse_ahead()

    def _parse_ahead(self):
        """Parse the batch's files new to the database (parsing is pure) and look up together what their
        stories will: the slugs their headlines may take and the stories their headlines name."""
        self._parsed_ahead, self._ahead = {}, None
        if self.continue_on_error:
            return  # each story is written in its file's turn, so nothing looked up ahead would stand
        for source, (data, content) in self._read_ahead.items():
            if data is None or f"{PARSER_VERSION}:{content}" in self._stored_by_digest or b"\x00" in data[:8192]:
                continue
            try:
                self._parsed_ahead[source] = formats.parse(data, source.label)
            except Exception as error:  # raised in the file's turn, as if it were parsed then
                self._parsed_ahead[source] = error
        stories = [
            story
            for parsed in self._parsed_ahead.values()
            if not isinstance(parsed, Exception)
            for story in parsed
            if story.item is None
        ]
        repeats = Counter(_slug_base(story.headline, "story") for story in stories if not story.slug)
        ahead = _LookedUpAhead()
        for base, count in repeats.items():
            floor = self._slug_floors.get(base, 1)
            ahead.slug_numbers[base] = range(floor, floor + count + 9)  # room for each repeat to take one
        for story in stories:
            slugs, keys = _named_by(story)
            ahead.slugs.update(slugs)
            ahead.keys.update(keys)
        candidates = [
            slug for base, numbers in ahead.slug_numbers.items() for slug, _ in _slug_candidates(base, numbers)
        ]
        for chunk in _chunks([*ahead.slugs, *candidates], LOOK_UP_CHUNK):
            for slug, pk in Article.objects.filter(slug__in=chunk).order_by().values_list("slug", "pk"):
                ahead.targets.slugs_taken.add(slug)
                if slug in ahead.slugs:
                    ahead.targets.by_slug[slug] = pk
        for chunk in _chunks(sorted(ahead.keys), LOOK_UP_CHUNK):
            # Newest first, so the most recent story with that headline is the one linked.
            found = Article.objects.filter(headline_key__in=chunk).order_by("-published_at", "-id")
            for key, slug, pk in found.values_list("headline_key", "slug", "pk"):
                ahead.targets.by_key.setdefault(key, (slug, pk))
        self._ahead = ahead

    def _import_file(self, source, report):
        """The file's story reports, or None when it is skipped (not text, or a copy of one imported)."""
        data, content = self._read_ahead.pop(source, (None, None))
        if data is None:
            data = source.read()
            content = hashlib.sha256(data).hexdigest()
        if content in self._files_seen:
            report.duplicates.append((source.label, self._files_seen[content]))
            return None
        if source.found_by_walk and b"\x00" in data[:8192]:
            report.skipped.append((source.label, "not text"))
            return None
        self._files_seen[content] = source.label
        digest = f"{PARSER_VERSION}:{content}"
        if (unchanged := self._unchanged(source, digest)) is not None:
            return unchanged
        parsed = self._parsed_ahead.pop(source, None)
        if isinstance(parsed, Exception):
            raise parsed
        stories = formats.parse(data, source.label) if parsed is None else parsed
        try:
            return [self._import_story(source, story, digest) for story in stories]
        except DatabaseError as error:
            raise ImportProblem(f"the database refused it: {error}", source=source.label) from error

    def _unchanged(self, source, digest):
        """Reports for the stories of a file imported before with these very bytes, or None to read it.

        Run-wide --status or --published-at may change stored stories, and a lead image may have changed
        on disk, so those go the long way.
        """
        if self.status or self.published_at or not source.name:
            return None
        if digest in self._digests_looked_up:
            stored = self._stored_by_digest.get(digest, [])
        else:
            stored = list(
                Article.objects.filter(import_digest=digest).values_list(
                    "pk", "source_key", "slug", "headline", "lead_library_picture", "import_origin"
                )
            )
        # Agency items go the long way: their versions decide what an item becomes.
        if not stored or any(lead or key.startswith("guid:") for _, key, _, _, lead, _ in stored):
            return None
        own_key = _key_text(f"file:{source.name}")
        for _, key, *_ in stored:
            if key in self._keys_seen:
                return None  # another file of this run claimed the story: let the long way say so
        for pk, key, _, _, _, origin in stored:
            self._keys_seen[key] = source.label
            if source.origin and origin != source.origin and key.startswith(own_key):
                # The same file from its new place (a copy, another mount): later edits there are its own.
                Article.objects.filter(pk=pk).update(import_origin=source.origin)
        return [
            StoryReport(
                source=source.label,
                outcome="unchanged",
                slug=slug,
                headline=headline,
                headline_derived=False,
                changed=(),
                tags=(),
                tags_suggested=False,
                people=(),
                links=(),
                linked_waiting=0,
                warnings=(),
                reread=False,
            )
            for _, _, slug, headline, _, _ in stored
        ]

    # --- one story -----------------------------------------------------------------

    def _import_story(self, source, story, digest):
        if story.item is not None:
            # An item's versions are looked up and written one by one: they decide what the item becomes.
            self._write_new_stories()
            held = self._agency.held(story)
            if held:
                return self._held_report(story, held)
            story = self._agency.prepared(source, story)
        key = self._source_key(source, story)
        # Versions of one agency item may come in one run: the item's version decides, not the order.
        if key in self._keys_seen and story.item is None:
            raise ImportProblem(
                f"is the same story as {self._keys_seen[key]} (source key {key!r}); give each a distinct slug",
                source=story.source,
                field="slug" if story.slug else None,
            )
        self._keys_seen[key] = story.source
        if story.slug in self._new_slugs:
            self._write_new_stories()  # so the story holding that slug is found, and the slug refused
        article = self._find_article(story, key) or self._adopt_legacy_article(source, story, key)
        created = article is None
        if created:
            base = "" if story.slug else _slug_base(story.headline, "story")
            targets, candidates = self._new_story_lookups(story, base)
            article = Article(
                slug=story.slug or self._free_slug(base, candidates, targets.slugs_taken),
                source_key=key,
                section_id=self._section_id(story.section) if story.section else self._default_section_id(),
            )
            new = _NewStory(article, story.source)
        else:
            # An edit reads and rewrites what other stories link to: the new stories before it go in first.
            self._write_new_stories()
            new = None
            targets = None  # looked up once its headline is settled
            self._check_own_file(article, source, story, digest)
            # A story entered before revisions existed keeps its old text as a revision before the import edits it.
            record_baseline(article)

        changed = self._apply_fields(article, story, created)
        if "slug" in changed:
            self._slug_floors = {}  # its old slug is free again
        # Bookkeeping of the import, not an edit: never reported as a change.
        if any(ref.slug for ref in story.related_headlines):
            # Headlines naming a story by slug link when it arrives, found by parsing this file again:
            # such a story never takes the unchanged-file shortcut (the digest no longer matches).
            digest = f"by-slug:{digest.partition(':')[2]}"
        article.import_digest, article.import_origin = digest, source.origin
        image = self._read_image(source, story)
        if image:
            changed.extend(self._take_lead_picture(article, story, image))

        tags, tags_suggested, tags_changed = self._sync_tags(article, story, new)
        if tags_changed:
            changed.append("tags")
        self._file_reached_people = True
        people = self._people(story)
        links, rows = self._related(story, article, targets or self._find_targets(story, article.pk))
        if self._sync_people(article, [pk for pk, _ in people], new):
            changed.append("people")
        if self._sync_related(article, links, rows, new):
            changed.append("related_headlines")
        authors = self._byline_people(story)
        if new is not None:
            self._hold_new_story(new)
            if self._new_story_needed_now(story, new, authors):
                self._write_new_stories()
        if self._sync_authors(article, authors, created, byline_changed="byline" in changed):
            changed.append("authors")
        if changed and not created:
            article.save()
        linked_waiting = self._link_waiting_headlines(article, created or "headline" in changed)
        if created and story.item is None:
            # Recorded with the batch's other new stories; an agency item's versions may follow in this run.
            self._revisions_due.append((article, f"Imported from {source.label}"))
        elif created or changed:
            article.record_revision(None, f"Imported from {source.label}")
        if not changed and not created:
            # Bookkeeping only (a new place, a new parser, a key that gained its folder): no revision.
            bookkeeping = {"import_digest": digest, "import_origin": source.origin, "source_key": key}
            Article.objects.filter(pk=article.pk).exclude(**bookkeeping).update(**bookkeeping)
        if story.item is not None:
            self._agency.remember(article, story)

        return StoryReport(
            source=story.source,
            outcome="created" if created else "updated" if changed else "unchanged",
            slug=article.slug,
            headline=article.headline,
            headline_derived=story.headline_derived,
            changed=() if created else tuple(changed),
            tags=tuple(tags),
            tags_suggested=tags_suggested,
            people=tuple(link for _, link in people),
            links=tuple(links),
            linked_waiting=linked_waiting,
            warnings=story.warnings,
            held_for_review=created and story.headline_derived and article.status == Article.Status.IN_REVIEW,
        )

    # --- new stories, written a batch at a time -------------------------------------------

    def _hold_new_story(self, new):
        # What the stories after it look up in the database before it is written: its slug and headline.
        new.article.headline_key = formats.headline_key(new.article.headline)
        self._new_stories.append(new)
        self._new_slugs.add(new.article.slug)
        self._new_headline_keys.add(new.article.headline_key)

    def _new_story_needed_now(self, story, new, authors):
        """Whether what follows in this story's import needs its rows (and those held before it) written."""
        article = new.article
        return (
            # A refused file's savepoint must hold all it wrote.
            self.continue_on_error
            or story.item is not None
            or bool(story.image)  # its renditions are built on commit
            or bool(authors)
            or any(link.waiting_for for link in new.links)
            # Headlines stored earlier wait for this story: linking them needs its id, and theirs written.
            or article.slug in self._waiting_by_slug
            or article.headline_key in self._unlinked_keys
        )

    def _write_new_stories(self):
        """Write the new stories held back: each table's rows for all of them in one statement, in their
        order, so ids come out as if written one by one, and a refusal still names the story's file."""
        stories, self._new_stories = self._new_stories, []
        self._new_slugs, self._new_headline_keys = set(), set()
        self._ahead = None  # a story written (or edited, which writes these first) may take a slug or headline
        if stories:
            _insert_naming_refused(stories)
        for new in stories:
            self._remember_waiting(new.links, [row.pk for row in new.headlines])

    def _record_due_revisions(self):
        self._write_new_stories()
        messages = {article.pk: message for article, message in self._revisions_due}
        record_revisions([article for article, _ in self._revisions_due], None, lambda article: messages[article.pk])
        self._revisions_due = []

    def _check_own_file(self, article, source, story, digest):
        # A file key names a path, and two machines' trees share paths: different text under a
        # known key is an edit only when it comes from the file the story was imported from.
        if not article.source_key.startswith("file:") or not (article.import_origin and source.origin):
            return
        same_text = article.import_digest.partition(":")[2] == digest.partition(":")[2]
        if article.import_origin != source.origin and not same_text:
            raise ImportProblem(
                f"its source key {article.source_key!r} belongs to a different story, imported from "
                f"{article.import_origin}; import the folder that holds both so each is keyed by its own "
                "path, or give this file a slug",
                source=story.source,
            )

    def _adopt_legacy_article(self, source, story, key):
        """A story keyed by file name alone before keys held folders, when it is this file's story."""
        legacy = _key_text(f"file:{Path(source.name).name}{story.source.removeprefix(source.label)}")
        if not self._legacy_keys_exist or "/" not in source.name or legacy == key:
            return None
        article = Article.objects.filter(source_key=legacy, import_origin="").first()
        if article is None or _text_key(article.body_text) != _text_key(f"{story.dateline} {story.body}"):
            return None
        article.source_key = key
        return article

    def _held_report(self, story, held):
        """An agency item that changed no copy (older version, cancellation), reported with why."""
        article = held.article
        return StoryReport(
            source=story.source,
            outcome="updated" if held.taken_down else "unchanged",
            slug=article.slug if article else "",
            headline=article.headline if article else "",
            headline_derived=False,
            changed=("status",) if held.taken_down else (),
            tags=(),
            tags_suggested=False,
            people=(),
            links=(),
            linked_waiting=0,
            warnings=(held.warning,),
        )

    def _source_key(self, source, story):
        if story.item is not None:
            return agency_items.source_key(story.item.guid)
        if story.slug:
            key = f"slug:{story.slug}"
        elif source.name:
            # A list in a JSON file numbers its stories: "stories.json#3".
            key = f"file:{source.name}{story.source.removeprefix(source.label)}"
        else:
            key = f"stdin:{slugify(story.headline)}"
        return _key_text(key)

    def _find_article(self, story, key):
        if not story.slug and key in self._keys_looked_up and key not in self._keys_taken:
            return None  # no story had this key when its file was read ahead, and none of this run took it
        # Spelled as the unique index's condition, so SQLite uses the partial index too.
        match = Q(source_key=key) & ~Q(source_key="")
        found = list(Article.objects.filter(match | Q(slug=story.slug) if story.slug else match))
        for article in found:
            if article.source_key != key:
                origin = f"the story imported as {article.source_key!r}" if article.source_key else "a story made here"
                raise ImportProblem(f"{story.slug!r} is already used by {origin}", source=story.source, field="slug")
        return found[0] if found else None

    def _free_slug(self, base, candidates, taken):
        """The first free slug of `candidates` ((slug, number) from `_slug_candidates`, from the lowest number
        that may be free; `taken` those stored), or of the numbers after them."""
        free = [(slug, number) for slug, number in candidates if slug not in taken and slug not in self._new_slugs]
        after = candidates[-1][1] + 1 if candidates else self._slug_floors.get(base, 1)
        slug, number = free[0] if free else _free_slug(Article, base, after, self._new_slugs)
        # Wire headlines repeat ("Oil prices rise again"): the run remembers how far each base's numbers are
        # taken, so the hundredth story of a headline costs one lookup, not ten.
        self._slug_floors[base] = number + 1
        return slug

    def _apply_fields(self, article, story, created):
        # A machine-made headline is a first draft: such a story waits in review for an editor.
        new_status = Article.Status.IN_REVIEW if story.headline_derived else Article.Status.PUBLISHED
        status = self.status or story.status or (new_status if created else article.status)
        published_at = self.published_at or story.published_at or article.published_at
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
        values = {
            "summary": story.summary,
            # Markup from a structured source, sanitised; plain text as escaped paragraphs, exactly as before.
            "body": body_markup.sanitise(story.body_html)
            if story.body_html
            else body_markup.from_paragraphs(story.paragraphs),
            "byline": story.byline,
            "dateline": story.dateline,
            "source": story.source_agency,
            "status": status,
            "published_at": published_at,
        }
        if story.section:
            values["section_id"] = self._section_id(story.section)
        # A derived headline is a first draft: never overwrite what an editor wrote since.
        if created or not story.headline_derived:
            values["headline"] = story.headline
        if story.slug:
            values["slug"] = story.slug
        changed = [name for name, value in values.items() if getattr(article, name) != value]
        for name in changed:
            setattr(article, name, values[name])
        return [] if created else changed

    # --- the lead image --------------------------------------------------------------

    def _read_image(self, source, story):
        """The story's picture, read from inside the import's folder and prepared as an admin upload is."""
        if not story.image:
            return None
        path = self._image_path(source, story)
        try:
            with open(path, "rb") as file:
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    raise ImportProblem(f"{story.image} is not a file", source=story.source, field="image")
                # One byte over the limit is enough for the check to refuse it; never more in memory.
                data = file.read(settings.IMAGE_MAX_BYTES + 1)
        except FileNotFoundError:
            raise ImportProblem(
                f"cannot read {story.image}: no such file", source=story.source, field="image"
            ) from None
        except OSError as error:
            raise ImportProblem(
                f"cannot read {story.image}: {error.strerror}", source=story.source, field="image"
            ) from None
        try:
            images.validate_image(ContentFile(data))
        except ValidationError as error:
            reasons = " ".join(error.messages)
            raise ImportProblem(f"{story.image}: {reasons}", source=story.source, field="image") from None
        return _ImageData(name=posixpath.basename(story.image), data=data, digest=hashlib.sha256(data).hexdigest())

    def _image_path(self, source, story):
        """Where the picture is, refused if the path leaves the import's folder by `..` or a symlink.

        The refusal reads the same whether or not something exists there, so an import cannot be used to
        probe the server's files.
        """
        relative = Path(story.image)
        if relative.is_absolute():
            raise ImportProblem("must be a path relative to the story file", source=story.source, field="image")
        root = (source.root or source.folder).resolve()
        # resolve() follows every symlink on the way, so what is checked is where the bytes really are.
        path = (source.folder / relative).resolve()
        if not path.is_relative_to(root):
            raise ImportProblem(
                f"{story.image} is outside the folder being imported ({source.root or source.folder}); "
                "pictures must be inside it",
                source=story.source,
                field="image",
            )
        return path

    def _take_lead_picture(self, article, story, image):
        """Make the file's picture the story's lead: the library picture brought in with these very bytes if
        there is one (so importing a photo again adds nothing), else a new one, cleaned and described from its
        own metadata as an upload to the library is. Returns what changed."""
        current = article.lead_library_picture if article.lead_library_picture_id else None
        if current is not None and self._same_picture(current, image):
            picture = current
        else:
            picture = Picture.objects.filter(digest=image.digest).order_by("pk").first()
        # What the file says about its picture, cut to what the library keeps; its words stay where the file is
        # silent.
        said = {"alt": story.image_alt, "caption": story.image_caption, "credit": story.image_credit}
        description = {name: value[: Picture._meta.get_field(name).max_length] for name, value in said.items()}
        if picture is None:
            if not self.dry_run:
                picture = Picture(file=ContentFile(image.data, name=image.name), digest=image.digest, **description)
                picture.save()  # its renditions are built once the import commits (Picture.save)
                self._stored_images.append(picture.file.name)
                article.lead_library_picture = picture
            return ["lead_image"]
        changed = []
        if picture.pk != article.lead_library_picture_id:
            article.lead_library_picture = picture
            changed.append("lead_image")
        # A picture other stories lead with keeps its words, only gaining those it lacks: two files describing
        # one photo differently would otherwise rewrite it at every import.
        own = not picture.lead_stories.exclude(pk=article.pk).exists()
        described = {
            name: value
            for name, value in description.items()
            if value and (own or not getattr(picture, name)) and getattr(picture, name) != value
        }
        if described:
            for name, value in described.items():
                setattr(picture, name, value)
            picture.save(update_fields=list(described))
            changed.extend(f"lead_image_{name}" for name in described)
        return changed

    def _same_picture(self, picture, image):
        if picture.digest:
            return picture.digest == image.digest
        # A picture from before digests were kept (a lead uploaded before the library): its stored file is what
        # cleaning these bytes made then, if they are the same photo. Remember the digest for next time.
        try:
            cleaned = images.prepare_picture(ContentFile(image.data), image.name).read()
            with picture.file.open("rb") as stored:
                same = stored.read() == cleaned
        except (OSError, ValidationError):
            return False  # the stored file went missing: store it again
        finally:
            picture.file.close()
        if same:
            Picture.objects.filter(pk=picture.pk).update(digest=image.digest)
            picture.digest = image.digest
        return same

    def _discard_images(self, keep):
        # Files are not part of the transaction: remove the ones a rolled-back import stored.
        for name in self._stored_images[keep:]:
            self._image_storage.delete(name)
        del self._stored_images[keep:]

    # --- tags --------------------------------------------------------------------------

    def _sync_tags(self, article, story, new):
        """The story's tags, whether they were suggested, and whether an existing story's changed.

        A new story's tag rows are held in `new`, written with its batch."""
        if story.tags:
            names = list(story.tags)
            if new is None and _folded(article.tags.names()) == _folded(names):
                return names, False, False
            self._set_tags(article, names, new)
            return names, False, new is None
        if new is not None:
            # What the story is about first (a subject from the controlled vocabulary), then where and who.
            names = [*suggest_subjects(story.paragraphs), *suggest_tags(story.paragraphs, people=self._people_index)]
            self._set_tags(article, names, new)
            return names, True, False
        # Suggestions only start a new story: editors may have changed its tags since.
        return list(article.tags.names()), False, False

    def _set_tags(self, article, names, new):
        # Through rows written in one statement: the tag manager's set() costs a
        # get_or_create with a savepoint per tag, five queries a tag.
        tag_ids = [self._tag_id(name) for name in names]
        if new is not None:
            new.tag_ids = tag_ids
            return
        TaggedArticle.objects.filter(content_object=article).exclude(tag_id__in=tag_ids).delete()
        tag_ids = set(tag_ids) - set(article.tagged_items.values_list("tag_id", flat=True))
        TaggedArticle.objects.bulk_create(TaggedArticle(content_object=article, tag_id=pk) for pk in tag_ids)

    def _tag_id(self, name):
        if name.casefold() not in self._tag_ids:
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            self._tag_ids[name.casefold()] = tag.pk
        return self._tag_ids[name.casefold()]

    # --- people -----------------------------------------------------------------------

    def _load_people(self):
        """Only what editors curated steers detection, so a story's links never depend on import order.

        Detection sees editor-reviewed people (their names and the aliases editors entered) and the
        names editors rejected. Anyone else is linked by full name only, looked up after detection.
        """
        curated, self._person_by_name, self._found_as, self._with_role = [], {}, {}, set()
        people = Person.objects.values_list("pk", "name", "aliases", "found_automatically", "found_as", "role")
        for pk, name, aliases, automatic, found_as, role in people.iterator():
            alias_list = tuple(alias.strip() for alias in aliases.splitlines() if alias.strip())
            self._person_by_name.setdefault(name.casefold(), pk)
            self._found_as[pk] = set(found_as or ())
            if role:
                self._with_role.add(pk)
            if not automatic:
                curated.append(KnownPerson(key=pk, name=name, aliases=alias_list))
        for person in curated:
            for alias in person.aliases:
                self._person_by_name.setdefault(alias.casefold(), person.key)
        self._rejected = set(RejectedPersonName.objects.values_list("name", flat=True))
        self._rejected_folded = {name.casefold() for name in self._rejected}
        self._people_index = PeopleIndex(curated, rejected=self._rejected)

    def _people(self, story):
        """(pk, PersonLink) for each person named by the file or found in the body, in order."""
        people = {}
        for ref in story.people:
            if ref.name.casefold() in self._rejected_folded:
                continue
            pk, link = self._person(ref.name, ref.role, ref.aliases)
            people.setdefault(pk, link)
        # An agency item that names its people has chosen them: nobody is guessed from its text, and
        # the organisations and places it names are never taken for people.
        chosen = story.item is not None and bool(story.people)
        not_people = {c.name.casefold() for c in story.item.organisations + story.item.places} if story.item else set()
        for mention in () if chosen else self._people_index.find(story.paragraphs):
            if mention.name.casefold() in not_people:
                continue
            if mention.known_key is not None:
                pk, link = mention.known_key, PersonLink(mention.name, mention.role)
            elif not story.people:
                # A file that lists its people has chosen them: the body only adds curated ones.
                pk, link = self._person(mention.name, mention.role, (), forms=mention.forms)
            else:
                continue
            people.setdefault(pk, link)
            self._remember_forms(pk, mention.forms)
        return list(people.items())

    def _person(self, name, role, aliases, forms=()):
        pk = self._person_by_name.get(name.casefold())
        if pk is not None:
            if (role and pk not in self._with_role) or aliases:
                self._complete_person(pk, role, aliases)
            return pk, PersonLink(name, role)
        # Created by the import, so unreviewed: editors merge, correct or reject it in the People admin.
        person = Person(
            name=name,
            role=role,
            aliases="\n".join(aliases),
            slug=self._free_person_slug(name),
            found_automatically=True,
            found_as=sorted(forms),
        )
        person.save()
        self._person_by_name[name.casefold()] = person.pk
        self._found_as[person.pk] = set(forms)
        if role:
            self._with_role.add(person.pk)
        return person.pk, PersonLink(name, role, created=True)

    def _remember_forms(self, pk, forms):
        # What editors see in the People admin: how stories named this person. Not part of any story.
        known = self._found_as.setdefault(pk, set())
        if forms and not known.issuperset(forms):
            known.update(forms)
            Person.objects.filter(pk=pk).update(found_as=sorted(known))

    def _complete_person(self, pk, role, aliases):
        # A file may add a missing role or alias to someone known; it never replaces an editor's. Aliases
        # of a person editors reviewed are theirs alone: detection reads them, so a file changing them
        # would change what other files link to on the next run.
        person = Person.objects.get(pk=pk)
        allowed = aliases if person.found_automatically else ()
        missing = [alias for alias in allowed if alias not in person.alias_list]
        if (role and not person.role) or missing:
            person.role = person.role or role
            person.aliases = "\n".join([*person.alias_list, *missing])
            person.save(update_fields=["role", "aliases"])
        if person.role:
            self._with_role.add(pk)

    def _free_person_slug(self, name):
        return _free_slug(Person, _slug_base(name, "person"))[0]

    def _sync_people(self, article, pks, new):
        if new is not None:
            new.person_ids = pks  # a new story has no links for set() to look up and take away
            return False
        if set(article.people.values_list("pk", flat=True)) == set(pks):
            return False
        article.people.set(pks)
        return True

    # --- section and bylines ------------------------------------------------------------

    def _default_section_id(self):
        if None not in self._section_ids:
            self._section_ids[None] = default_section_id()
        return self._section_ids[None]

    def _section_id(self, name):
        """The section a file names, by slug or name; a new name opens a new main section."""
        folded = name.strip().casefold()
        if folded not in self._section_ids:
            section = Section.objects.filter(Q(slug=slugify(name)) | Q(name__iexact=name.strip())).first()
            if section is None:
                section = Section.objects.create(
                    name=name.strip(), slug=_free_slug(Section, slugify(name) or "section")[0]
                )
            self._section_ids[folded] = section.pk
        return self._section_ids[folded]

    def _byline_people(self, story):
        """The staff or contributors the byline names, in order, or [] unless every name is one of them
        (a byline naming someone else stays free text, so nobody's name is dropped from it)."""
        names = bylines.person_names(story.byline, story.source_agency)
        if not names:
            return []
        if self._author_ids is None:
            self._author_ids = {}
            for pk, name, aliases in Person.objects.exclude(author_kind="").values_list("pk", "name", "aliases"):
                for known in [name, *aliases.splitlines()]:
                    if known.strip():
                        self._author_ids.setdefault(known.strip().casefold(), pk)
        pks = [self._author_ids.get(name.casefold()) for name in names]
        return [] if None in pks else list(dict.fromkeys(pks))

    def _sync_authors(self, article, wanted, created, byline_changed):
        # Nothing to link, and nothing linked by an earlier import of this byline to take away.
        if not wanted and (created or not byline_changed):
            return False
        changed = article.set_authors([Person(pk=pk) for pk in wanted])
        return changed and not created

    # --- related headlines --------------------------------------------------------------

    def _new_story_lookups(self, story, base):
        """A new story's headline targets (`_Targets`) and the (slug, number) candidates of its slug `base`:
        from what its batch looked up ahead while that still stands, else in one query of its own."""
        slugs, plain_keys = self._named_by_written(story)
        floor = self._slug_floors.get(base, 1)
        ahead = self._ahead
        numbers = ahead.slug_numbers.get(base) if ahead and base else None
        if (
            ahead
            and slugs <= ahead.slugs
            and plain_keys <= ahead.keys
            and (not base or (numbers and numbers.start <= floor))
        ):
            return ahead.targets, _slug_candidates(base, range(floor, numbers.stop)) if base else []
        candidates = _slug_candidates(base, range(floor, floor + 10)) if base else []
        return self._find_targets(story, None, [slug for slug, _ in candidates]), candidates

    def _named_by_written(self, story):
        """The slugs and headline keys the story's related headlines name, once any new story held back
        that they name is written (so it is found)."""
        slugs, plain_keys = _named_by(story)
        if self._new_slugs & slugs or self._new_headline_keys & plain_keys:
            self._write_new_stories()
        return slugs, plain_keys

    def _find_targets(self, story, own_pk, slugs_wanted=()):
        """The stories the story's related headlines name (by slug, or the newest by headline, never itself),
        and which of `slugs_wanted` are taken: one query."""
        slugs, plain_keys = self._named_by_written(story)
        targets = _Targets()
        if not (slugs or plain_keys or slugs_wanted):
            return targets
        wanted = Q(slug__in=[*slugs, *slugs_wanted])
        if plain_keys:
            wanted |= Q(headline_key__in=plain_keys)
        # Newest first, so the most recent story with that headline is the one linked.
        found = Article.objects.filter(wanted).order_by(*(("-published_at", "-id") if plain_keys else ()))
        for slug, key, pk in found.values_list("slug", "headline_key", "pk"):
            if slug in slugs:
                targets.by_slug[slug] = pk
            if key in plain_keys and pk != own_pk:
                targets.by_key.setdefault(key, (slug, pk))
            targets.slugs_taken.add(slug)
        return targets

    def _related(self, story, article, targets):
        """What each related headline links to, and the rows to store (with the slug each waits for)."""
        refs = story.related_headlines
        keys = [formats.headline_key(ref.headline) for ref in refs]
        links, rows = [], []
        for position, (ref, key) in enumerate(zip(refs, keys, strict=True), start=1):
            if ref.slug and ref.slug in targets.by_slug:
                target_pk, link = targets.by_slug[ref.slug], HeadlineLink(ref.headline, target=ref.slug)
            elif ref.slug:
                target_pk, link = None, HeadlineLink(ref.headline, waiting_for=ref.slug)
            elif ref.url:
                target_pk, link = None, HeadlineLink(ref.headline, url=ref.url)
            else:
                slug, target_pk = targets.by_key.get(key, ("", None))
                link = HeadlineLink(ref.headline, target=slug)
            links.append(link)
            rows.append(
                RelatedHeadline(
                    article=article,
                    position=position,
                    headline=ref.headline,
                    headline_key=key,
                    url=ref.url,
                    target_id=target_pk,
                )
            )
        return links, rows

    def _sync_related(self, article, links, rows, new):
        """Store the headlines unless they are stored already; True when an existing story's changed.

        A new story's rows are held in `new`, written with its batch."""
        if new is not None:
            new.headlines, new.links = rows, links
            self._unlinked_keys.update(row.headline_key for row in rows if row.target_id is None and not row.url)
            return False
        wanted = [(row.headline, row.url, row.target_id) for row in rows]
        stored = list(article.related_headlines.values_list("pk", "headline", "url", "target_id"))
        unchanged = [values for _, *values in stored] == [list(values) for values in wanted]
        if unchanged:
            ids = [pk for pk, *_ in stored]
        else:
            if stored:
                article.related_headlines.all().delete()
            ids = [row.pk for row in RelatedHeadline.objects.bulk_create(rows)]
            self._unlinked_keys.update(row.headline_key for row in rows if row.target_id is None and not row.url)
        self._remember_waiting(links, ids)
        return not unchanged

    def _remember_waiting(self, links, ids):
        # Headlines whose story (named by slug) may come later in this run.
        for pk, link in zip(ids, links, strict=True):
            if link.waiting_for:
                self._waiting_by_slug.setdefault(link.waiting_for, []).append(pk)

    def _link_waiting_headlines(self, article, headline_is_new):
        linked = 0
        waiting_ids = self._waiting_by_slug.pop(article.slug, None)
        if waiting_ids:
            linked += RelatedHeadline.objects.filter(pk__in=waiting_ids, target__isnull=True).update(target=article)
        if headline_is_new and article.headline_key in self._unlinked_keys:
            linked += (
                RelatedHeadline.objects.filter(target__isnull=True, url="", headline_key=article.headline_key)
                .exclude(article=article)
                .update(target=article)
            )
        return linked


@dataclass(frozen=True)
class _ImageData:
    name: str
    data: bytes
    digest: str


@dataclass
class _NewStory:
    """A new story held back to be written with the others of its batch: its row and the rows hanging off it."""

    article: Article
    source: str
    tag_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    headlines: list[RelatedHeadline] = field(default_factory=list)
    links: list[HeadlineLink] = field(default_factory=list)  # what each of `headlines` links to

    def unsaved(self):
        """Forget ids from a write that was rolled back, so the rows can be written again."""
        self.article.pk, self.article._state.adding = None, True
        for row in self.headlines:
            row.pk, row._state.adding = None, True
            row.article = self.article


def _insert_new_stories(stories):
    Article.objects.bulk_create([new.article for new in stories])
    # Each story's search keywords once, after all its links, not once per tag and person.
    with triggers.keywords_deferred(connection, [new.article.pk for new in stories]):
        TaggedArticle.objects.bulk_create(
            [TaggedArticle(content_object_id=new.article.pk, tag_id=pk) for new in stories for pk in new.tag_ids]
        )
        Article.objects.link_people([(new.article.pk, pk) for new in stories for pk in new.person_ids])
    RelatedHeadline.objects.bulk_create([row for new in stories for row in new.headlines])


def _insert_naming_refused(stories):
    """Insert the stories' rows; if the database refuses them, the story it refuses is named."""
    if len(stories) == 1:
        try:
            _insert_new_stories(stories)
        except DatabaseError as error:
            raise ImportProblem(f"the database refused it: {error}", source=stories[0].source) from error
        return
    try:
        with transaction.atomic():
            _insert_new_stories(stories)
    except DatabaseError:
        # One by one, so the refusal names its story's file (the first refused ends the run).
        for new in stories:
            new.unsaved()
        for new in stories:
            _insert_naming_refused([new])


@dataclass
class _Targets:
    by_slug: dict[str, int] = field(default_factory=dict)  # slug -> story id
    by_key: dict[str, tuple[str, int]] = field(default_factory=dict)  # headline key -> (slug, id) of the newest
    slugs_taken: set[str] = field(default_factory=set)


def _slug_base(text, fallback):
    return slugify(text)[:190].strip("-") or fallback


@dataclass
class _LookedUpAhead:
    """What the new stories of a batch of files look up, asked together when the batch was read. It stands
    until the import next writes a story (Importer._write_new_stories), which may take a slug or a headline."""

    targets: _Targets = field(default_factory=_Targets)
    slug_numbers: dict[str, range] = field(default_factory=dict)  # slug base -> the numbers looked up
    slugs: set[str] = field(default_factory=set)  # slugs related headlines name, looked up
    keys: set[str] = field(default_factory=set)  # headline keys related headlines name, looked up


def _named_by(story):
    """The slugs and the headline keys (of those without slug or address) the story's related headlines name."""
    refs = story.related_headlines
    slugs = {ref.slug for ref in refs if ref.slug}
    return slugs, {formats.headline_key(ref.headline) for ref in refs if not (ref.slug or ref.url)}


def _slug_candidates(base, numbers):
    """(slug, number) for `base`, `base-2`, `base-3`... for the numbers given."""
    return [(f"{base}-{number}" if number > 1 else base, number) for number in numbers]


def _chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


def _free_slug(model, base, first=1, also_taken=frozenset()):
    """The first free slug of `_slug_candidates(base, first)` and the numbers after them, and its number."""
    # Exact candidates keep the lookup on the slug index (a prefix LIKE would scan the table).
    for start in itertools.count(first, 10):
        candidates = _slug_candidates(base, range(start, start + 10))
        found = model.objects.filter(slug__in=[slug for slug, _ in candidates]).order_by()
        taken = set(found.values_list("slug", flat=True))
        free = [(slug, number) for slug, number in candidates if slug not in taken and slug not in also_taken]
        if free:
            return free[0]


def _folded(names):
    return {name.casefold() for name in names}


def _key_text(key):
    if len(key) > SOURCE_KEY_LENGTH:
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = f"{key[: SOURCE_KEY_LENGTH - len(digest) - 1]}~{digest}"
    return key


def _text_key(text):
    # Two readings of one file's words match whatever the paragraphs, dateline or spacing.
    return "".join(char for char in text.casefold() if char.isalnum())


def _forget_after(mapping, count):
    # Dicts keep insertion order: what was added after `count` entries is what the refused file added.
    for key in list(itertools.islice(mapping, count, None)):
        del mapping[key]


def _batches(items, size):
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
