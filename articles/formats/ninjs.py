"""IPTC ninjs 1.x and 2.x (News in JSON) items into stories.

2.x has arrays (`headlines`, `bodies`, `descriptions`, `subjects`, `people`, `organisations`,
`places`, `infosources`); 1.x single strings (`headline`, `body_html`/`body_text`, `byline`) and
singular arrays (`subject`, `person`, `organisation`, `place`, `infosource`). Either may come.
ninjs 3.x (camelCase names) is not read. Mapping: see ../shared/fixtures/formats/README.md.
"""

import json

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
from articles.formats.story import FormatError, PersonRef

# Keys only a ninjs object has (our own JSON fixtures use headline/body/... and none of these).
MARKERS = frozenset(
    "uri headlines bodies descriptions body_text body_html body_xhtml body_richtext versioncreated firstcreated "
    "pubstatus $standard standard".split()
)
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xhtml", "html"}


def looks_like(text):
    """A JSON object (or a list of them) with keys only ninjs has."""
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False  # the fixture parser says where the JSON breaks
    if isinstance(data, list) and data:
        data = data[0]
    return isinstance(data, dict) and bool(MARKERS & data.keys())


def parse(text, source):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            f"invalid JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    except (ValueError, RecursionError) as error:
        raise FormatError(f"invalid JSON: {error}", source=source) from None
    return parse_object(data, source)


def parse_object(data, source):
    if isinstance(data, list):
        if not data:
            raise FormatError("JSON list holds no items", source=source)
        return [_story(item, f"{source}#{index}", f"[{index}]") for index, item in enumerate(data)]
    return [_story(data, source, "")]


def _story(data, source, prefix):
    if not isinstance(data, dict):
        raise FormatError("must be a ninjs object", source=source, field=prefix or None)
    reader = _Reader(data, source, prefix)
    headline = reader.role_value("headlines", "main") or reader.string("headline")
    summary = reader.role_value("descriptions", "summary") or _description_1x(reader)
    body = _body(reader)

    people = [
        PersonRef(name=reader.string("name", entry, where), role=reader.string("rel", entry, where))
        for where, entry in reader.entries("people", "person")
    ]
    item = ItemMeta(
        format="ninjs",
        format_version=_version(data),
        guid=reader.string("uri"),
        version=version_number(reader.string("version"), source, prefix + "version") or 1,
        version_created=moment(reader.string("versioncreated"), source, prefix + "versioncreated"),
        pub_status=pub_status(reader.string("pubstatus"), source, prefix + "pubstatus"),
        ednote=reader.string("ednote"),
        slugline=reader.string("slugline"),
        language=reader.string("language"),
        subjects=concepts(_subjects(reader), source, prefix + "subjects"),
        organisations=concepts(
            _concepts(reader, "organisations", "organisation"), source, prefix + "organisations", kind="concept"
        ),
        places=concepts(_places(reader), source, prefix + "places", kind="concept"),
        pictures=tuple(_pictures(reader)),
    )
    if not item.guid:
        raise FormatError("has no uri to identify the story by", source=source, field=prefix + "uri")
    first = moment(reader.string("firstcreated"), source, prefix + "firstcreated")
    embargoed = moment(reader.string("embargoed"), source, prefix + "embargoed")
    fields = Fields(
        headline=_plain(headline),
        summary=_plain(summary),
        body_html=body.html,
        byline=reader.string("by") or reader.string("byline"),
        dateline=reader.string("located"),
        source_agency=_source(reader),
        published_at=max(filter(None, [first or item.version_created, embargoed]), default=None),
        people=people,
        image_caption=item.pictures[0].caption if item.pictures else "",
        image_credit=item.pictures[0].credit if item.pictures else "",
        warnings=[f"{source}: body: {note}" for note in body.notes],
    )
    return build_story(fields, item, source)


