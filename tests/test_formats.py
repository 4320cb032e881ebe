"""Agency formats (NITF, NewsML-G2, ninjs) parsed field by field: pure, no database."""

import json
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from articles.formats import agency_xml, ninjs
from articles.formats.item import canonical_code, code_uri
from articles.formats.story import FormatError

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "formats"
EXPECTED = json.loads((SAMPLES / "samples-expected.json").read_text(encoding="utf-8"))
SAMPLE_NAMES = [name for name in EXPECTED if not name.startswith("_")]


def parse_file(name, text):
    parser = ninjs if name.endswith(".json") else agency_xml
    assert parser.looks_like(text)
    return parser.parse(text, name)


def outline(body_html):
    """What a reader sees of a body: paragraphs, subheads, quotes (text, cite) and link targets."""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    paragraphs = [" ".join(p.text_content().split()) for p in root if p.tag == "p"]
    subheads = [" ".join(h.text_content().split()) for h in root if h.tag in ("h2", "h3")]
    quotes = [
        (" ".join(" ".join(p.text_content().split()) for p in q.findall("p")), q.findtext("cite") or "")
        for q in root
        if q.tag == "blockquote"
    ]
    links = [a.get("href") for a in root.iter("a")]
    allowed = {"div", "p", "h2", "h3", "blockquote", "cite", "ul", "ol", "li", "a", "strong", "em", "br"}
    assert {element.tag for element in root.iter()} <= allowed
    return paragraphs, subheads, quotes, links


# --- the shared samples: what their README and samples-expected.json describe ------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shared_sample_parses_to_what_its_readme_describes(name):
    expected = EXPECTED[name]
    [story] = parse_file(name, (SAMPLES / name).read_text(encoding="utf-8"))
    item = story.item
    assert story.headline == expected["headline"]
    assert story.summary == expected["summary"]
    assert story.byline == expected["byline"]
    assert story.dateline == expected["dateline"]
    assert story.source_agency == expected["source"]
    assert story.published_at == datetime.fromisoformat(expected["published_at"])
    assert item.version_created == datetime.fromisoformat(expected["updated_at"])
    assert item.pub_status == expected["status"]
    assert item.guid == expected["guid"]
    assert item.version == expected["version"]
    assert item.format == expected["format"]
    assert item.format_version == expected["format_version"]
    assert list(story.tags) == expected["tags"]
    assert all(subject.code for subject in item.subjects)
    assert [{"name": p.name, "role": p.role} for p in story.people] == expected["people"]
    assert [{"name": o.name, "role": o.role or None} for o in item.organisations] == expected["organisations"]
    assert [place.name for place in item.places] == expected["places"]
    # Organisations and places are never people.
    assert not {o.name for o in item.organisations + item.places} & {p.name for p in story.people}

    paragraphs, subheads, quotes, links = outline(story.body_html)
    assert len(paragraphs) == expected["paragraphs"]
    assert [p[:40] for p in paragraphs] == expected["paragraph_starts"]
    assert subheads == expected["subheads"]
    assert [text[:40] for text, _ in quotes] == expected["blockquotes"]
    assert all(cite for _, cite in quotes)
    assert links == expected["links"]
    assert story.warnings == ()


def test_subject_codes_are_one_spelling_whatever_the_format():
    assert canonical_code("http://cv.iptc.org/newscodes/mediatopic/04000000") == "medtop:04000000"
    assert canonical_code("medtop:04000000") == "medtop:04000000"
    assert canonical_code("lptag:x", {"lptag": "https://cv.example/tags/"}) == "https://cv.example/tags/x"
    assert code_uri("medtop:04000000") == "http://cv.iptc.org/newscodes/mediatopic/04000000"
    assert code_uri("no code") == ""


# --- NITF -------------------------------------------------------------------------------------

