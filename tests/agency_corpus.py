"""Agency items made to order: one story spec rendered as NITF, NewsML-G2 or ninjs, in any declared version.

For tests and benchmarks: specs are random but seeded, names carry hyphens, apostrophes and accents as real
copy does, and every field a parser maps is present, so a test can compare what came back field by field.
"""

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape

GIVEN = "Ada Bela Carl Dína Emil Fern Gus Hana Ivo Jana Kai Léna Milo Nora Otto Pia Rui Sara Theo Uma".split()
FAMILY = "Abara Brandt-Cole Castell O'Dorsey Eklund Farrow-Næss Gallo Hadid Ivers Jović Kemper Lund Moreau".split()
ROLES = ["harbour master", "council leader", "head teacher", "union organiser", "festival director", "striker"]
PLACES = ["Port Alder", "Harlow Bay", "Kingsmere", "Eastwick", "St Brannoc's"]
TOPICS = [
    ("transport", "medtop:20000344"),
    ("education", "medtop:05000000"),
    ("environment", "medtop:06000000"),
    ("sport", "medtop:15000000"),
    ("weather", "medtop:17000000"),
    ("health", "medtop:07000000"),
]
ORGS = ["Alder Port Authority", "Harlow Rovers FC", "Kingsmere Trust", "Eastwick & District Council"]

NITF_VERSIONS = ("3.4", "3.5", "3.6")
NEWSML_VERSIONS = ("2.29", "2.35")
NINJS2_VERSIONS = ("2.0", "2.1", "2.2")
NINJS1_VERSIONS = ("1.4", "1.5", "1.6")


@dataclass(frozen=True)
class Spec:
    guid: str
    version: int
    headline: str
    summary: str
    byline: str
    dateline: str
    place: str
    source: str
    paragraphs: tuple[str, ...]
    subhead: str
    quote: tuple[str, str]  # text, attribution
    link: tuple[str, str]  # href, text (inside the last paragraph)
    tags: tuple[tuple[str, str], ...]  # name, qcode
    people: tuple[tuple[str, str], ...]  # name, role
    organisations: tuple[str, ...]
    first_created: datetime
    version_created: datetime
    status: str = "usable"
    ednote: str = ""
    extra: dict = field(default_factory=dict)

    def next_version(self, **changes):
        return replace(
            self, version=self.version + 1, version_created=self.version_created + timedelta(minutes=30), **changes
        )

    @property
    def last_paragraph_text(self):
        return f"{self.paragraphs[-1]} Details are on {self.link[1]}."


def random_spec(rng, number):
    place = rng.choice(PLACES)
    people = tuple(
        (f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}-{number}-{n}", rng.choice(ROLES)) for n in range(rng.randint(1, 3))
    )
    topic = rng.sample(TOPICS, rng.randint(1, 3))
    first = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(500_000))
    lead = people[0][0]
    return Spec(
        guid=f"urn:newsml:corpus.example:{number}",
        version=1,
        headline=f"{place} {topic[0][0]} plan {number} wins backing – “at last”",
        summary=f"{lead} said the {topic[0][0]} plan for {place} would start in spring.",
        byline=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
        dateline=f"{place.upper()}, March {rng.randint(1, 28)}",
        place=place,
        source="Corpus Press Agency",
        paragraphs=tuple(
            f"{text} (story {number}, paragraph {n + 1})."
            for n, text in enumerate(
                [
                    f"Plans for {topic[0][0]} in {place} won backing on Tuesday, {lead} said",
                    f"The {people[0][1]} told reporters the work would cost £{rng.randint(2, 90)}m & take two years",
                    f"Residents of {place} have waited {rng.randint(2, 40)} months for a decision",
                    f"A consultation closes on {rng.choice(['May 1', 'June 9', 'July 30'])}",
                ]
            )
        ),
        subhead=f"What happens in {place} next",
        quote=(f"“We have listened, and {place} will see the difference,” (story {number})", lead),
        link=(f"https://corpus.example/{number}/plan", "the council’s plan page"),
        tags=tuple(topic),
        people=people,
        organisations=(rng.choice(ORGS),),
        first_created=first,
        version_created=first + timedelta(minutes=20),
    )


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def _x(text):
    return escape(text, quote=True)


