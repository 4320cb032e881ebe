import contextvars
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Count, ExpressionWrapper, F, Func, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact, In
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from articles import addresses, changes
from articles import body as body_markup
from articles.formats import headline_key
from articles.prepared import STAND_IN_SLUG, PreparedQuery

# Reading speed behind the "N min read" line: words per minute of an average adult reading news.
WORDS_PER_MINUTE = 230

# Where the next scheduled publication is kept between requests (see next_scheduled_time), and for how long at
# most: every write through the ORM keeps it current (articles/changes.py), so the timeout only bounds how long
# a raw SQL write goes unnoticed.
NEXT_SCHEDULED_CACHE_KEY = "articles:next-scheduled"
NEXT_SCHEDULED_CACHE_SECONDS = 600
# Story fields whose change can move the next scheduled publication.
SCHEDULE_FIELDS = frozenset({"status", "published_at"})
# What a story's address and whether it is live are read from (get_absolute_url, is_published, has_gone_out).
ADDRESS_FIELDS = ("slug", "status", "published_at", "created_at")
# What the story page shows of a story's section (and its parent) and lead picture.
PAGE_SELECT_RELATED = ("section__parent", "lead_library_picture")
# Fields an update() may write without it being a change anyone sees: the edit counter is bookkeeping.
UNANNOUNCED_FIELDS = frozenset({"version"})
# Set while bulk_update() runs: it has derived its rows' own fields already, and calls update() underneath.
_bulk_update_derived = contextvars.ContextVar("bulk_update_derived", default=False)


class AnnouncingQuerySet(models.QuerySet):
    """update(), bulk_create() and bulk_update() that keep each row's own derived fields (`derived_fields`:
    {field: (source field, function)}, e.g. a headline's matching key) and report the rows they wrote to
    articles/changes.py, as save() and delete() do through signals. Subclasses say what a write touched."""

    derived_fields = {}

    def touched(self):
        """What to announce about the rows an update() is about to write, read while the filter matches."""
        pks = self.known_pks()
        return pks if pks is not None else set(self.values_list("pk", flat=True))

    def announce(self, touched, fields):
        """Tell articles/changes.py about rows (`touched()`) that had `fields` written."""

    def known_pks(self):
        """The ids this queryset is filtered to when it is just `pk=` or `pk__in=` a list (no query needed)."""
        where = self.query.where
        if where.negated or len(where.children) != 1:
            return None
        lookup = where.children[0]
        if not isinstance(lookup, (Exact, In)) or getattr(lookup.lhs, "target", None) != self.model._meta.pk:
            return None
        if hasattr(lookup.rhs, "resolve_expression") or hasattr(lookup.rhs, "query"):
            return None
        return set(lookup.rhs) if isinstance(lookup, In) else {lookup.rhs}

    def update(self, **kwargs):
        derive_later = []
        if not _bulk_update_derived.get():
            for target, (source, function) in self.derived_fields.items():
                if source in kwargs and target not in kwargs:
                    if isinstance(kwargs[source], str):
                        kwargs[target] = function(kwargs[source])
                    else:  # an expression: known only once written
                        derive_later.append(target)
        announced = set(kwargs) - UNANNOUNCED_FIELDS
        touched = self.touched() if announced else None
        if derive_later:
            pks = self.known_pks()
            pks = pks if pks is not None else set(self.values_list("pk", flat=True))
        if not derive_later:
            count = super().update(**kwargs)
        else:
            with transaction.atomic(using=self.db):
                count = super().update(**kwargs)
                for target in derive_later:
                    source, function = self.derived_fields[target]
                    base = self.model._base_manager.using(self.db)
                    rows = base.filter(pk__in=pks).values_list("pk", source)
                    base.bulk_update(
                        [self.model(pk=pk, **{target: function(value)}) for pk, value in rows], [target], batch_size=500
                    )
        if announced and count:
            self.announce(touched, {**kwargs})
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            for target, (source, function) in self.derived_fields.items():
                setattr(obj, target, function(getattr(obj, source)))
        created = super().bulk_create(objs, *args, **kwargs)
        self.announce_created(created)
        return created

    def announce_created(self, objs):
        self.announce(
            {obj.pk for obj in objs if obj.pk is not None}, {f.name for f in self.model._meta.concrete_fields}
        )

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        for target, (source, function) in self.derived_fields.items():
            if source in fields:
                for obj in objs:
                    setattr(obj, target, function(getattr(obj, source)))
                fields.append(target)
        token = _bulk_update_derived.set(True)
        try:
            return super().bulk_update(objs, fields, *args, **kwargs)
        finally:
            _bulk_update_derived.reset(token)


# Where stories go when nobody chose a section (the migration put every earlier story there).
DEFAULT_SECTION_SLUG = "news"
DEFAULT_SECTION_NAME = "News"

# How long after a story went out a save still counts as part of putting it out, not as an update.
EDIT_SLACK = Value(timedelta(seconds=60), output_field=models.DurationField())


class EditConflict(Exception):
    """Someone else saved the record after the editor opened it."""


class VersionedModel(models.Model):
    """A record with an edit counter, so a form opened on an old version cannot overwrite a newer one."""

    version = models.PositiveIntegerField(
        default=0, editable=False, help_text="Goes up with every recorded change; forms carry the one they opened."
    )

    class Meta:
        abstract = True

    def lock_unchanged_since(self, opened_version):
        """Lock the stored row for the current transaction; raise EditConflict if it moved past `opened_version`.

        The conditional UPDATE takes the row's write lock, so the check and the save that follows
        cannot be split by another editor's save.
        """
        unchanged = (
            type(self)._default_manager.filter(pk=self.pk, version=opened_version).update(version=opened_version)
        )
        if not unchanged:
            raise EditConflict(f"{self} was changed after version {opened_version} was opened.")


class PersonQuerySet(AnnouncingQuerySet):
    def announce(self, touched, fields):
        changes.note(people=touched)

    def with_article_counts(self):
        """Each person with the number of published stories that mention them."""
        return self.annotate(article_count=Count("articles", filter=Q(articles__in=Article.objects.published())))

    def mentioned(self):
        return self.with_article_counts().filter(article_count__gt=0).order_by("name")


class AuthorKind(models.TextChoices):
    STAFF = "staff", "Staff"
    CONTRIBUTOR = "contributor", "Contributor"


