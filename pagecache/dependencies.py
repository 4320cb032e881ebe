"""The one place that knows what each page depends on, and what each change invalidates.

A key names something a page shows. Specific keys name one story, tag, person or section; kind-wide keys
(`stories`, `tags`, `people`, `sections`) stand for "which of them exist and in what order", for pages
that list all of a kind (the front page, feeds, sitemaps, the topics and people indexes, the header's
sections). The rule both halves keep: **a page depends on the key of everything it shows, and a change
moves the key of everything it touched**, read once the change is committed (`invalidated_by`).

A page that draws a library picture names it (`picture-3`): its description, crops and renditions.

Where a page lists stories chosen by a tag, person or author, the list key is that tag's or person's
(`tag-5`, `person-7-stories`): any change to a story moves the keys of its tags and of the people it
mentions or credits, so a story published, edited, taken down or deleted reaches every page listing it, and
every story page whose related stories it could enter or leave (related stories come only from shared
tags; shared people only rank them). A person's own key (`person-7`: their name, role, photo) moves only
when the person is edited or linked, so cards crediting them are not re-rendered for every story they write.
"""

from taggit.models import Tag

from articles.models import Article

SECTION_FIELD = Article._meta.get_field("section")

STORIES = "stories"
TAGS = "tags"
PEOPLE = "people"
SECTIONS = "sections"


def story(pk):
    return f"story-{pk}"


def tag(pk):
    return f"tag-{pk}"


def person(pk):
    """The person as pages name them (name, role, photo, bio)."""
    return f"person-{pk}"


def person_stories(pk):
    """Which stories mention or credit the person (their person and author pages and feeds)."""
    return f"person-{pk}-stories"


def section(pk):
    return f"section-{pk}"


def picture(pk):
    """A library picture as pages draw it: its description, crops and renditions."""
    return f"picture-{pk}"


# --- what pages show -------------------------------------------------------------------------------------


def cards(stories):
    """Story cards (lists, feeds, the lead): each story, its section's name, its credited authors (prefetched)."""
    keys = set()
    for article in stories:
        keys.add(story(article.pk))
        keys.add(section(article.section_id))
        keys.update(person(byline.person_id) for byline in article.bylines.all())
        if article.lead_library_picture_id:
            keys.add(picture(article.lead_library_picture_id))
    return keys


def page(*kinds):
    """Every reader page carries the header's section navigation."""
    return {SECTIONS, *kinds}


def story_page(article, related):
    """A story's page: the story with its tags, people, authors, section trail, pictures, the related stories
    it ranks (from its tags and people) and the stories its "more headlines" link to."""
    keys = page(story(article.pk), *(section(part.pk) for part in article.section.trail))
    keys.update(picture(item.pk) for item in article.body_pictures)  # the page draws these blocks anyway
    if article.lead_library_picture_id:
        keys.add(picture(article.lead_library_picture_id))
    keys.update(tag(item.pk) for item in article.tags.all())
    keys.update(person(item.pk) for item in article.people.all())
    keys.update(person(byline.person_id) for byline in article.bylines.all())
    keys.update(story(item.pk) for item in related)
    keys.update(story(line.target_id) for line in article.related_headlines.all() if line.target_id)
    return keys


def front_page(stories):
    """Any story can enter the front page or move on it: all stories, and the cards shown."""
    return page(STORIES) | cards(stories)


def tag_page(topic, stories):
    return page(tag(topic.pk)) | cards(stories)


def person_page(someone, stories):
    """A person's or author's page: the person, and their stories (mentions and bylines alike)."""
    keys = page(person(someone.pk), person_stories(someone.pk)) | cards(stories)
    if someone.photo_id:
        keys.add(picture(someone.photo_id))
    return keys


def section_page(desk, subsections, stories):
    """A section lists its own and its subsections' stories; a story moving between sections changes it."""
    keys = page(STORIES, section(desk.pk), *(section(sub.pk) for sub in subsections)) | cards(stories)
    if desk.parent_id:
        keys.add(section(desk.parent_id))
    return keys


def feed(subject, items):
    """A feed: its subject (a tag, person or section; None for the latest stories) and its items, with
    their categories (tags)."""
    keys = cards(items)
    for item in items:
        keys.update(tag(topic.pk) for topic in item.tags.all())
    from articles.models import Person, Section

    if isinstance(subject, Tag):
        keys.add(tag(subject.pk))
    elif isinstance(subject, Person):
        keys.update({person(subject.pk), person_stories(subject.pk)})
    elif isinstance(subject, Section):
        keys.update({STORIES, section(subject.pk)})
    else:
        keys.add(STORIES)
    return keys


def api_story(article):
    """A story in the Content API: the story, its section, tags and people (names and addresses)."""
    keys = {story(article.pk), section(article.section_id)}
    if SECTION_FIELD.is_cached(article) and article.section.parent_id:  # loaded with the story: no query
        keys.add(section(article.section.parent_id))
    keys.update(tag(item.pk) for item in article.tags.all())
    keys.update(person(item.pk) for item in article.people.all())
    if article.lead_library_picture_id:
        keys.add(picture(article.lead_library_picture_id))
    return keys


# --- what a change invalidates ----------------------------------------------------------------------------


def invalidated_by(stories=(), tags=(), people=(), sections=(), pictures=()):
    """The keys a committed change moves (what content_changed named, and what those stories link to now;
    links a change removed were named by the change itself)."""
    from articles.models import Article, ArticleAuthor, Section, TaggedArticle

    keys = {story(pk) for pk in stories} | {tag(pk) for pk in tags} | {section(pk) for pk in sections}
    keys |= {picture(pk) for pk in pictures}
    # A person named by the change was edited, or linked to or unlinked from a story: both.
    keys |= {person(pk) for pk in people} | {person_stories(pk) for pk in people}
    if stories:
        keys.add(STORIES)
        keys.update(
            tag(pk) for pk in TaggedArticle.objects.filter(content_object__in=stories).values_list("tag", flat=True)
        )
        mentioned = Article.people.through.objects.filter(article__in=stories).values_list("person", flat=True)
        credited = ArticleAuthor.objects.filter(article__in=stories).values_list("person", flat=True)
        keys.update(person_stories(pk) for pk in {*mentioned, *credited})
    if tags:
        keys.add(TAGS)
    if people:
        keys.add(PEOPLE)
    if sections:
        keys.add(SECTIONS)
        parents = Section.objects.filter(pk__in=sections, parent__isnull=False).values_list("parent", flat=True)
        keys.update(section(pk) for pk in parents)
    return keys