NITF_35 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/" version="-//IPTC//DTD NITF 3.5//EN">
  <head>
    <title>Harbour ferry returns after winter refit</title>
    <docdata management-status="usable">
      <doc-id regsrc="QX" id-string="QX-2024-0042"/>
      <du-key version="2"/>
      <date.issue norm="20240301T061500Z"/>
      <ed-msg info="Corrects the ferry's name in the third paragraph"/>
      <identified-content>
        <person>Marisol Petrakis-Dunn<function>harbour master</function></person>
        <org value="qxorg:port-authority">Kestrel Port Authority</org>
        <location><city>Kestrel Bay</city><country>Nowhere</country></location>
        <classifier type="subject" value="medtop:20000344">maritime transport</classifier>
      </identified-content>
    </docdata>
  </head>
  <body>
    <body.head>
      <hedline><hl1>Ferry <em>Aurelia</em> back on the harbour run</hl1><hl2>After a winter refit</hl2></hedline>
      <byline>By <person>Joss Whitcombe</person>, <byttl>Transport Correspondent</byttl></byline>
      <dateline><location>KESTREL BAY</location>, March 1</dateline>
    </body.head>
    <body.content>
      <p>The <org>Aurelia</org> returned   to service on Friday, <strong>two weeks</strong> early.</p>
      <hl2>Quieter engines</hl2>
      <ul><li>New engines</li><li>A wider <a href="javascript:alert(1)">ramp</a></li></ul>
      <table><tr><td>Monday</td><td>06:15</td></tr></table>
      <p>Timetables are at <a href="https://kestrel.example/ferry">the port's site</a>.<br/>Fares are unchanged.</p>
    </body.content>
  </body>
</nitf>
"""


def test_nitf_35_with_namespace_field_by_field():
    [story] = agency_xml.parse(NITF_35, "ferry.xml")
    assert story.headline == "Ferry Aurelia back on the harbour run"
    assert story.byline == "Joss Whitcombe"
    assert story.dateline == "KESTREL BAY, March 1"
    assert story.source_agency == "QX"
    assert story.published_at == datetime(2024, 3, 1, 6, 15, tzinfo=UTC)
    # No abstract: the summary is the lede, as for wire text.
    assert story.summary == "The Aurelia returned to service on Friday, two weeks early."
    assert story.tags == ("maritime transport",)
    assert story.item.subjects[0].code == "medtop:20000344"
    assert [(p.name, p.role) for p in story.people] == [("Marisol Petrakis-Dunn", "harbour master")]
    assert [(o.name, o.code) for o in story.item.organisations] == [("Kestrel Port Authority", "qxorg:port-authority")]
    assert [p.name for p in story.item.places] == ["Kestrel Bay, Nowhere"]
    assert (story.item.guid, story.item.version, story.item.format_version) == ("QX-2024-0042", 2, "3.5")
    assert story.item.ednote == "Corrects the ferry's name in the third paragraph"
    assert story.body_html == (
        "<p>The Aurelia returned to service on Friday, <strong>two weeks</strong> early.</p>\n"
        "<h2>Quieter engines</h2>\n"
        "<ul><li>New engines</li><li>A wider ramp</li></ul>\n"
        "<p>Monday | 06:15</p>\n"
        '<p>Timetables are at <a href="https://kestrel.example/ferry" rel="noopener">the port\'s site</a>.<br>'
        "Fares are unchanged.</p>"
    )
    # Every block reaches the plain paragraphs, so nothing is lost where the body is plain text.
    assert story.paragraphs == (
        "The Aurelia returned to service on Friday, two weeks early.",
        "Quieter engines",
        "New engines",
        "A wider ramp",
        "Monday | 06:15",
        "Timetables are at the port's site.\nFares are unchanged.",
    )
    assert story.warnings == ("ferry.xml: body: <table> kept as text, one paragraph a row",)


def test_nitf_canceled_without_body_is_a_take_down_not_an_error():
    canceled = """<nitf><head><docdata management-status="canceled"><doc-id id-string="QX-1"/><du-key version="3"/>
      <ed-msg info="Legal: withdraw"/></docdata></head><body><body.content/></body></nitf>"""
    [story] = agency_xml.parse(canceled, "kill.xml")
    assert story.item.canceled and story.item.version == 3 and story.item.ednote == "Legal: withdraw"
    assert story.paragraphs == () and story.headline == ""


def test_nitf_embargo_schedules_the_story():
    embargoed = NITF_35.replace(
        '<date.issue norm="20240301T061500Z"/>',
        '<date.issue norm="20240301T061500Z"/><date.release norm="20240302T000000+0100"/>',
    ).replace('management-status="usable"', 'management-status="embargoed"')
    [story] = agency_xml.parse(embargoed, "ferry.xml")
    assert story.item.pub_status == "usable"
    assert story.published_at == datetime(2024, 3, 1, 23, 0, tzinfo=UTC)


def test_nitf_without_identifier_is_refused():
    with pytest.raises(FormatError, match=r"anon\.xml: docdata/doc-id: has no doc-id"):
        agency_xml.parse("<nitf><body><body.content><p>Text.</p></body.content></body></nitf>", "anon.xml")


# --- NewsML-G2 ---------------------------------------------------------------------------------

G2_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">
  <header><sent>2024-06-01T09:00:00Z</sent></header>
  <itemSet>
    <newsItem guid="urn:newsml:qx.example:2024:bridge" version="4" standard="NewsML-G2" standardversion="2.29">
      <catalog><scheme alias="qxrole" uri="https://cv.qx.example/rel/"/></catalog>
      <itemMeta>
        <itemClass qcode="ninat:text"/>
        <provider qcode="nprov:QX"/>
        <versionCreated>2024-06-01T08:45:00+02:00</versionCreated>
        <firstCreated>2024-06-01T07:00:00+02:00</firstCreated>
        <pubStatus qcode="stat:withheld"/>
        <edNote>Hold: awaiting council confirmation</edNote>
        <link rel="irel:seeAlso" contenttype="image/jpeg" href="bridge.jpg"><title>The new span at dusk</title></link>
      </itemMeta>
      <contentMeta>
        <located qcode="geo:kb"><name>Kestrel Bay</name></located>
        <creator><name>Ines Okafor-Hale</name></creator>
        <subject qcode="medtop:20000349"><name>road transport</name></subject>
        <subject type="cpnat:person" qcode="p:1"><name>Tomasz Reyes</name>
          <related rel="relation:occupation"><name>bridge engineer</name></related></subject>
        <subject type="cpnat:geoArea" qcode="geo:river"><name>River Kes</name></subject>
        <headline role="hdltype:sub">Sub headline</headline>
        <headline>Kestrel bridge opens to cyclists</headline>
        <description role="drol:teaser">Cyclists get the bridge first.</description>
      </contentMeta>
      <contentSet>
        <inlineData contenttype="text/plain">First paragraph
of the story.

Second paragraph.</inlineData>
      </contentSet>
    </newsItem>
    <newsItem guid="urn:newsml:qx.example:2024:nitf-inside" version="1" standard="NewsML-G2" standardversion="2.29">
      <itemMeta><itemClass qcode="ninat:text"/><provider uri="https://qx.example/"/>
        <versionCreated>2024-06-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
      <contentMeta><headline>NITF inside G2</headline><by>QX staff</by></contentMeta>
      <contentSet><inlineXML contenttype="application/nitf+xml">
        <nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body><body.content>
          <p>Body from the NITF.</p><bq><block><p>Quoted.</p></block><credit>Someone</credit></bq>
        </body.content></body></nitf>
      </inlineXML></contentSet>
    </newsItem>
  </itemSet>
</newsMessage>
"""