class Person(VersionedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    role = models.CharField(max_length=200, blank=True, help_text='How stories describe them, e.g. "Kremlin leader".')
    bio = models.TextField(blank=True)
    # From the picture library, like every picture: uploading one in the person's form adds it there.
    photo = models.ForeignKey(
        "pictures.Picture",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="Choose one from the library, or upload a new one below.",
    )
    aliases = models.TextField(
        blank=True,
        help_text=(
            "Other names stories use for this person, one per line. Imports link a story to this person by "
            "the full name or by one of these, never by a surname alone: add a surname only if it is unmistakable."
        ),
    )
    found_automatically = models.BooleanField(
        default=False,
        help_text="Created by an import from a story's text, not yet reviewed by an editor.",
    )
    found_as = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text='The forms imported stories named this person by ("Mr Wong", "Wong").',
    )
    # As an author: bylines link here when they write for us (see ArticleAuthor).
    author_kind = models.CharField(
        "writes for us as",
        max_length=20,
        choices=AuthorKind.choices,
        blank=True,
        help_text="Staff and contributors get an author page, and imported bylines with their name link to it.",
    )
    profile_urls = models.TextField(
        "profile links",
        blank=True,
        help_text="Their own public profiles (site, social accounts), one address per line; search engines get them.",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        old_slug = Person.objects.filter(pk=self.pk).values_list("slug", flat=True).first() if self.pk else None
        super().save(*args, **kwargs)
        PersonRedirect.follow_rename(self, old_slug)

    def get_absolute_url(self):
        return addresses.person(slug=self.slug)

    def get_author_url(self):
        return addresses.author(slug=self.slug)

    @property
    def is_author(self):
        return bool(self.author_kind)

    @property
    def profile_url_list(self):
        return [line.strip() for line in self.profile_urls.splitlines() if line.strip()]

    def snapshot(self):
        """The editable record as plain data, for merging an edit form with later saves."""
        fields = ["name", "slug", "role", "author_kind", "bio", "aliases", "profile_urls", "found_automatically"]
        photo = {"id": self.photo.pk, "name": str(self.photo)} if self.photo_id else None
        return {**{field: getattr(self, field) for field in fields}, "photo": photo}

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def description(self):
        if self.bio:
            return self.bio
        return f"Stories that mention {self.name}" + (f", {self.role}." if self.role else ".")

    @property
    def picture(self):
        # Beside their name on their own page: alt text would only say the name again.
        return self.photo.crop(alt="") if self.photo_id else None


class TaggedArticleQuerySet(AnnouncingQuerySet):
    def touched(self):
        return list(self.values_list("content_object", "tag"))

    def announce(self, touched, fields):
        # A tag merge repoints rows: both tags and the stories changed.
        new_tag = fields.get("tag")
        tags = {tag for _, tag in touched} | ({new_tag.pk} if isinstance(new_tag, Tag) else set())
        changes.note(stories={story for story, _ in touched}, tags=tags)

    def announce_created(self, objs):
        changes.note(stories={row.content_object_id for row in objs}, tags={row.tag_id for row in objs})


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")
    # The story's publication time while its status is published (else null), copied here so related
    # stories can read a tag's stories nearest a date from one index. Kept by database triggers
    # (articles/triggers.py), which also keep TagUsage counting exactly the rows that have it.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TaggedArticleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag"),
        ]
        indexes = [
            models.Index(fields=["tag", "content_object"], name="taggedarticle_tag_article_idx"),
            models.Index(fields=["tag", "published_at", "content_object"], name="taggedarticle_tag_time_idx"),
        ]

    def __str__(self):
        return f"{self.content_object_id} tagged {self.tag_id}"


class TagUsage(models.Model):
    """How many stories with published status carry a tag (scheduled ones included): related stories' rarity.

    Kept by database triggers (articles/triggers.py); a tag that no published story carries may have no row.
    """

    tag = models.OneToOneField(Tag, on_delete=models.CASCADE, primary_key=True, related_name="usage")
    published_stories = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.tag_id}: {self.published_stories}"


class DeferredKeywords(models.Model):
    """A story whose search keywords the transaction writing its links refreshes itself, once, at its end
    (articles.triggers.keywords_deferred); the triggers leave it alone meanwhile. A row lives only inside
    that transaction."""

    article_id = models.BigIntegerField(primary_key=True)

    def __str__(self):
        return str(self.article_id)


def _bylines():
    """Stories' linked bylines, in order, with their people, in one query: prefetched wherever bylines show."""
    return Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("person"))


def _page_relations(story):
    """What the article page shows beside the story's own row, read as its related managers would (each
    query compiled once per process: articles/prepared.py), each in its manager's queryset as if prefetched."""
    using = story._state.db
    tags = Tag.objects.all()
    tags._defer_next_filter = True  # as Django's related managers do: the filter is resolved only if asked
    relations = {
        "tags": tags.filter(**{f"{TaggedArticle.tag_relname()}__content_object": story.pk}),
        "bylines": story.bylines.all(),
        "people": story.people.all(),
        "related_headlines": story.related_headlines.all(),
        "corrections": story.corrections.all(),
    }
    rows = {name: list(query(story.pk, using=using)) for name, query in PAGE_QUERIES.items()}
    # The bylines come as their people (all their columns, as select_related("person") reads them).
    rows["bylines"] = [_byline(story, person) for person in rows.pop("byline_people")]
    rows["related_headlines"] = [_related_headline(story, row) for row in HEADLINES.rows(story.pk, using=using)]
    for note in rows["corrections"]:
        note.article = story
    for name, queryset in relations.items():
        queryset._result_cache = rows[name]
        queryset._prefetch_done = True
    return relations


