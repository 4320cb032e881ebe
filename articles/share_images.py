"""Sharing cards (1200×630, the size social networks and Google Discover ask for) for pages with no picture:
one per section, one for the site. Drawn here with Pillow's own font, so nothing is fetched or stored.
"""

import functools
import io

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
SITE_CARD = "site"
MAX_AGE = 24 * 60 * 60
# The site's palette (static/css/site.css): accent red, near-black, white.
ACCENT = (164, 22, 26)
INK = (27, 27, 31)
PAPER = (255, 255, 255)
MARGIN = 80


@functools.lru_cache(maxsize=64)
def draw(title, subtitle, site_name):
    """PNG bytes: the site's name over a band of the accent colour, the section's name large beneath it."""
    image = Image.new("RGB", SIZE, INK)
    canvas = ImageDraw.Draw(image)
    width, height = SIZE
    canvas.rectangle((0, 0, width, 150), fill=ACCENT)
    canvas.text((MARGIN, 75), site_name, font=_font(56), fill=PAPER, anchor="lm")
    title_font = _fitting_font(canvas, title, width - 2 * MARGIN, 120)
    canvas.text((MARGIN, 360), title, font=title_font, fill=PAPER, anchor="ls")
    canvas.rectangle((MARGIN, 400, MARGIN + 160, 412), fill=ACCENT)
    if subtitle:
        canvas.text((MARGIN, 480), subtitle, font=_font(48), fill=(200, 200, 208), anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _font(size):
    return ImageFont.load_default(size=size)


def _fitting_font(canvas, text, max_width, size):
    # Long names shrink to fit one line rather than run off the card.
    while size > 40 and canvas.textlength(text, font=_font(size)) > max_width:
        size -= 8
    return _font(size)