def test_newsml_message_items_field_by_field():
    first, second = agency_xml.parse(G2_MESSAGE, "batch.xml")
    assert first.source == "batch.xml#0" and second.source == "batch.xml#1"
    assert first.headline == "Kestrel bridge opens to cyclists"
    assert first.summary == "Cyclists get the bridge first."
    assert first.byline == "Ines Okafor-Hale"
    assert first.dateline == ""
    assert first.source_agency == "nprov:QX"
    assert first.paragraphs == ("First paragraph of the story.", "Second paragraph.")
    assert first.body_html == "<p>First paragraph of the story.</p>\n<p>Second paragraph.</p>"
    assert first.published_at == datetime(2024, 6, 1, 5, 0, tzinfo=UTC)
    item = first.item
    assert item.version_created == datetime(2024, 6, 1, 6, 45, tzinfo=UTC)
    assert (item.guid, item.version, item.pub_status) == ("urn:newsml:qx.example:2024:bridge", 4, "withheld")
    assert item.ednote == "Hold: awaiting council confirmation"
    assert first.tags == ("road transport",)
    assert [(p.name, p.role) for p in first.people] == [("Tomasz Reyes", "bridge engineer")]
    assert [p.name for p in item.places] == ["Kestrel Bay", "River Kes"]
    # A picture beside the file becomes the lead image; its title the caption.
    assert (first.image, first.image_caption) == ("bridge.jpg", "The new span at dusk")

    assert second.body_html == "<p>Body from the NITF.</p>\n<blockquote><p>Quoted.</p><cite>Someone</cite></blockquote>"
    assert second.source_agency == "https://qx.example/"
    assert second.byline == "QX staff"
    assert second.published_at == datetime(2024, 6, 1, 10, 0, tzinfo=UTC)


def test_newsml_package_item_is_refused_with_what_to_do():
    package = '<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="p" version="1"/>'
    with pytest.raises(FormatError, match="packageItem only lists other items"):
        agency_xml.parse(package, "pkg.xml")