def _loaded(model, using, values):
    """An instance of `model` with only these fields loaded (from_db wants them in the model's order)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(using, names, [values[name] for name in names])


def _related_headline(story, row):
    """A "more headlines" row, with the story it links to, as select_related("target") gives them."""
    pk, headline, url, target_id, *target_address = row
    values = {"id": pk, "article_id": story.pk, "headline": headline, "url": url, "target_id": target_id}
    line = _loaded(RelatedHeadline, story._state.db, values)
    line.article = story
    if target_id is not None:
        address = dict(zip(ADDRESS_FIELDS, target_address, strict=True))
        line.target = _loaded(Article, story._state.db, {"id": target_id, **address})
    return line


def _byline(story, person):
    """The story's byline row as select_related("person") gives it, from its person's row."""
    values = {"id": person.byline_pk, "article_id": story.pk, "person_id": person.pk}
    byline = _loaded(ArticleAuthor, story._state.db, {**values, "position": person.byline_position})
    byline.article, byline.person = story, person
    return byline


def _page_prefetches():
    """The same relations for many stories at once."""
    return [
        "tags",
        _bylines(),
        Prefetch("people", queryset=Person.objects.only("name", "slug", "role")),
        Prefetch(
            "related_headlines",
            queryset=RelatedHeadline.objects.select_related("target").only(
                "article", "headline", "url", *(f"target__{name}" for name in ADDRESS_FIELDS)
            ),
        ),
        "corrections",
    ]


class StoryPageIterable(models.query.ModelIterable):
    """for_page()'s stories, each with its page's relations loaded as if prefetched. The page's own case is
    one story: then each relation is one query of fixed shape, compiled once per process (_page_relations),
    without prefetch_related()'s machinery for many stories (grouping rows, an extra select column, `__in`
    filters), which costs more than the queries themselves. Several stories are prefetched as usual."""

    def __iter__(self):
        stories = list(super().__iter__())
        if len(stories) == 1:
            stories[0]._prefetched_objects_cache = _page_relations(stories[0])
        elif stories:
            models.prefetch_related_objects(stories, *_page_prefetches())
        yield from stories


class ArticleQuerySet(AnnouncingQuerySet):
    # The body's text is derived like the headline's key; the body itself is sanitised first, on every write
    # path (save() too: Article.clean_body), so no markup outside articles/body.py's vocabulary is stored.
    derived_fields = {"headline_key": ("headline", headline_key), "body_text": ("body", body_markup.to_text)}

    def announce(self, touched, fields):
        schedule = bool(SCHEDULE_FIELDS & set(fields))
        if schedule:
            # Readers inside this transaction (and anyone before it commits) look the time up afresh;
            # the commit stores the new one (articles/changes.py).
            cache.delete(NEXT_SCHEDULED_CACHE_KEY)
        changes.note(stories=touched, schedule=schedule)

    def update(self, **kwargs):
        body = kwargs.get("body")
        if isinstance(body, str):
            kwargs["body"] = body_markup.normalise(body)
        elif body is not None and not _bulk_update_derived.get():  # bulk_update() sanitised its bodies already
            return self._update_body_by_expression(kwargs)
        return super().update(**kwargs)

    def _update_body_by_expression(self, kwargs):
        # An expression's result (Concat, Replace...) is known only once written: sanitise what it wrote.
        base = self.model._base_manager.using(self.db)
        with transaction.atomic(using=self.db):
            pks = self.known_pks()
            pks = pks if pks is not None else set(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            cleaned = []
            for pk, written in base.filter(pk__in=pks).values_list("pk", "body"):
                if body_markup.normalise(written) != written:
                    body = body_markup.normalise(written)
                    cleaned.append(self.model(pk=pk, body=body, body_text=body_markup.to_text(body)))
            base.bulk_update(cleaned, ["body", "body_text"], batch_size=500)
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for article in objs:
            article.body = body_markup.normalise(article.body)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "body" in fields:
            for article in objs:
                article.body = body_markup.normalise(article.body)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def link_people(self, links):
        """Add (story id, person id) links, many stories' in one statement, announced as `people.add()` is."""
        if not links:
            return
        through = self.model.people.through
        through.objects.using(self.db).bulk_create(
            [through(article_id=story, person_id=person) for story, person in links]
        )
        changes.note(stories={story for story, _ in links}, people={person for _, person in links}, using=self.db)

    link_people.alters_data = True

    def published(self, now=None):
        """The publication rule: published status and a publication time that has come (by `now`, if given)."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def for_listing(self):
        """Published stories as cards: newest first, tags prefetched, no bodies loaded."""
        return (
            self.published()
            .with_last_change()
            .defer("body", "body_text")
            .select_related("section", "lead_library_picture")
            .prefetch_related("tags", _bylines())
            .order_by("-published_at", "-id")
        )

    def for_feed(self):
        """Published stories as feed items: like for_listing(), with the bodies feeds publish in full."""
        return (
            self.published()
            .with_last_change()
            .defer("body_text")
            .select_related("section", "lead_library_picture")
            .prefetch_related("tags", _bylines())
            .order_by("-published_at", "-id")
        )

    def scheduled(self):
        """Published stories whose time has not come yet: they go live by themselves."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def next_scheduled_time(self):
        """When the next scheduled story goes live, or None. Every public response asks, so it comes from the
        cache, which every write keeps current (articles/changes.py); the database is asked only once that time
        has passed or the entry has gone."""
        upcoming = cache.get(NEXT_SCHEDULED_CACHE_KEY)
        if upcoming is None or (upcoming["at"] is not None and upcoming["at"] <= timezone.now()):
            upcoming = Article.objects.remember_next_scheduled()
        return upcoming["at"]

    def remember_next_scheduled(self):
        """Look up the next scheduled story and keep its time (and id) in the cache."""
        first = Article.objects.scheduled().order_by("published_at", "pk").values("pk", "published_at").first()
        upcoming = {"at": first["published_at"], "pk": first["pk"]} if first else {"at": None, "pk": None}
        cache.set(NEXT_SCHEDULED_CACHE_KEY, upcoming, NEXT_SCHEDULED_CACHE_SECONDS)
        return upcoming

    def with_last_change(self):
        """Each story with `last_changed_at`: THE rule for "last changed" that the page, its JSON-LD,
        feeds, sitemaps and the Last-Modified header all read (through Article.modified_at).

        A story last changed when it was published, unless it was edited noticeably after it went
        out (a minute of slack for the saving itself; a story entered back-dated, as an import is,
        went out when it was entered, so loading it is no edit), or a correction, clarification or
        update was appended later: then the later of the two. Article.last_change() states the same rule
        for one story whose notes are loaded (tests/test_corrections.py holds the two to the same answers).
        """
        went_out = Greatest(Coalesce("published_at", "created_at"), "created_at")
        edited = Case(
            When(
                updated_at__gt=ExpressionWrapper(went_out + EDIT_SLACK, output_field=models.DateTimeField()),
                then=F("updated_at"),
            ),
            default=Coalesce("published_at", "updated_at"),
            output_field=models.DateTimeField(),
        )
        latest_note = Subquery(
            Correction.objects.filter(article=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
        )
        return self.annotate(last_changed_at=Greatest(edited, Coalesce(latest_note, edited)))

    def for_page(self):
        """Everything the article page shows, in a fixed number of queries (six for one story), each reading
        only the columns shown: compiling a wide select (and ordering it) costs more than running it. The
        notes are loaded for the page anyway, so its last change comes from them (Article.modified_at), not a
        subquery."""
        stories = self.select_related(*PAGE_SELECT_RELATED)
        stories._iterable_class = StoryPageIterable
        return stories

    def page_story(self, slug):
        """for_page().get(slug=slug), the story page's own question, by a query compiled once per process
        (articles/prepared.py)."""
        query = self.query
        narrowed = query.where or query.annotations or query.extra or query.select_related or query.is_sliced
        changed = query.distinct or query.combinator or query.deferred_loading != (frozenset(), True)
        if narrowed or changed or self._iterable_class is not models.query.ModelIterable:
            return self.for_page().get(slug=slug)  # anything but the plain manager's: as it is asked
        found = PAGE_STORY(slug, using=self.db)
        if not found:
            raise self.model.DoesNotExist(f"No {self.model._meta.object_name} at {slug}.")
        story = found[0]
        story._prefetched_objects_cache = _page_relations(story)
        return story

    def tagged(self, tag):
        return self.filter(tagged_items__tag=tag)

    def publish(self, user=None):
        """Publish the stories now. A future time schedules a story instead, and a story that was live before
        keeps its first time (and its address); a past time a draft merely carried is replaced by now, so nothing
        goes out back-dated. Returns the count."""
        now = timezone.now()
        with transaction.atomic():
            chosen = Article.objects.filter(pk__in=list(self.values_list("pk", flat=True)))
            never_out = Q(status__in=[Article.Status.DRAFT, Article.Status.IN_REVIEW], published_at__lte=now)
            chosen.filter(Q(published_at__isnull=True) | never_out).update(published_at=now)
            count = chosen.update(status=Article.Status.PUBLISHED, updated_at=now)
            chosen.record_revisions(user, "Published")
        return count

    def unpublish(self, user=None):
        """Take the stories down; they keep their publication time for the record."""
        with transaction.atomic():
            chosen = Article.objects.filter(pk__in=list(self.values_list("pk", flat=True)))
            count = chosen.update(status=Article.Status.UNPUBLISHED, updated_at=timezone.now())
            chosen.record_revisions(user, "Unpublished")
        return count

    def submit_for_review(self, user=None):
        """Send drafts to the editors; stories in any other state are left alone. Returns the count."""
        with transaction.atomic():
            chosen = Article.objects.filter(
                pk__in=list(self.filter(status=Article.Status.DRAFT).values_list("pk", flat=True))
            )
            count = chosen.update(status=Article.Status.IN_REVIEW, updated_at=timezone.now())
            chosen.record_revisions(user, "Submitted for review")
        return count

    def record_revisions(self, user, message):
        """A revision for each story as it now stands (after a bulk change)."""
        from articles.revisions import record_revisions

        return record_revisions(self, user, message)


def default_section_id():
    """The section a story gets when nobody chose one: the general news desk, made when first needed."""
    section, _created = Section.objects.get_or_create(
        slug=DEFAULT_SECTION_SLUG, defaults={"name": DEFAULT_SECTION_NAME, "order": 0}
    )
    return section.pk


class Article(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    class LeadShape(models.TextChoices):
        FREE = "free", "As taken"
        WIDE = "16x9", "Widescreen (16 × 9), cut around the focal point"

    headline = models.CharField(max_length=300)
    # The headline folded for matching related headlines (case, punctuation, quote style ignored).
    headline_key = models.CharField(max_length=300, blank=True, editable=False, db_index=True)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True, help_text="The dek: one or two sentences under the headline.")
    body = models.TextField(
        help_text="Paragraphs, subheads, links, quotes, lists, pictures and embeds; stored as sanitised HTML."
    )
    # The body's readable text (articles/body.py: to_text), derived on every write of the body: what search
    # indexes, JSON-LD's articleBody, reading time and excerpts read, so none of them parses markup.
    body_text = models.TextField(
        blank=True,
        editable=False,
        help_text="The body's readable text (paragraphs, subheads, quotes, captions), derived on save.",
    )
    byline = models.CharField(max_length=200, blank=True, help_text="Reporter's name or agency.")
    dateline = models.CharField(max_length=120, blank=True, help_text="Where the story was filed.")
    source = models.CharField(max_length=120, blank=True, help_text="Agency or origin of the copy.")
    source_key = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="Stable key of the imported file, so a re-import updates this story.",
    )
    # What the import last read for this story: the file's content digest (an unchanged file is skipped
    # without parsing) and where it was (a key only moves to different text from the same file).
    import_digest = models.CharField(max_length=80, blank=True, editable=False, db_index=True)
    import_origin = models.CharField(max_length=1000, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A future time schedules the story; it goes live by itself then."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The lead picture, from the picture library (an upload in the story form adds it there): shared with every
    # other story that uses it, described once there, and cut around its focal point for each place (cards 16×9,
    # sharing cards 1200×630, search engines 16×9, 4×3 and 1×1). The story page shows it in the shape chosen.
    lead_library_picture = models.ForeignKey(
        "pictures.Picture",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_stories",
        verbose_name="lead picture",
        help_text="Choose one from the library (its alt text, caption and credit come with it), or upload a new "
        "one below.",
    )
    lead_shape = models.CharField(
        "shape on the story page",
        max_length=8,
        choices=LeadShape.choices,
        default=LeadShape.FREE,
        db_default=LeadShape.FREE,  # rows written by raw SQL (restores, bulk loads) get it too
        help_text="Front-page cards always show the lead picture widescreen.",
    )
    tags = TaggableManager(through=TaggedArticle, blank=True)
    people = models.ManyToManyField(Person, blank=True, related_name="articles", help_text="People the story mentions.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="created_articles",
        help_text="The staff member who started the story; reporters may edit only their own.",
    )
    search_keywords = models.TextField(
        blank=True, editable=False, help_text="Tag and people names, copied here so search can weigh and index them."
    )
    # Where the story sits for readers (section pages, feeds, breadcrumb) and who wrote it.
    section = models.ForeignKey(
        "Section",
        on_delete=models.PROTECT,
        default=default_section_id,
        related_name="articles",
        help_text="The story's one primary section: its page, feed and the story's breadcrumb.",
    )
    authors = models.ManyToManyField(
        Person,
        through="ArticleAuthor",
        blank=True,
        limit_choices_to=~Q(author_kind=""),
        related_name="authored_articles",
        help_text="Staff and contributors who wrote it, in byline order.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("publish_article", "Can publish, schedule and take down stories")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_article_has_date",
            ),
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="unique_article_source_key"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_status_published_idx"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.headline)[:200]
        kwargs = _with_body_text(self, kwargs)
        # Only its own row's derived fields; everything kept elsewhere follows by itself (articles/changes.py,
        # articles/triggers.py).
        self.headline_key = headline_key(self.headline)
        address_fields = {"slug", "status", "published_at"}
        may_move = kwargs.get("update_fields") is None or address_fields.intersection(kwargs["update_fields"])
        old_path = self.stored_public_path() if may_move else None
        super().save(*args, **_with_headline_key(kwargs))
        ArticleRedirect.follow_move(self, old_path)

    def get_absolute_url(self):
        day = self.url_date
        return addresses.story(year=day.year, month=day.month, day=day.day, slug=self.slug)

    def stored_public_path(self):
        """The address readers had for this story as stored, or None if it never went out (or is new)."""
        if self.pk is None:
            return None
        stored = Article.objects.filter(pk=self.pk).only(*ADDRESS_FIELDS).first()
        if stored is None or not stored.has_gone_out:
            return None
        return stored.get_absolute_url()

    @property
    def has_gone_out(self):
        """Readers have (or had, before it was taken down) this story at its address."""
        return (
            self.status in {self.Status.PUBLISHED, self.Status.UNPUBLISHED}
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def url_date(self):
        """The date in the story's address: its publication date, else when it was created."""
        moment = self.published_at or self.created_at or timezone.now()
        return timezone.localdate(moment)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def note_schedule(self):
        """Keep the cached next scheduled publication right for this transaction now that this story was
        saved (articles/changes.py calls it; the commit then looks the time up afresh, once per transaction).

        Mostly no query: only when nothing is cached yet, or this story was the one cached (it may have
        moved), is the database asked. That answer sees this transaction's own writes; if it is rolled back
        the entry can be off until its time passes or it expires, the commit-time refresh never coming.
        """
        upcoming = cache.get(NEXT_SCHEDULED_CACHE_KEY)
        if upcoming is None or upcoming["pk"] == self.pk:
            Article.objects.remember_next_scheduled()
        elif self.is_scheduled and (upcoming["at"] is None or self.published_at < upcoming["at"]):
            cache.set(NEXT_SCHEDULED_CACHE_KEY, {"at": self.published_at, "pk": self.pk}, NEXT_SCHEDULED_CACHE_SECONDS)

    def clean_body(self):
        """Store the body as sanitised HTML (plain text becomes escaped paragraphs) and derive its text."""
        self.body = body_markup.normalise(self.body)
        self.body_text = body_markup.to_text(self.body)

    @property
    def paragraphs(self):
        """The body's paragraphs as plain text (subheads, lists, pictures and embeds are not paragraphs)."""
        return body_markup.paragraphs(self.body)

    @cached_property
    def body_blocks(self):
        """The body's top-level blocks, for the article template (articles/body.py: Block), each picture with
        its library picture (one query, only when the body has pictures); a deleted one is left out."""
        from pictures.models import Picture

        blocks = body_markup.blocks(self.body)
        ids = [block.image_id for block in blocks if block.kind == "picture"]
        found = Picture.objects.in_bulk(ids) if ids else {}
        return [
            replace(block, picture=found[block.image_id].crop("free")) if block.kind == "picture" else block
            for block in blocks
            if block.kind != "picture" or block.image_id in found
        ]

    @property
    def body_pictures(self):
        """The library pictures the body shows, in order."""
        return [block.picture.picture for block in self.body_blocks if block.kind == "picture"]

    @property
    def word_count(self):
        return len(self.body_text.split())

    @property
    def reading_minutes(self):
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    @property
    def description(self):
        """One or two sentences for search results and sharing cards: the summary, else the opening."""
        return self.summary or (self.paragraphs[0] if self.paragraphs else self.headline)

    @property
    def lead_picture(self):
        """The story page's lead: the picture in the shape the editor chose."""
        return self.lead_library_picture.crop(self.lead_shape) if self.lead_library_picture_id else None

    @property
    def lead_original(self):
        """The lead as it was taken: what the API and feeds publish."""
        return self.lead_library_picture.crop() if self.lead_library_picture_id else None

    @property
    def card_picture(self):
        """What cards and the front page's lead show: the lead cut to 16×9 around its focal point."""
        return self.lead_library_picture.crop(self.LeadShape.WIDE) if self.lead_library_picture_id else None

    @property
    def lead_caption(self):
        return self.lead_library_picture.caption if self.lead_library_picture_id else ""

    @property
    def lead_credit(self):
        return self.lead_library_picture.credit if self.lead_library_picture_id else ""

    @property
    def share_picture(self):
        """The picture sharing cards and search engines show: the lead, else the body's first library picture."""
        if self.lead_picture is not None:
            return self.lead_picture
        pictures = self.body_pictures
        return pictures[0].crop() if pictures else None

    def set_authors(self, people):
        """Make `people` the story's linked byline, in this order (the admin's and the importer's one way)."""
        wanted = [person.pk for person in people]
        if list(self.bylines.values_list("person", flat=True)) == wanted:
            return False
        with transaction.atomic():
            self.bylines.all().delete()
            ArticleAuthor.objects.bulk_create(
                [ArticleAuthor(article=self, person_id=pk, position=position) for position, pk in enumerate(wanted, 1)]
            )
        return True

    @property
    def byline_is_organisation(self):
        """An agency's or desk's name rather than reporters' ("Reuters", "City Desk"): shown without "By"."""
        from articles import bylines

        return bylines.is_organisation(self.byline, self.source)

    @property
    def credited_authors(self):
        """The people in the byline, in order (prefetched by for_page and for_listing)."""
        return [byline.person for byline in self.bylines.all()]

    @property
    def was_updated(self):
        """Changed after it went out (edited or given a note): pages say "Updated"."""
        return self.published_at is not None and self.modified_at > self.published_at

    @property
    def modified_at(self):
        """The last change readers are told about, by the one rule of ArticleQuerySet.with_last_change
        (read from its annotation where the story was loaded with it, worked out from its notes where they
        were prefetched, else asked for)."""
        annotated = getattr(self, "last_changed_at", None)
        if annotated is not None:
            return annotated
        if self.pk is None:
            return self.published_at or self.updated_at
        notes = getattr(self, "_prefetched_objects_cache", {}).get("corrections")
        if notes is not None:
            return self.last_change(notes)
        return Article.objects.with_last_change().values_list("last_changed_at", flat=True).get(pk=self.pk)

    def last_change(self, notes):
        """ArticleQuerySet.with_last_change()'s rule for this story as loaded, given all its notes."""
        went_out = max(self.published_at or self.created_at, self.created_at)
        edited = self.updated_at
        if self.updated_at <= went_out + EDIT_SLACK.value:
            edited = self.published_at or self.updated_at
        return max([edited, *(note.created_at for note in notes)])

    def related_articles(self, limit=None):
        """Ranked published stories sharing tags, each with .score, .shared_tags, .shared_people, .reason."""
        from articles.related import related_articles

        return related_articles(self, limit or settings.RELATED_STORIES_LIMIT)

    def record_revision(self, user=None, message=""):
        """Keep the story as it now stands (fields, tags, people, headlines) as a new revision.

        The one explicit call that stays after a change (derived data keeps itself right): a row cannot say
        who made the change or why. Every path records one (admin, actions, importer, restore, tag merge); it
        also moves the version on, so a form opened before the change refuses to overwrite it.
        """
        from articles.revisions import record_revision

        return record_revision(self, user, message)

    def restore_revision(self, revision, user=None):
        """Bring back a revision's content; the restore is itself recorded as a new revision."""
        from articles.revisions import restore_revision

        return restore_revision(self, revision, user)


class RelatedHeadlineQuerySet(AnnouncingQuerySet):
    derived_fields = {"headline_key": ("headline", headline_key)}

    def touched(self):
        return set(self.values_list("article", flat=True))

    def announce(self, touched, fields):
        changes.note(stories=touched)

    def announce_created(self, objs):
        changes.note(stories={headline.article_id for headline in objs})


class RelatedHeadline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_headlines")
    position = models.PositiveSmallIntegerField()
    headline = models.CharField(max_length=300)
    headline_key = models.CharField(max_length=300, blank=True, editable=False)
    url = models.URLField("external URL", max_length=500, blank=True)
    target = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentioned_in_headlines",
        help_text="A story on this site the headline links to.",
    )

    objects = RelatedHeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="unique_related_headline_position"),
            models.CheckConstraint(condition=Q(url="") | Q(target__isnull=True), name="related_headline_one_link"),
        ]
        indexes = [
            # Headlines waiting for their story: an import links them when it arrives.
            models.Index(
                fields=["headline_key"],
                condition=Q(target__isnull=True, url=""),
                name="related_headline_waiting_idx",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.headline_key = headline_key(self.headline)
        super().save(*args, **_with_headline_key(kwargs))

    @property
    def link(self):
        """Where the headline points for readers: a live story, an external page, or nowhere."""
        if self.target is not None and self.target.is_published:
            return self.target.get_absolute_url()
        return self.url


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Notes on published stories, newest first, each with its story."""
        return (
            self.filter(article__in=Article.objects.published())
            .select_related("article")
            .order_by("-created_at", "-id")
        )


class Correction(models.Model):
    """A note appended to a story after it went out; the time readers see never changes."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(help_text="Plain text: what was wrong and what is right, or what changed.")
    created_at = models.DateTimeField("time", default=timezone.now, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        # Chronological: each note refers to the story as it stood before it, so the page reads as a history.
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} to “{self.article}”"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # A note changes the story, so the story's last-changed time covers it: "Updated" on the page,
            # dateModified, feed and sitemap dates all read updated_at. Fixing an old note's typo moves nothing.
            Article.objects.filter(pk=self.article_id).update(
                updated_at=Greatest("updated_at", Value(self.created_at, output_field=models.DateTimeField()))
            )

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"correction-{self.pk}"

    def as_correction_comment(self):
        """The note as a schema.org CorrectionComment, for the story's NewsArticle ``correction`` list."""
        return {
            "@type": "CorrectionComment",
            "text": f"{self.get_kind_display()}: {self.text}",
            "datePublished": self.created_at.isoformat(),
        }


class PinnedStory(models.Model):
    """A story the editors put first in an article's related stories, in their order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="pinned_stories")
    story = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "pinned related story"
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="unique_pinned_story"),
            models.CheckConstraint(condition=~Q(story=F("article")), name="pinned_story_not_itself"),
        ]

    def __str__(self):
        return f"{self.story_id} pinned under {self.article_id}"


class ExcludedStory(models.Model):
    """A story the editors never want in an article's related stories."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="excluded_stories")
    story = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "excluded related story"
        verbose_name_plural = "excluded related stories"
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="unique_excluded_story"),
        ]

    def __str__(self):
        return f"{self.story_id} excluded from {self.article_id}"