class _Reader:
    """Typed access to the object's fields, with errors that name the field."""

    def __init__(self, data, source, prefix):
        self.data, self.source, self.prefix = data, source, prefix

    def string(self, key, container=None, where=""):
        container = self.data if container is None else container
        value = container.get(key)
        if value is None:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool) and key == "version":
            return str(value)
        if not isinstance(value, str):
            raise FormatError(
                f"must be text, not {type(value).__name__}", source=self.source, field=f"{self.prefix}{where}{key}"
            )
        return value.strip()

    def entries(self, *keys):
        """(path, object) for each entry of the first of `keys` present (2.x name first, then 1.x)."""
        for key in keys:
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, dict) and key == "associations":  # 1.x associations are keyed by name
                return [(f"{key}.{name}.", entry) for name, entry in value.items() if isinstance(entry, dict)]
            if not isinstance(value, list):
                raise FormatError("must be a list", source=self.source, field=self.prefix + key)
            found = []
            for index, entry in enumerate(value):
                if not isinstance(entry, dict):
                    raise FormatError("must be an object", source=self.source, field=f"{self.prefix}{key}[{index}]")
                found.append((f"{key}[{index}].", entry))
            return found
        return []

    def role_value(self, key, role):
        entries = self.entries(key)
        chosen = [entry for _, entry in entries if entry.get("role") == role] or [entry for _, entry in entries]
        if not chosen:
            return None
        value = chosen[0].get("value", "")
        if not isinstance(value, str):
            raise FormatError("must be text", source=self.source, field=f"{self.prefix}{key}.value")
        return (value, chosen[0].get("contenttype", "text/plain"))


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, tuple):
        text, kind = value
        return markup.text_of_html(text) if kind in HTML_TYPES else text
    return value


def _description_1x(reader):
    for key, kind in (("description_text", "text/plain"), ("description_html", "text/html")):
        if reader.string(key):
            return (reader.string(key), kind)
    return None


def _body(reader):
    bodies = reader.role_value("bodies", "main")
    if bodies is not None:
        value, kind = bodies
        return markup.from_html(value) if kind in HTML_TYPES or "<" in value else markup.from_text(value)
    for key in ("body_html", "body_xhtml", "body_richtext"):
        if reader.string(key):
            return markup.from_html(reader.string(key))
    return markup.from_text(reader.string("body_text"))


def _subjects(reader):
    found = []
    for where, entry in reader.entries("subjects", "subject"):
        code = reader.string("uri", entry, where)
        if not code and reader.string("code", entry, where):
            scheme = reader.string("scheme", entry, where)
            code = f"{scheme.rstrip('/')}/{reader.string('code', entry, where)}" if scheme else entry["code"]
        found.append(Concept(reader.string("name", entry, where), code=code or reader.string("literal", entry, where)))
    return found


def _concepts(reader, *keys):
    return [
        Concept(
            reader.string("name", entry, where),
            code=reader.string("uri", entry, where) or reader.string("literal", entry, where),
            role=reader.string("rel", entry, where),
        )
        for where, entry in reader.entries(*keys)
    ]


def _places(reader):
    places = _concepts(reader, "places", "place")
    located = reader.string("located")
    if located and located.casefold() not in {place.name.casefold() for place in places}:
        places.insert(0, Concept(located))
    return places


def _source(reader):
    for where, entry in reader.entries("infosources", "infosource"):
        if reader.string("name", entry, where):
            return reader.string("name", entry, where)
    return reader.string("copyrightholder")


def _pictures(reader):
    found = []
    for where, entry in reader.entries("associations"):
        name = entry.get("name") or (where.split(".")[1] if where.startswith("associations.") else "")
        if entry.get("type") not in (None, "picture", "graphic") or (name and name != "featureimage"):
            continue
        renditions = entry.get("renditions")
        if isinstance(renditions, dict):  # 1.x: keyed by rendition name
            renditions = list(renditions.values())
        hrefs = [r for r in renditions or [] if isinstance(r, dict) and isinstance(r.get("href"), str)]
        if not hrefs:
            continue
        largest = max(hrefs, key=lambda r: (r.get("width") or 0) if isinstance(r.get("width"), int | float) else 0)
        caption = _association_text(entry, "descriptions", "description_text") or _association_text(
            entry, "headlines", "headline"
        )
        found.append(
            PictureRef(
                href=largest["href"],
                caption=caption,
                credit=str(entry.get("by") or entry.get("byline") or entry.get("copyrightholder") or ""),
            )
        )
    return found


def _association_text(entry, array_key, string_key):
    values = entry.get(array_key)
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return str(values[0].get("value", ""))
    return str(entry.get(string_key) or "")


def _version(data):
    for key in ("standard", "$standard"):
        standard = data.get(key)
        if isinstance(standard, dict) and isinstance(standard.get("version"), str):
            return standard["version"]
    return "2" if any(key in data for key in ("headlines", "bodies", "subjects")) else "1"
