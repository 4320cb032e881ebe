"""IPTC NewsML-G2 2.x items into stories.

A `newsItem` is one story; a `newsMessage` carries several in its `itemSet`. The text is in
`contentSet`: XHTML or NITF in `inlineXML`, or plain text in `inlineData`. Subjects of type
`cpnat:abstract` (or untyped) become tags with their qcodes; `cpnat:person` subjects are people,
`cpnat:organisation` and geographic ones are recorded as such and never become people.
Mapping: see ../shared/fixtures/formats/README.md.
"""

from articles.formats import markup, nitf
from articles.formats.item import (
    Concept,
    Fields,
    ItemMeta,
    PictureRef,
    build_story,
    canonical_code,
    concepts,
    moment,
    pub_status,
    version_number,
)
from articles.formats.safexml import child, children, local, path, text, where
from articles.formats.story import FormatError, PersonRef

NAMESPACE = "http://iptc.org/std/nar/2006-10-01/"
PERSON_TYPES = {"cpnat:person"}
ORGANISATION_TYPES = {"cpnat:organisation"}
PLACE_TYPES = {"cpnat:geoArea", "cpnat:poi"}
# The relation that carries a concept's role in this story. No G2 property is meant for it, so
# providers declare their own (the samples' "lprel:role"); IPTC's concept example uses an occupation.
ROLE_RELATIONS = {"role", "occupation"}
SUMMARY_ROLES = {"drol:summary", "drol:teaser", ""}
TEXT_TYPES = {"application/xhtml+xml", "text/html", "application/nitf+xml", "text/plain", ""}


def parse(root, source):
    name = local(root)
    if name == "newsItem":
        return [_story(root, source)]
    if name == "newsMessage":
        items = [item for item in children(child(root, "itemSet"), "newsItem", "packageItem", "conceptItem")]
        stories = [_story(item, f"{source}#{index}") for index, item in enumerate(items) if local(item) == "newsItem"]
        if not stories:
            raise FormatError("the newsMessage carries no newsItem", source=source, field="itemSet")
        return stories
    if name == "packageItem":
        raise FormatError(
            "a packageItem only lists other items by reference (itemRef@residref): import those newsItems",
            source=source,
        )
    raise FormatError(f"<{name}> items carry no story text; expected a newsItem", source=source)


def _story(element, source):
    item_meta = child(element, "itemMeta")
    content_meta = child(element, "contentMeta")
    schemes = {
        scheme.get("alias"): scheme.get("uri")
        for scheme in children(child(element, "catalog"), "scheme")
        if scheme.get("alias") and scheme.get("uri")
    }
    people, organisations, places, subjects = [], [], [], []
    for subject in children(content_meta, "subject"):
        kind = subject.get("type", "")
        concept = Concept(_name(subject), code=subject.get("qcode") or subject.get("uri", ""), role=_role(subject))
        if kind in PERSON_TYPES:
            people.append(PersonRef(name=concept.name, role=concept.role))
        elif kind in ORGANISATION_TYPES:
            organisations.append(concept)
        elif kind in PLACE_TYPES:
            places.append(concept)
        else:
            subjects.append(concept)
    located = child(content_meta, "located")
    if located is not None and _name(located):
        places.insert(0, Concept(_name(located), code=located.get("qcode", "")))

    body = _body(child(element, "contentSet"), source)
    links = children(item_meta, "link")
    pictures = [
        PictureRef(href=link.get("href", ""), caption=text(child(link, "title")))
        for link in links
        if link.get("contenttype", "").startswith("image/") and link.get("href")
    ]
    first_created = moment(text(child(item_meta, "firstCreated")), source, "itemMeta/firstCreated")
    version_created = moment(text(child(item_meta, "versionCreated")), source, "itemMeta/versionCreated")
    embargoed = moment(text(child(item_meta, "embargoed")), source, "itemMeta/embargoed")
    status = child(item_meta, "pubStatus")
    provider = child(item_meta, "provider")

    item = ItemMeta(
        format="newsml-g2",
        format_version=element.get("standardversion", "2"),
        guid=element.get("guid", "").strip(),
        version=version_number(element.get("version"), source, "newsItem@version") or 1,
        version_created=version_created or first_created,
        pub_status=pub_status(status.get("qcode", "") if status is not None else "", source, "itemMeta/pubStatus"),
        ednote=" ".join(text(note) for note in children(item_meta, "edNote")),
        slugline=text(child(content_meta, "slugline")),
        language=element.get("{http://www.w3.org/XML/1998/namespace}lang", ""),
        subjects=_concepts(subjects, schemes, source, "contentMeta/subject"),
        organisations=_concepts(organisations, schemes, source, "contentMeta/subject", kind="concept"),
        places=_concepts(places, schemes, source, "contentMeta/located", kind="concept"),
        pictures=tuple(pictures),
    )
    if not item.guid:
        raise FormatError("has no guid to identify the story by", source=source, line=where(element), field="guid")
    fields = Fields(
        headline=_headline(content_meta),
        summary=_summary(content_meta),
        body_html=body.html,
        byline=text(child(content_meta, "by")) or text(path(content_meta, "creator", "name")),
        dateline=text(child(content_meta, "dateline")),
        source_agency=text(child(provider, "name"))
        or (provider.get("uri") or provider.get("qcode") or "" if provider is not None else ""),
        published_at=max(filter(None, [first_created or version_created, embargoed]), default=None),
        people=people,
        warnings=[f"{source}: body: {note}" for note in body.notes],
    )
    return build_story(fields, item, source)


def _concepts(found, schemes, source, where_, kind="tag"):
    named = concepts(found, source, where_, kind=kind)
    return tuple(Concept(c.name, code=canonical_code(c.code, schemes), role=c.role) for c in named)


def _name(concept):
    names = children(concept, "name")
    return text(names[0]) if names else ""


def _role(concept):
    for related in children(concept, "related"):
        if related.get("rel", "").rpartition(":")[2] in ROLE_RELATIONS:
            return _name(related) or related.get("literal", "")
    return ""


def _headline(content_meta):
    headlines = children(content_meta, "headline")
    main = [h for h in headlines if h.get("role", "") in {"", "hdltype:main", "main"}]
    return text((main or headlines)[0]) if headlines else ""


def _summary(content_meta):
    descriptions = children(content_meta, "description")
    for role in ("drol:summary", "drol:teaser", ""):
        for description in descriptions:
            if description.get("role", "") == role and text(description):
                return text(description)
    return ""


def _body(content_set, source):
    if content_set is None:
        return markup.Body()
    for content in content_set:
        if not isinstance(content.tag, str):
            continue
        kind = content.get("contenttype", "").split(";")[0].strip()
        if kind not in TEXT_TYPES:
            continue
        if local(content) == "inlineData":
            return markup.from_text(content.text or "")
        if local(content) != "inlineXML":
            continue
        document = next((node for node in content if isinstance(node.tag, str)), None)
        if document is None:
            continue
        if local(document) == "nitf":
            return nitf.body_content(document)
        if local(document) == "html":
            return markup.from_element(child(document, "body") if child(document, "body") is not None else document)
        return markup.from_element(document)
    return markup.Body()