class TagRedirect(models.Model):
    """The address of a tag merged into another one, which now answers with a permanent redirect."""

    old_slug = models.SlugField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self):
        return f"{self.old_slug} → {self.tag_id}"

    @classmethod
    def current_slug(cls, old_slug):
        return cls.objects.filter(old_slug=old_slug).values_list("tag__slug", flat=True).first()


# Old addresses live on: a story, tag or person whose address changes answers its old one with a 301.


class ArticleRedirect(models.Model):
    """A path a story was published at before its slug or date changed."""

    old_path = models.CharField(max_length=300, unique=True)
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"{self.old_path} → {self.article_id}"

    @classmethod
    def follow_move(cls, article, old_path):
        """After `article` was saved: keep `old_path` (where readers had it) if its address moved."""
        new_path = article.get_absolute_url()
        if old_path and old_path != new_path:
            # A story moved back to an address it had before takes that address back.
            cls.objects.filter(old_path=new_path).delete()
            cls.objects.update_or_create(old_path=old_path, defaults={"article": article})


def follow_tag_rename(tag, old_slug):
    """After a tag was saved: its old address redirects to it (and an address it takes back stops redirecting)."""
    if old_slug and old_slug != tag.slug:
        TagRedirect.objects.filter(old_slug=tag.slug).delete()
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})