# --- NITF ------------------------------------------------------------------------------------------


def nitf(spec, version="3.6"):
    *lede, last = spec.paragraphs
    people = "".join(
        f"<person><name.given>{_x(name.split(' ', 1)[0])}</name.given> <name.family>{_x(name.split(' ', 1)[1])}"
        f"</name.family><function>{_x(role)}</function></person>"
        for name, role in spec.people
    )
    classifiers = "".join(
        f'<classifier type="subject" value="{code}">{_x(name)}</classifier>' for name, code in spec.tags
    )
    orgs = "".join(f"<org>{_x(org)}</org>" for org in spec.organisations)
    status = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}[spec.status]
    ednote = f'<ed-msg info="{_x(spec.ednote)}"/>' if spec.ednote else ""
    stamp = spec.first_created.strftime("%Y%m%dT%H%M%S+0000")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf version="-//IPTC//DTD NITF {version}//EN">
<head><title>{_x(spec.headline)}</title>
<docdata management-status="{status}"><doc-id regsrc="CPA" id-string="{_x(spec.guid)}"/>
<date.issue norm="{stamp}"/><du-key version="{spec.version}"/>{ednote}
<identified-content>{people}{orgs}<location><city>{_x(spec.place)}</city></location>{classifiers}</identified-content>
</docdata></head>
<body><body.head><hedline><hl1>{_x(spec.headline)}</hl1></hedline>
<byline>By <person>{_x(spec.byline)}</person></byline>
<distributor><org>{_x(spec.source)}</org></distributor>
<dateline>{_x(spec.dateline)}</dateline>
<abstract><p>{_x(spec.summary)}</p></abstract></body.head>
<body.content>{"".join(f"<p>{_x(p)}</p>" for p in lede[:2])}<hl2>{_x(spec.subhead)}</hl2>
{"".join(f"<p>{_x(p)}</p>" for p in lede[2:])}
<bq><block><p>{_x(spec.quote[0])}</p></block><credit>{_x(spec.quote[1])}</credit></bq>
<p>{_x(last)} Details are on <a href="{_x(spec.link[0])}">{_x(spec.link[1])}</a>.</p>
</body.content></body></nitf>
"""


# --- NewsML-G2 ----------------------------------------------------------------------------------------


def newsml(spec, version="2.35"):
    *lede, last = spec.paragraphs
    subjects = "".join(
        f'<subject type="cpnat:abstract" qcode="{code}"><name>{_x(name)}</name></subject>' for name, code in spec.tags
    )
    subjects += "".join(
        f'<subject type="cpnat:person"><name>{_x(name)}</name><related rel="cprel:role"><name>{_x(role)}</name>'
        "</related></subject>"
        for name, role in spec.people
    )
    subjects += "".join(
        f'<subject type="cpnat:organisation"><name>{_x(o)}</name></subject>' for o in spec.organisations
    )
    ednote = f"<edNote>{_x(spec.ednote)}</edNote>" if spec.ednote else ""
    body = (
        "".join(f"<p>{_x(p)}</p>" for p in lede[:2])
        + f"<h2>{_x(spec.subhead)}</h2>"
        + "".join(f"<p>{_x(p)}</p>" for p in lede[2:])
        + f"<figure><blockquote><p>{_x(spec.quote[0])}</p></blockquote><figcaption>{_x(spec.quote[1])}</figcaption>"
        "</figure>" + f'<p>{_x(last)} Details are on <a href="{_x(spec.link[0])}">{_x(spec.link[1])}</a>.</p>'
    )
    content = (
        ""
        if spec.status == "canceled"
        else f"""<contentSet><inlineXML contenttype="application/xhtml+xml">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>{body}</body></html>
</inlineXML></contentSet>"""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{_x(spec.guid)}" version="{spec.version}"
 standard="NewsML-G2" standardversion="{version}" conformance="power" xml:lang="en-GB">
<catalogRef href="http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_40.xml"/>
<itemMeta><itemClass qcode="ninat:text"/><provider uri="https://corpus.example/"><name>{_x(spec.source)}</name></provider>
<versionCreated>{_iso(spec.version_created)}</versionCreated><firstCreated>{_iso(spec.first_created)}</firstCreated>
<pubStatus qcode="stat:{spec.status}"/>{ednote}</itemMeta>
<contentMeta><located><name>{_x(spec.place)}</name></located>{subjects}
<headline>{_x(spec.headline)}</headline><dateline>{_x(spec.dateline)}</dateline><by>{_x(spec.byline)}</by>
<description role="drol:summary">{_x(spec.summary)}</description></contentMeta>
{content}
</newsItem>
"""