def test_other_xml_is_refused_not_read_as_text():
    assert agency_xml.looks_like('<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(FormatError, match=r"feed\.xml: XML with root <rss> is not a format we read"):
        agency_xml.parse('<?xml version="1.0"?><rss><channel/></rss>', "feed.xml")
    assert not agency_xml.looks_like("Plain wire copy <with> brackets.")


# --- ninjs ---------------------------------------------------------------------------------------

NINJS_1 = {
    "uri": "https://qx.example/items/harbour-fair",
    "version": "2",
    "versioncreated": "2024-08-03T12:00:00Z",
    "pubstatus": "usable",
    "headline": "Harbour fair draws record crowd",
    "byline": "Pim van der Hoek",
    "located": "Kestrel Bay",
    "description_html": "<p>More than <b>20,000</b> visitors.</p>",
    "body_html": "<p>Lede with <i>emphasis</i>.</p><h3>Stalls</h3><blockquote>Best fair yet</blockquote>"
    "<script>alert(1)</script><p onclick='x()'>Second.</p>",
    "subject": [{"name": "fairs", "scheme": "http://cv.iptc.org/newscodes/mediatopic", "code": "20000538"}],
    "person": [{"name": "Lorna Quist", "rel": "fair organiser"}],
    "organisation": [{"name": "Kestrel Harbour Trust", "rel": "host"}],
    "place": [{"name": "Kestrel Bay"}],
    "infosource": [{"name": "QX News"}],
    "associations": {
        "featureimage": {
            "uri": "https://qx.example/pictures/1",
            "type": "picture",
            "description_text": "Crowds on the quay",
            "byline": "Ana Sol",
            "renditions": {
                "small": {"href": "https://qx.example/p/1-small.jpg", "width": 320},
                "large": {"href": "https://qx.example/p/1-large.jpg", "width": 1600},
            },
        }
    },
}


def test_ninjs_1_field_by_field():
    [story] = ninjs.parse(json.dumps(NINJS_1), "fair.json")
    assert story.headline == "Harbour fair draws record crowd"
    assert story.summary == "More than 20,000 visitors."
    assert story.byline == "Pim van der Hoek"
    assert story.dateline == "Kestrel Bay"
    assert story.source_agency == "QX News"
    assert story.published_at == datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
    assert story.body_html == (
        "<p>Lede with <em>emphasis</em>.</p>\n<h3>Stalls</h3>\n"
        "<blockquote><p>Best fair yet</p></blockquote>\n<p>Second.</p>"
    )
    assert story.warnings == ("fair.json: body: <script> dropped (code, not story text)",)
    assert story.tags == ("fairs",)
    assert story.item.subjects[0].code == "medtop:20000538"
    assert [(p.name, p.role) for p in story.people] == [("Lorna Quist", "fair organiser")]
    assert [(o.name, o.role) for o in story.item.organisations] == [("Kestrel Harbour Trust", "host")]
    assert (story.item.version, story.item.format_version) == (2, "1")
    # Remote pictures are recorded (largest rendition), never fetched, never a lead image path.
    [picture] = story.item.pictures
    assert (picture.href, picture.caption, picture.credit) == (
        "https://qx.example/p/1-large.jpg",
        "Crowds on the quay",
        "Ana Sol",
    )
    assert story.image == ""


def test_ninjs_2_picks_main_roles_and_reads_plain_bodies():
    item = {
        "standard": {"name": "ninjs", "version": "2.0"},
        "uri": "urn:qx:2",
        "version": "5",
        "firstcreated": "2024-08-01T10:00:00+0200",
        "pubstatus": "canceled",
        "ednote": "Withdrawn: wrong date",
        "headlines": [{"role": "short", "value": "Short"}, {"role": "main", "value": "The main headline"}],
        "bodies": [
            {"role": "summary", "contenttype": "text/plain", "value": "Not this."},
            {"role": "main", "contenttype": "text/plain", "value": "One.\n\nTwo\nlines."},
        ],
        "subjects": [{"name": "local news", "literal": "local"}],
    }
    [story] = ninjs.parse(json.dumps(item), "two.json")
    assert story.headline == "The main headline"
    assert story.paragraphs == ("One.", "Two lines.")
    assert story.published_at == datetime(2024, 8, 1, 8, 0, tzinfo=UTC)
    assert story.item.canceled and story.item.ednote == "Withdrawn: wrong date" and story.item.version == 5
    assert story.item.subjects[0].code == "local"


def test_our_own_json_fixtures_are_not_ninjs():
    assert not ninjs.looks_like(json.dumps({"headline": "A", "body": ["B"]}))
    assert ninjs.looks_like(json.dumps([NINJS_1]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"uri": "x", "headline": "A",\n "body_text": }', r"bad\.json:2: invalid JSON: Expecting value \(column 15\)"),
        ('{"uri": "x", "headline": 7, "body_text": "B"}', r"bad\.json: headline: must be text, not int"),
        (
            '{"uri": "x", "people": {"a": 1}, "body_text": "B"}',
            r"bad\.json: people: must be a list",
        ),
        ('{"uri": "x", "body_text": "B", "pubstatus": "gone"}', r"bad\.json: pubstatus: 'gone' is not one of"),
        ('{"uri": "x", "body_text": "B", "versioncreated": "yesterday"}', r"bad\.json: versioncreated: 'yesterday'"),
        ('{"headline": "No uri", "body_text": "B", "pubstatus": "usable"}', r"bad\.json: uri: has no uri"),
        ('{"uri": "x", "headline": "No body", "pubstatus": "usable"}', r"bad\.json: body: story has no body text"),
        ('{"uri": "x", "body_text": "B", "headline": "' + "h" * 301 + '"}', r"headline: is 301 characters long"),
    ],
)
def test_bad_ninjs_gives_located_errors(text, message):
    with pytest.raises(FormatError, match=message):
        ninjs.parse(text, "bad.json")


