"""Where a rendition is cut from its original: the largest box of the wanted shape that keeps the focal point
as near its centre as the picture's edges allow. Pure: numbers in, numbers out.
"""

from dataclasses import dataclass

# Shapes pages ask for: "free" keeps the original's; the others are width:height.
RATIOS = {"free": None, "16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
# Sharing cards (OpenGraph, X) want 1200 × 630: its own shape, one width.
SOCIAL = "1200x630"
SOCIAL_SIZE = (1200, 630)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def as_pillow(self):
        return (self.left, self.top, self.left + self.width, self.top + self.height)


def crop_box(width, height, shape, focal_x=0.5, focal_y=0.5):
    """The box of `shape` (a RATIOS key or SOCIAL) cut from a width × height picture around the focal point
    (fractions of the width and height, 0.5/0.5 the centre)."""
    ratio = SOCIAL_SIZE if shape == SOCIAL else RATIOS[shape]
    if ratio is None:
        return Box(0, 0, width, height)
    across, down = ratio
    if width * down > height * across:  # wider than the shape: full height, cut the sides
        box_width, box_height = max(1, round(height * across / down)), height
    else:
        box_width, box_height = width, max(1, round(width * down / across))
    left = _clamp(round(focal_x * width - box_width / 2), 0, width - box_width)
    top = _clamp(round(focal_y * height - box_height / 2), 0, height - box_height)
    return Box(left, top, box_width, box_height)


def _clamp(value, lowest, highest):
    return max(lowest, min(highest, value))


def widths_for(box_width, configured_widths):
    """The configured widths narrower than the crop, plus the crop's own width when it is no wider than the
    largest configured one: never upscaled."""
    widths = [width for width in configured_widths if width < box_width]
    if box_width <= max(configured_widths):
        widths.append(box_width)
    return widths


def scaled_height(box, width):
    return max(1, round(box.height * width / box.width))