# --- ninjs --------------------------------------------------------------------------------------------


def _html_body(spec):
    *lede, last = spec.paragraphs
    return (
        "".join(f"<p>{_x(p)}</p>" for p in lede[:2])
        + f"<h2>{_x(spec.subhead)}</h2>"
        + "".join(f"<p>{_x(p)}</p>" for p in lede[2:])
        + f"<blockquote><p>{_x(spec.quote[0])}</p><cite>{_x(spec.quote[1])}</cite></blockquote>"
        + f'<p>{_x(last)} Details are on <a href="{_x(spec.link[0])}">{_x(spec.link[1])}</a>.</p>'
    )


def ninjs2(spec, version="2.1"):
    item = {
        "standard": {
            "name": "ninjs",
            "version": version,
            "schema": f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json",
        },
        "uri": spec.guid,
        "type": "text",
        "version": str(spec.version),
        "firstcreated": _iso(spec.first_created),
        "versioncreated": _iso(spec.version_created),
        "pubstatus": spec.status,
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": spec.headline}],
        "descriptions": [{"role": "summary", "contenttype": "text/plain", "value": spec.summary}],
        "by": spec.byline,
        "located": spec.dateline,
        "subjects": [
            {"name": name, "rel": "about", "uri": "http://cv.iptc.org/newscodes/mediatopic/" + code.split(":")[1]}
            for name, code in spec.tags
        ],
        "people": [{"name": name, "rel": role} for name, role in spec.people],
        "organisations": [{"name": org} for org in spec.organisations],
        "places": [{"name": spec.place}],
        "infosources": [{"name": spec.source}],
    }
    if spec.status != "canceled":
        item["bodies"] = [{"role": "main", "contenttype": "text/html", "value": _html_body(spec)}]
    if spec.ednote:
        item["ednote"] = spec.ednote
    return json.dumps(item, ensure_ascii=False, indent=1)


def ninjs1(spec, version="1.6"):
    item = {
        "$standard": {
            "name": "ninjs",
            "version": version,
            "schema": f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json",
        },
        "uri": spec.guid,
        "type": "text",
        "version": str(spec.version),
        "firstcreated": _iso(spec.first_created),
        "versioncreated": _iso(spec.version_created),
        "pubstatus": spec.status,
        "headline": spec.headline,
        "byline": spec.byline,
        "located": spec.dateline,
        "description_text": spec.summary,
        "subject": [
            {
                "name": name,
                "rel": "about",
                "scheme": "http://cv.iptc.org/newscodes/mediatopic/",
                "code": code.split(":")[1],
            }
            for name, code in spec.tags
        ],
        "person": [{"name": name, "rel": role} for name, role in spec.people],
        "organisation": [{"name": org} for org in spec.organisations],
        "place": [{"name": spec.place}],
        "infosource": [{"name": spec.source}],
    }
    if spec.status != "canceled":
        item["body_html"] = _html_body(spec)
    if spec.ednote:
        item["ednote"] = spec.ednote
    return json.dumps(item, ensure_ascii=False, indent=1)


RENDERERS = {
    "nitf": (nitf, NITF_VERSIONS, ".xml"),
    "newsml-g2": (newsml, NEWSML_VERSIONS, ".xml"),
    "ninjs2": (ninjs2, NINJS2_VERSIONS, ".json"),
    "ninjs1": (ninjs1, NINJS1_VERSIONS, ".json"),
}


def render(spec, kind, version=None):
    renderer, versions, _ = RENDERERS[kind]
    return renderer(spec, version or versions[-1])


def corpus(count, seed=20261201):
    """(spec, kind, declared version) for `count` stories, formats and versions in turn."""
    rng = random.Random(seed)
    kinds = [(kind, version) for kind, (_, versions, _) in RENDERERS.items() for version in versions]
    return [(random_spec(rng, number), *kinds[number % len(kinds)]) for number in range(count)]
