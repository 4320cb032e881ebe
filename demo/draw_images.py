"""Draw the demo pictures added for sections and bylines (run once; the JPEG/PNG files are committed).

python demo/draw_images.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

IMAGES = Path(__file__).parent / "images"


def gradient(size, top, bottom):
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    return image


def crane_yard():
    """Dusk over the Eastbank yard: two harbour cranes above the quay and a ship's hull."""
    image = gradient((1600, 900), (38, 52, 92), (232, 150, 96))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 690, 1600, 900), fill=(34, 48, 66))  # water
    draw.rectangle((0, 640, 1600, 700), fill=(70, 70, 78))  # quay
    draw.polygon([(820, 640), (1500, 640), (1460, 560), (860, 560)], fill=(120, 30, 34))  # hull
    draw.rectangle((980, 500, 1120, 560), fill=(230, 230, 236))  # bridge house
    for x, reach in [(300, 420), (620, 380)]:
        draw.rectangle((x, 250, x + 30, 640), fill=(214, 120, 40))  # tower
        draw.polygon([(x - 60, 250), (x + reach, 250), (x + reach, 270), (x - 60, 270)], fill=(214, 120, 40))
        draw.line([(x + 15, 180), (x + reach, 252)], fill=(214, 120, 40), width=6)
        draw.line([(x + 15, 180), (x - 60, 252)], fill=(214, 120, 40), width=6)
        draw.line([(x + reach - 80, 270), (x + reach - 80, 470)], fill=(40, 40, 44), width=4)
        draw.rectangle((x + reach - 120, 470, x + reach - 40, 520), fill=(40, 90, 150))  # container
    for y in range(705, 900, 28):
        draw.line([(0, y), (1600, y + 6)], fill=(60, 78, 100), width=2)
    image.save(IMAGES / "eastbank-cranes.jpg", quality=86)


def lantern_festival():
    """Paper lanterns strung across a narrow old-town street at night."""
    image = gradient((1600, 900), (16, 18, 44), (52, 36, 70))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 0), (380, 120), (380, 900), (0, 900)], fill=(44, 40, 52))  # left houses
    draw.polygon([(1600, 0), (1220, 120), (1220, 900), (1600, 900)], fill=(48, 42, 56))  # right houses
    draw.polygon([(380, 900), (1220, 900), (900, 520), (700, 520)], fill=(70, 62, 70))  # street
    for window in [(90, 260, 170, 360), (230, 320, 300, 410), (1300, 300, 1370, 390), (1440, 240, 1520, 340)]:
        draw.rectangle(window, fill=(246, 196, 92))
    colours = [(236, 82, 60), (250, 170, 60), (246, 220, 110), (220, 96, 140)]
    for row, (y0, sag) in enumerate([(170, 90), (300, 70), (420, 50)]):
        points = [(x, y0 + sag * (1 - ((x - 800) / 420) ** 2)) for x in range(380, 1221, 60)]
        draw.line(points, fill=(30, 28, 34), width=3)
        for index, (x, y) in enumerate(points[1:-1]):
            colour = colours[(index + row) % len(colours)]
            draw.ellipse((x - 22, y + 6, x + 22, y + 58), fill=colour)
            draw.rectangle((x - 8, y, x + 8, y + 8), fill=(30, 28, 34))
    image.save(IMAGES / "lantern-festival.jpg", quality=86)


def portrait(name, skin, hair, jacket):
    """A drawn head-and-shoulders portrait on a plain background, for an author page."""
    image = Image.new("RGB", (400, 400), (226, 230, 236))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 250, 340, 520), fill=jacket)  # shoulders
    draw.rectangle((170, 210, 230, 280), fill=skin)  # neck
    draw.ellipse((120, 70, 280, 250), fill=skin)  # face
    draw.chord((112, 52, 288, 200), 180, 360, fill=hair)  # hair
    draw.ellipse((160, 140, 176, 156), fill=(40, 40, 48))
    draw.ellipse((224, 140, 240, 156), fill=(40, 40, 48))
    draw.arc((170, 170, 230, 215), 20, 160, fill=(120, 60, 60), width=4)
    image.save(IMAGES / f"{name}.png", optimize=True)


if __name__ == "__main__":
    crane_yard()
    lantern_festival()
    portrait("author-nadia-ferreira", (196, 140, 104), (46, 30, 24), (30, 80, 120))
    portrait("author-priya-castell", (150, 100, 70), (20, 18, 20), (120, 40, 60))