@receiver(pre_save, sender=Tag)
def _remember_tag_slug(sender, instance, raw=False, **kwargs):
    # taggit owns Tag.save(), so the slug it had is read here and the redirect written once it is saved.
    if not raw and instance.pk:
        instance._stored_slug = Tag.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()


@receiver(post_save, sender=Tag)
def _redirect_renamed_tag(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        follow_tag_rename(instance, getattr(instance, "_stored_slug", None))


class PersonRedirect(models.Model):
    """The address of a person merged into another one, or renamed, which now answers with a permanent redirect."""

    old_slug = models.SlugField(max_length=200, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self):
        return f"{self.old_slug} → {self.person_id}"

    @classmethod
    def follow_rename(cls, person, old_slug):
        """After `person` was saved: their old address redirects to them (and one they take back stops)."""
        if old_slug and old_slug != person.slug:
            cls.objects.filter(old_slug=person.slug).delete()
            cls.objects.update_or_create(old_slug=old_slug, defaults={"person": person})


class RejectedPersonName(models.Model):
    """A name an editor said is not a person: imports never link or create anyone from it again."""

    name = models.CharField(max_length=200, unique=True)
    rejected_at = models.DateTimeField(default=timezone.now)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "name that is not a person"
        verbose_name_plural = "names that are not people"

    def __str__(self):
        return self.name


def merge_people(kept, people, user=None):
    """Fold `people` into `kept`: their stories, names (as aliases) and addresses move to `kept`.

    Each story whose people change records a revision, so the merge shows in its history. The kept
    person counts as reviewed by an editor from now on: its aliases are editors' choices.
    """
    from articles.revisions import record_baseline

    merged = [person for person in people if person.pk != kept.pk]
    if not merged:
        return 0
    merged_ids = [person.pk for person in merged]
    through = Article.people.through
    with transaction.atomic():
        moved = Article.objects.filter(people__in=merged_ids).distinct()
        moved_ids = list(moved.values_list("pk", flat=True))
        for article in Article.objects.filter(pk__in=moved_ids):
            record_baseline(article)
        already = set(through.objects.filter(person=kept).values_list("article_id", flat=True))
        through.objects.bulk_create(
            [through(article_id=pk, person_id=kept.pk) for pk in moved_ids if pk not in already]
        )
        aliases = kept.alias_list
        for person in merged:
            for name in (person.name, *person.alias_list):
                if name != kept.name and name not in aliases:
                    aliases.append(name)
        kept.aliases = "\n".join(aliases)
        kept.found_automatically = False
        kept.found_as = sorted({*kept.found_as, *(form for person in merged for form in person.found_as)})
        kept.role = kept.role or next((person.role for person in merged if person.role), "")
        kept.photo_id = kept.photo_id or next((person.photo_id for person in merged if person.photo_id), None)
        kept.version += 1  # a form opened on the kept person before the merge must not undo it
        kept.save(update_fields=["aliases", "found_automatically", "found_as", "role", "photo", "version"])
        PersonRedirect.objects.filter(person__in=merged_ids).update(person=kept)
        PersonRedirect.objects.filter(old_slug__in=[kept.slug, *(person.slug for person in merged)]).delete()
        PersonRedirect.objects.bulk_create([PersonRedirect(old_slug=person.slug, person=kept) for person in merged])
        move_bylines(kept, merged)
        Person.objects.filter(pk__in=merged_ids).delete()
        stories = Article.objects.filter(pk__in=moved_ids)
        names = ", ".join(person.name for person in merged)
        stories.record_revisions(user, f"People merged: {names} into {kept.name}")
    return len(merged)


def reject_people(people, user=None):
    """Editors' "not a person": take each off every story, delete it, and never create it again.

    The names (and the aliases they were found by) go on the rejected list the importer consults.
    """
    from articles.revisions import record_baseline

    people = list(people)
    if not people:
        return 0
    ids = [person.pk for person in people]
    with transaction.atomic():
        stories = Article.objects.filter(pk__in=Article.objects.filter(people__in=ids).values("pk"))
        story_ids = list(stories.values_list("pk", flat=True))
        for article in Article.objects.filter(pk__in=story_ids):
            record_baseline(article)
        names = sorted({person.name for person in people})
        existing = set(RejectedPersonName.objects.filter(name__in=names).values_list("name", flat=True))
        RejectedPersonName.objects.bulk_create(
            [RejectedPersonName(name=name, rejected_by=user) for name in names if name not in existing]
        )
        PersonRedirect.objects.filter(person__in=ids).delete()
        Person.objects.filter(pk__in=ids).delete()
        stories = Article.objects.filter(pk__in=story_ids)
        stories.record_revisions(user, f"Not a person: {', '.join(names)}")
    return len(people)


def merge_tags(kept, tags, user=None):
    """Fold `tags` into `kept`: their stories get `kept` (once each) and their addresses redirect to it.

    Each story whose tags change records a revision, so the merge shows in its history and can be undone.
    """
    from articles.revisions import record_baseline

    merged = [tag for tag in tags if tag.pk != kept.pk]
    merged_ids = [tag.pk for tag in merged]
    with transaction.atomic():
        # One through row per story: a story that already has `kept`, or has several merged tags,
        # keeps a single row, so the (story, tag) unique constraint holds after repointing.
        tagged_stories = set(TaggedArticle.objects.filter(tag=kept).values_list("content_object", flat=True))
        surplus, moved_stories = [], set()
        for row_id, story_id in (
            TaggedArticle.objects.filter(tag__in=merged_ids).order_by("pk").values_list("pk", "content_object")
        ):
            if story_id in tagged_stories:
                surplus.append(row_id)
            tagged_stories.add(story_id)
            moved_stories.add(story_id)
        moved = Article.objects.filter(pk__in=moved_stories)
        for article in moved:
            record_baseline(article)
        TaggedArticle.objects.filter(pk__in=surplus).delete()
        TaggedArticle.objects.filter(tag__in=merged_ids).update(tag=kept)
        TagRedirect.objects.filter(tag__in=merged_ids).update(tag=kept)
        TagRedirect.objects.filter(old_slug__in=[kept.slug, *(tag.slug for tag in merged)]).delete()
        TagRedirect.objects.bulk_create([TagRedirect(old_slug=tag.slug, tag=kept) for tag in merged])
        Tag.objects.filter(pk__in=merged_ids).delete()
        names = ", ".join(tag.name for tag in merged)
        moved.record_revisions(user, f"Tags merged: {names} into {kept.name}")
    return len(merged)


def _with_body_text(article, save_kwargs):
    # Every save that writes the body sanitises it and stores its text beside it.
    fields = save_kwargs.get("update_fields")
    if fields is not None and "body" not in fields:
        return save_kwargs
    article.clean_body()
    if fields is not None:
        save_kwargs = {**save_kwargs, "update_fields": {*fields, "body_text"}}
    return save_kwargs


def _with_headline_key(save_kwargs):
    # A save limited to some fields still stores the key when the headline is among them.
    fields = save_kwargs.get("update_fields")
    if fields is not None and "headline" in fields:
        save_kwargs = {**save_kwargs, "update_fields": {*fields, "headline_key"}}
    return save_kwargs


class Revision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="The story's version this revision recorded.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="article_revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    changed_fields = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField(help_text="The whole story at this revision, tags, people and headlines included.")
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        permissions = [("restore_revision", "Can restore a story to an earlier revision")]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number")]

    def __str__(self):
        return f"Revision {self.number} of {self.article_id}"


def tags_in_use():
    """Tags on at least one published story, each with its number of published stories."""
    return (
        Tag.objects.filter(articles_taggedarticle_items__content_object__in=Article.objects.published())
        .annotate(article_count=Count("articles_taggedarticle_items"))
        .order_by("name")
    )


def suggest_tags(typed, stories=None, limit=10):
    """Names of tags containing `typed`, those starting with it first, then the most used; only tags on `stories`
    when given (a reporter's suggestions never name the topics of stories they may not open)."""
    tags = Tag.objects.filter(name__icontains=typed)
    if stories is not None:
        tags = tags.filter(pk__in=TaggedArticle.objects.filter(content_object__in=stories).values("tag"))
    tags = tags.annotate(
        starts=Case(When(name__istartswith=typed, then=Value(0)), default=Value(1)),
        uses=Count("articles_taggedarticle_items"),
    )
    return list(tags.order_by("starts", "-uses", "name").values_list("name", flat=True)[:limit])


# Sections, bylines and the front page: how readers' pages are organised.

SECTION_NAVIGATION_CACHE_KEY = "articles:section-navigation"
# Section saves and deletes clear the cached navigation; the timeout bounds a bulk write that bypasses them.
SECTION_NAVIGATION_CACHE_SECONDS = 300


def forget_section_navigation():
    # Now, for this request, and again once committed, in case another request cached the old list meanwhile.
    cache.delete(SECTION_NAVIGATION_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SECTION_NAVIGATION_CACHE_KEY))


