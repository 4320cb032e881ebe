"""Who a free-text byline credits: the publication, a news agency or organisation, or named people.

Pure: no Django. The importer uses `person_names` to link bylines to staff; structured data uses `credit`
for stories whose byline is not linked to anyone.
"""

import re

# Bylines that name the newsroom itself rather than a reporter ("Staff", "Staff reporter", "Newsroom staff").
STAFF_BYLINE = re.compile(r"\bstaff\b", re.IGNORECASE)
# Words that make a byline an organisation ("… news agency", "City Desk", "… Wire", "… Press").
ORGANISATION_WORDS = re.compile(r"\b(agency|agencies|wire|press|desk|news service|newswire)\b", re.IGNORECASE)
# News agencies whose names carry none of those words, as they sign their copy.
NEWS_AGENCIES = frozenset(
    name.casefold()
    for name in [
        "Reuters",
        "Thomson Reuters",
        "AP",
        "AFP",
        "Agence France-Presse",
        "PA",
        "PA Media",
        "dpa",
        "ANSA",
        "EFE",
        "Kyodo",
        "Kyodo News",
        "Xinhua",
        "Bloomberg",
        "Bloomberg News",
        "UPI",
        "AAP",
        "ANP",
        "TASS",
        "Yonhap",
        "Ritzau",
        "NTB",
        "TT",
        "APA",
        "Belga",
        "Lusa",
        "CP",
    ]
)
# How a byline separates several reporters: "A and B", "A, B & C".
SEPARATORS = re.compile(r"\s*(?:,|&|\band\b)\s*", re.IGNORECASE)
# "By Nadia Ferreira": the word is the page's to add, not part of the name.
LEADING_BY = re.compile(r"^by\s+", re.IGNORECASE)

PUBLISHER = "publisher"
ORGANIZATION = "Organization"
PERSON = "Person"


def credit(byline, source=""):
    """(kind, name) pairs: (PUBLISHER, "") for no byline or a staff one; (ORGANIZATION, name) for an agency or
    desk, or a byline equal to the story's source; else (PERSON, name) for each name, in order."""
    byline = LEADING_BY.sub("", byline.strip())
    if not byline or STAFF_BYLINE.search(byline):
        return [(PUBLISHER, "")]
    if is_organisation(byline, source):
        return [(ORGANIZATION, byline)]
    return [(PERSON, name) for name in SEPARATORS.split(byline) if name]


def is_organisation(byline, source=""):
    folded = LEADING_BY.sub("", byline.strip()).casefold()
    return folded == source.strip().casefold() or folded in NEWS_AGENCIES or bool(ORGANISATION_WORDS.search(folded))


def person_names(byline, source=""):
    """The people a byline names, in order; none when it credits the publication or an organisation."""
    return [name for kind, name in credit(byline, source) if kind == PERSON]
