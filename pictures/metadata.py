"""Caption, credit, copyright and title carried inside an uploaded photo (XMP first, then IPTC IIM), read
before the published copy is stripped of all metadata.

Agencies and photographers fill these in their tools (Photo Mechanic, Lightroom, the wires' own systems):
IPTC Photo Metadata maps them to XMP dc:description, photoshop:Credit, dc:rights and dc:title, and to the
older IIM datasets 2:120, 2:110, 2:116 and 2:05.
"""

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from PIL import Image as PillowImage
from PIL import IptcImagePlugin

NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}
IIM = {"title": (2, 5), "credit": (2, 110), "copyright": (2, 116), "caption": (2, 120)}
# An XMP packet is a few kilobytes; anything far larger is not worth parsing.
MAX_XMP_BYTES = 512 * 1024


@dataclass(frozen=True)
class EmbeddedMetadata:
    title: str = ""
    caption: str = ""
    credit: str = ""
    copyright: str = ""


def read(image):
    """What an open Pillow image says about itself; empty strings where it is silent or unreadable."""
    xmp, iim = _from_xmp(image), _from_iim(image)
    return EmbeddedMetadata(**{name: (xmp.get(name) or iim.get(name) or "").strip() for name in IIM})


def _from_xmp(image):
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if not packet or len(packet) > MAX_XMP_BYTES:
        return {}
    if isinstance(packet, bytes):
        packet = packet.decode("utf-8", "replace")
    try:
        root = ElementTree.fromstring(packet.strip().strip("\x00"))
    except ElementTree.ParseError:
        return {}
    found = {}
    for description in root.iter(f"{{{NAMESPACES['rdf']}}}Description"):
        for name, (namespace, tag) in {
            "title": ("dc", "title"),
            "caption": ("dc", "description"),
            "credit": ("photoshop", "Credit"),
            "copyright": ("dc", "rights"),
        }.items():
            key = f"{{{NAMESPACES[namespace]}}}{tag}"
            value = description.get(key)
            element = description.find(key)
            if value is None and element is not None:
                items = [item.text or "" for item in element.iter(f"{{{NAMESPACES['rdf']}}}li")]
                value = items[0] if items else element.text
            if value and value.strip() and name not in found:
                found[name] = value.strip()
    return found


def _from_iim(image):
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}
    except (SyntaxError, ValueError, IndexError, OSError):
        return {}
    found = {}
    for name, dataset in IIM.items():
        value = info.get(dataset)
        if isinstance(value, list):
            value = value[0] if value else b""
        if value:
            found[name] = _decode(value)
    return found


def _decode(value):
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


# JPEG segments kept when metadata is removed: the JFIF header, an ICC colour profile and Adobe's colour
# transform flag describe how to show the pixels, not who took them or where; everything else in APP1-APP15
# (EXIF with GPS, XMP, IPTC/Photoshop, maker notes) and comments go.
_KEPT_APP_SEGMENTS = {0xE0: b"", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}
ORIENTATION_TAG = 0x0112


def strip_jpeg(data, orientation=1):
    """The JPEG's bytes without its metadata, losslessly (no re-encoding: cheap on a 24-megapixel photo).

    An EXIF orientation other than "upright" is kept as a one-tag EXIF segment, so the picture still
    shows the right way up. Raises ValueError for data that is not a well-formed JPEG.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    kept = [b"\xff\xd8"]
    position = 2
    inserted_orientation = orientation in range(2, 9)
    if inserted_orientation:
        exif = PillowImage.Exif()
        exif[ORIENTATION_TAG] = orientation
        payload = exif.tobytes()
        orientation_segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    while position < len(data):
        if data[position] != 0xFF:
            raise ValueError(f"no JPEG marker at byte {position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _STANDALONE_MARKERS:
            kept.append(data[position : position + 2])
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segment = data[position : position + 2 + length]
        if len(segment) < 4 or length < 2:
            raise ValueError("truncated JPEG segment")
        if marker == 0xDA:  # start of scan: the compressed picture follows, to the end
            if inserted_orientation:
                kept.insert(2 if kept[1:2] and kept[1][:2] == b"\xff\xe0" else 1, orientation_segment)
            kept.append(data[position:])
            return b"".join(kept)
        is_app = 0xE0 <= marker <= 0xEF
        if marker == 0xFE or (
            is_app and not (marker in _KEPT_APP_SEGMENTS and segment[4:].startswith(_KEPT_APP_SEGMENTS[marker]))
        ):
            position += 2 + length
            continue
        kept.append(segment)
        position += 2 + length
    raise ValueError("JPEG has no image data")