class SectionQuerySet(AnnouncingQuerySet):
    def announce(self, touched, fields):
        parent = fields.get("parent")
        changes.note(sections={*touched, *([parent.pk] if isinstance(parent, Section) else [])})

    def top_level(self):
        return self.filter(parent__isnull=True)

    def with_story_counts(self):
        """Each section with its number of published stories, its subsections' included (as its page lists them)."""
        stories = (
            Article.objects.published()
            .filter(Q(section=OuterRef("pk")) | Q(section__parent=OuterRef("pk")))
            .order_by()
            .values(total=Func(F("pk"), function="COUNT"))
        )
        return self.annotate(article_count=Coalesce(Subquery(stories), 0))

    def navigation(self):
        """The header's sections, as (name, url) pairs in the editors' order: asked once, then cached."""
        entries = cache.get(SECTION_NAVIGATION_CACHE_KEY)
        if entries is None:
            entries = [(section.name, section.get_absolute_url()) for section in Section.objects.top_level()]
            cache.set(SECTION_NAVIGATION_CACHE_KEY, entries, SECTION_NAVIGATION_CACHE_SECONDS)
        return entries


class Section(models.Model):
    """A desk readers browse by (News, Business, Sport…), with at most one level of subsections."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="One or two sentences for the section page and search.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Where it comes in the navigation: lower first.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsections",
        limit_choices_to={"parent__isnull": True},
        help_text="Leave empty for a main section; choose one to make this its subsection.",
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="section_not_its_own_parent"),
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)
        forget_section_navigation()

    def get_absolute_url(self):
        return addresses.section(slug=self.slug)

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        forget_section_navigation()
        return deleted

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "A section cannot be its own subsection."})
        if self.parent.parent_id is not None:
            raise ValidationError({"parent": "Subsections go one level deep: choose a main section."})
        if self.pk and self.subsections.exists():
            raise ValidationError({"parent": "This section has subsections of its own, so it must stay a main one."})

    @property
    def trail(self):
        """The section and its parent, outermost first."""
        return [self.parent, self] if self.parent_id else [self]

    def stories(self):
        """Its published stories and its subsections', as cards."""
        return Article.objects.for_listing().filter(Q(section=self) | Q(section__parent=self))


