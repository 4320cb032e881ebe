"""NITF 3.x (News Industry Text Format) documents into stories.

Accepts the common wire form without a namespace and documents written to the XSD
(`http://iptc.org/std/NITF/2006-10-18/`); any 3.x `@version` is read. Mapping: see
../shared/fixtures/formats/README.md.
"""

import re

from articles.formats import markup
from articles.formats.item import (
    Concept,
    Fields,
    ItemMeta,
    PictureRef,
    build_story,
    concepts,
    moment,
    pub_status,
    version_number,
)
from articles.formats.safexml import child, children, descendants, local, path, text
from articles.formats.story import FormatError, PersonRef

_VERSION_RE = re.compile(r"NITF\s+(\d+(?:\.\d+)*)", re.IGNORECASE)


def parse(root, source):
    if local(root) != "nitf":
        raise FormatError(f"expected an NITF document (root <nitf>), found <{local(root)}>", source=source)
    return [_story(root, source)]


def _story(root, source):
    head = child(root, "head")
    docdata = path(head, "docdata")
    body = child(root, "body")
    body_head = child(body, "body.head") if body is not None else None

    identified = path(docdata, "identified-content")
    people = [_person(element) for element in children(identified, "person")]
    organisations = [
        Concept(text(org), code=org.get("value") or org.get("idsrc", "")) for org in children(identified, "org")
    ]
    places = [
        Concept(_location(element), code=element.get("value") or "") for element in children(identified, "location")
    ]
    subjects = [
        Concept(text(classifier), code=classifier.get("value") or "")
        for classifier in children(identified, "classifier")
        if classifier.get("type", "subject") in {"subject", "category", ""}
    ]
    content = body_content(root)

    doc_id = path(docdata, "doc-id")
    status = docdata.get("management-status", "") if docdata is not None else ""
    published = moment(_norm(path(docdata, "date.issue")), source, "docdata/date.issue@norm")
    release = moment(_norm(path(docdata, "date.release")), source, "docdata/date.release@norm")
    if published is None:
        published = moment(_attr(path(head, "pubdata"), "date.publication"), source, "pubdata@date.publication")

    item = ItemMeta(
        format="nitf",
        format_version=_format_version(root),
        guid=_attr(doc_id, "id-string").strip(),
        version=version_number(_attr(path(docdata, "du-key"), "version"), source, "docdata/du-key@version") or 1,
        version_created=published,
        pub_status=pub_status(status, source, "docdata@management-status"),
        ednote=_attr(path(docdata, "ed-msg"), "info").strip(),
        language=root.get("baselang", ""),
        subjects=concepts(subjects, source, "identified-content/classifier"),
        organisations=concepts(organisations, source, "identified-content/org", kind="concept"),
        places=concepts(places, source, "identified-content/location", kind="concept"),
        pictures=tuple(_pictures(body)),
    )
    fields = Fields(
        headline=text(path(body_head, "hedline", "hl1")) or text(path(head, "title")),
        summary=" ".join(text(p) for p in children(child(body_head, "abstract"), "p"))
        or text(child(body_head, "abstract")),
        body_html=content.html,
        byline=_byline(child(body_head, "byline")),
        dateline=text(child(body_head, "dateline")),
        source_agency=text(path(body_head, "distributor", "org"))
        or text(path(body_head, "distributor"))
        or _attr(path(docdata, "doc.copyright"), "holder")
        or _attr(doc_id, "regsrc"),
        # An embargo on the wire is a scheduled publication here.
        published_at=max(filter(None, [published, release]), default=None),
        people=people,
        warnings=[f"{source}: body: {note}" for note in content.notes],
    )
    if not item.guid:
        raise FormatError("has no doc-id@id-string to identify the story by", source=source, field="docdata/doc-id")
    return build_story(fields, item, source)


def body_content(root):
    """The blocks of an NITF document's `body.content` (also used for NITF inside a NewsML-G2 item)."""
    content = path(root, "body", "body.content")
    return markup.from_element(content) if content is not None else markup.Body()


def _attr(element, name):
    return element.get(name, "") if element is not None else ""


def _norm(element):
    return _attr(element, "norm")


def _format_version(root):
    match = _VERSION_RE.search(root.get("version", ""))
    return match.group(1) if match else "3"


def _person(element):
    given, family = text(child(element, "name.given")), text(child(element, "name.family"))
    role = text(child(element, "function"))
    if given or family:
        name = f"{given} {family}".strip()
    else:
        # The element's own text, without its function.
        name = " ".join(
            "".join(
                [element.text or ""]
                + [
                    ("" if local(node) == "function" else "".join(node.itertext())) + (node.tail or "")
                    for node in element
                ]
            ).split()
        )
    return PersonRef(name=name, role=role)


def _location(element):
    parts = [text(node) for node in element if isinstance(node.tag, str) and text(node)]
    return ", ".join(parts) if parts else text(element)


def _byline(element):
    if element is None:
        return ""
    people = children(element, "person")
    if people:
        return ", ".join(text(person) for person in people if text(person))
    words = "".join(
        [element.text or ""]
        + [("" if local(node) == "byttl" else "".join(node.itertext())) + (node.tail or "") for node in element]
    )
    words = " ".join(words.split())
    return re.sub(r"^by\s+", "", words, flags=re.IGNORECASE).strip(" ,")


def _pictures(body):
    if body is None:
        return []
    found = []
    for media in descendants(body, "media"):
        reference = child(media, "media-reference")
        href = _attr(reference, "source") or _attr(reference, "data")
        if href:
            found.append(
                PictureRef(
                    href=href, caption=text(child(media, "media-caption")), credit=text(child(media, "media-producer"))
                )
            )
    return found