# --- hostile and malformed XML ---------------------------------------------------------------------

XXE_FILE = """<?xml version="1.0"?>
<!DOCTYPE nitf [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<nitf><head><docdata><doc-id id-string="x"/></docdata></head>
<body><body.content><p>&secret;</p></body.content></body></nitf>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<nitf><body><body.content><p>&lol3;</p></body.content></body></nitf>"""


@pytest.fixture
def listener():
    """A loopback socket that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    connections = []

    def accept():
        try:
            connections.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    yield server.getsockname()[1], connections
    thread.join()
    server.close()


def test_xxe_is_refused_naming_the_file():
    with pytest.raises(FormatError, match=r"xxe\.xml:2: refused: its DOCTYPE declares entities"):
        agency_xml.parse(XXE_FILE, "xxe.xml")


def test_billion_laughs_is_refused():
    with pytest.raises(FormatError, match=r"bomb\.xml:3: refused: its DOCTYPE declares entities"):
        agency_xml.parse(BILLION_LAUGHS, "bomb.xml")


def test_network_entity_is_refused_and_never_fetched(listener):
    port, connections = listener
    hostile = f"""<?xml version="1.0"?>
<!DOCTYPE newsItem [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %remote;]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1"/>"""
    with pytest.raises(FormatError, match=r"ssrf\.xml:2: refused"):
        agency_xml.parse(hostile, "ssrf.xml")
    assert connections == []


def test_plain_doctype_is_accepted_and_its_dtd_never_read(listener):
    port, connections = listener
    with_dtd = (
        (SAMPLES / "nitf-sample.xml")
        .read_text(encoding="utf-8")
        .replace("<nitf ", f'<!DOCTYPE nitf SYSTEM "http://127.0.0.1:{port}/nitf-3-6.dtd">\n<nitf ', 1)
    )
    [story] = agency_xml.parse(with_dtd, "dtd.xml")
    assert story.headline.startswith("Ashcombe allotment")
    assert connections == []


def test_undeclared_entity_is_a_located_error_not_a_lookup():
    with pytest.raises(FormatError, match=r"nbsp\.xml:1: malformed XML: Entity 'nbsp' not defined"):
        agency_xml.parse("<nitf><body><body.content><p>a&nbsp;b</p></body.content></body></nitf>", "nbsp.xml")


def test_malformed_xml_gives_the_line():
    broken = "<?xml version='1.0'?>\n<nitf>\n<head>\n</nitf>"
    with pytest.raises(FormatError, match=r"broken\.xml:4: malformed XML: .*mismatch"):
        agency_xml.parse(broken, "broken.xml")


def test_bad_dates_and_statuses_in_xml_name_the_field():
    bad_date = (
        (SAMPLES / "newsml-sample.xml")
        .read_text(encoding="utf-8")
        .replace("2025-03-01T10:00:00Z</firstCreated>", "soon</firstCreated>")
    )
    with pytest.raises(FormatError, match=r"g2\.xml: itemMeta/firstCreated: 'soon' is not an ISO 8601"):
        agency_xml.parse(bad_date, "g2.xml")
    bad_status = (SAMPLES / "newsml-sample.xml").read_text(encoding="utf-8").replace("stat:usable", "stat:maybe")
    with pytest.raises(FormatError, match=r"g2\.xml: itemMeta/pubStatus: 'maybe' is not one of"):
        agency_xml.parse(bad_status, "g2.xml")