class ArticleAuthorQuerySet(AnnouncingQuerySet):
    def touched(self):
        return list(self.values_list("article", "person"))

    def announce(self, touched, fields):
        moved_to = fields.get("person")
        people = {person for _, person in touched} | ({moved_to.pk} if isinstance(moved_to, Person) else set())
        changes.note(stories={story for story, _ in touched}, people=people)

    def announce_created(self, objs):
        changes.note(stories={row.article_id for row in objs}, people={row.person_id for row in objs})


class ArticleAuthor(models.Model):
    """One name in a story's byline, linked to the person's author page; position orders co-authors."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="bylines", limit_choices_to=~Q(author_kind="")
    )
    position = models.PositiveSmallIntegerField(default=1)

    objects = ArticleAuthorQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "author"
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="unique_article_author"),
        ]

    def __str__(self):
        return f"{self.person_id} wrote {self.article_id}"


# The article page's questions about one story (see _page_relations), compiled once per process.
PAGE_STORY = PreparedQuery(
    # Unordered, as get() asks: ordering the page's wide select costs more than the query.
    lambda slug: Article.objects.select_related(*PAGE_SELECT_RELATED).filter(slug=slug).order_by(),
    STAND_IN_SLUG,
)
PAGE_QUERIES = {
    # Oldest tag first, as prefetching happens to return them (by tag) on SQLite.
    "tags": PreparedQuery(lambda pk: TaggedArticle.tags_for(Article, pk).order_by("pk")),
    "byline_people": PreparedQuery(
        lambda pk: (
            Person.objects.filter(bylines__article=pk)
            .annotate(byline_pk=F("bylines__id"), byline_position=F("bylines__position"))
            .order_by("bylines__position", "bylines__id")
        )
    ),
    "people": PreparedQuery(lambda pk: Person.objects.filter(articles=pk).only("name", "slug", "role")),
    "corrections": PreparedQuery(lambda pk: Correction.objects.filter(article=pk)),
}
HEADLINES = PreparedQuery(
    lambda pk: RelatedHeadline.objects.filter(article=pk).values_list(
        "pk", "headline", "url", "target", *(f"target__{name}" for name in ADDRESS_FIELDS)
    )
)


def move_bylines(kept, merged):
    """A merge keeps the merged people's bylines, now the kept person's (once per story, first place kept)."""
    rows = ArticleAuthor.objects.filter(person__in=[person.pk for person in merged]).order_by("position")
    authored = set(ArticleAuthor.objects.filter(person=kept).values_list("article_id", flat=True))
    for row in rows:
        if row.article_id in authored:
            row.delete()
        else:
            row.person = kept
            row.save(update_fields=["person"])
            authored.add(row.article_id)
    writer = next((person for person in merged if person.author_kind), None)
    if writer is not None and not kept.author_kind:
        kept.author_kind = writer.author_kind
        kept.profile_urls = kept.profile_urls or writer.profile_urls
        kept.save(update_fields=["author_kind", "profile_urls"])


def default_front_page_expiry():
    return timezone.now() + timedelta(hours=settings.FRONT_PAGE_SLOT_HOURS)


class FrontPageSlotQuerySet(AnnouncingQuerySet):
    def touched(self):
        return set(self.values_list("article", flat=True))

    def announce(self, touched, fields):
        moved_to = fields.get("article")
        changes.note(stories={*touched, *([moved_to.pk] if isinstance(moved_to, Article) else [])})

    def announce_created(self, objs):
        changes.note(stories={slot.article_id for slot in objs})

    def current(self):
        """Choices still in force whose story is live, in the editors' order, each with its story."""
        return (
            self.filter(expires_at__gt=timezone.now(), article__in=Article.objects.published())
            .select_related("article")
            .order_by("position", "-id")
        )


