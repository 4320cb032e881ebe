"""A published story as an IPTC ninjs 2.1 document, for partners, apps and aggregators.

The document is ours: its `uri` is this site's stable identifier for the story (an agency story's
own guid travels in `altids`), its `version` the story's revision counter. Our importer reads it
back into the same story (tests/test_api.py round-trips every field it carries).
"""

from html import escape

from django.conf import settings

from articles.formats.item import code_uri
from articles.models import SubjectCode

NINJS_VERSION = "2.1"
NINJS_SCHEMA = f"http://www.iptc.org/std/ninjs/ninjs-schema_{NINJS_VERSION}.json"


def story_uri(article, request):
    return f"urn:newsroom:{request.get_host().split(':')[0]}:story:{article.pk}"


def body_html(article):
    """The body in the body vocabulary: paragraphs until the rich body (issue 14) stores HTML itself."""
    return "".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in article.paragraphs)


def document(article, request):
    absolute = request.build_absolute_uri
    item = getattr(article, "agency_item", None)
    tags = list(article.tags.all())
    codes = {tag.pk: [] for tag in tags}
    for code, tag_id in SubjectCode.objects.filter(tag__in=tags).order_by("code").values_list("code", "tag_id"):
        codes[tag_id].append(code)
    doc = {
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
        "uri": story_uri(article, request),
        "type": "text",
        "representationtype": "full",
        "version": str(max(article.version, 1)),
        "firstcreated": _iso(article.published_at),
        "versioncreated": _iso(article.modified_at),
        "pubstatus": "usable",
        "language": settings.LANGUAGE_CODE,
        # Who holds the copy: the agency where it came from one (copyrightholder names the source, so a
        # site importing our own stories would otherwise credit them to an agency); us in the notice.
        "copyrightnotice": f"Copyright {settings.SITE_NAME}",
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": article.headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": body_html(article),
                "wordcount": len(article.body.split()),
            }
        ],
        "subjects": [_subject(tag, codes[tag.pk]) for tag in tags],
        "people": [_person(person, absolute) for person in article.people.all()],
        "altids": [{"role": "url", "value": absolute(article.get_absolute_url())}],
    }
    if article.summary:
        doc["descriptions"] = [{"role": "summary", "contenttype": "text/plain", "value": article.summary}]
    if article.byline:
        doc["by"] = article.byline
    if article.dateline:
        doc["located"] = article.dateline
    if article.source:
        doc["infosources"] = [{"name": article.source}]
        doc["copyrightholder"] = article.source
    if item is not None:
        doc["altids"].append({"role": "agency-guid", "value": item.guid})
        doc["organisations"] = [_concept(concept) for concept in item.organisations]
        doc["places"] = [_concept(concept) for concept in item.places]
    picture = article.lead_picture
    if picture:
        doc["associations"] = [_feature_image(article, picture, absolute)]
    return doc


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _subject(tag, codes):
    subject = {"name": tag.name, "rel": "about"}
    uri = next((code_uri(code) for code in codes if code_uri(code)), "")
    if uri:
        subject["uri"] = uri
    return subject


def _person(person, absolute):
    entry = {"name": person.name, "uri": absolute(person.get_absolute_url())}
    if person.role:
        entry["rel"] = person.role
    return entry


def _concept(concept):
    entry = {"name": concept["name"]}
    if concept.get("role"):
        entry["rel"] = concept["role"]
    if concept.get("code") and code_uri(concept["code"]):
        entry["uri"] = code_uri(concept["code"])
    return entry


def _feature_image(article, picture, absolute):
    rendition = {"name": "original", "href": absolute(article.lead_image.url)}
    if article.lead_image_width and article.lead_image_height:
        rendition.update(width=article.lead_image_width, height=article.lead_image_height)
    association = {
        "name": "featureimage",
        "uri": absolute(article.lead_image.url),
        "type": "picture",
        "renditions": [rendition],
    }
    if article.lead_image_alt or article.lead_image_caption:
        association["descriptions"] = [
            {"role": role, "contenttype": "text/plain", "value": value}
            for role, value in (("alt", article.lead_image_alt), ("caption", article.lead_image_caption))
            if value
        ]
    if article.lead_image_credit:
        association["by"] = article.lead_image_credit
    return association