class FrontPageSlot(models.Model):
    """An editor's choice for the top of the front page: position 1 is the lead. Expires, so it cannot linger."""

    position = models.PositiveSmallIntegerField(default=1, help_text="1 is the lead; 2 onwards follow it.")
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="front_page_slot")
    expires_at = models.DateTimeField(
        default=default_front_page_expiry,
        help_text="After this the place goes back to the latest stories, so a lead never stays by accident.",
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    chosen_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FrontPageSlotQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-id"]
        verbose_name = "front page story"
        verbose_name_plural = "front page"
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="front_page_position_from_one"),
        ]

    def __str__(self):
        return f"{self.position}. {self.article}"

    @property
    def has_expired(self):
        return self.expires_at <= timezone.now()


class AgencyItem(models.Model):
    """The agency item (NITF, NewsML-G2, ninjs) a story was imported from: its identity, version and status.

    Found by the item's own identifier, so a later version updates the same story and an older one
    arriving late is ignored. A canceled item whose story never came is kept too (with no story), so
    an earlier version delivered after the cancellation does not bring the story back.
    """

    class PubStatus(models.TextChoices):
        USABLE = "usable", "Usable"
        WITHHELD = "withheld", "Withheld"
        CANCELED = "canceled", "Canceled"

    guid = models.CharField(max_length=500, unique=True, help_text="The item's own identifier (guid, uri, doc-id).")
    article = models.OneToOneField(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="agency_item")
    format = models.CharField(max_length=20)
    format_version = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    version_created = models.DateTimeField(null=True, blank=True)
    pub_status = models.CharField(max_length=10, choices=PubStatus.choices, default=PubStatus.USABLE)
    ednote = models.TextField("editorial note", blank=True, help_text="The provider's note to editors.")
    # What our story fields do not hold, kept as the item gave it: [{"name", "code", "role"}, ...].
    organisations = models.JSONField(default=list, blank=True)
    places = models.JSONField(default=list, blank=True)
    pictures = models.JSONField(default=list, blank=True, help_text="Picture addresses, recorded and never fetched.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "agency item"

    def __str__(self):
        return f"{self.guid} v{self.version}"

    def is_newer_than(self, version, version_created):
        """Whether the stored version is later than the given one (an older item must not overwrite it)."""
        if version != self.version:
            return self.version > version
        return bool(self.version_created and version_created and self.version_created > version_created)


class SubjectCode(models.Model):
    """A subject's code (IPTC qcode such as "medtop:04000000", or a provider's URI) and the tag it became.

    Imports find the tag by its code first, so a tag an editor renamed or merged keeps its agency subjects.
    """

    code = models.CharField(max_length=255, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="subject_codes")

    def __str__(self):
        return f"{self.code} → {self.tag_id}"
