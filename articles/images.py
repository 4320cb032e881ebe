"""Uploaded photos: checked on the way in, cleaned before they are stored, drawn as responsive renditions.

Every photo is a picture in the library (pictures.models.Picture), which takes it in through the checks
here: `validate_image` for the forms and the importer, `prepare_picture` (check, straighten, strip metadata,
name from the verified format) for what is not a JPEG, whose metadata the library strips losslessly itself.
`ResponsiveImage` is what templates draw; the library's crops (pictures.models.Crop) are ones.
"""

import io
import posixpath
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# Pillow's names for the formats editors may upload.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
ACCEPTED_LIST = "a JPEG, PNG or WebP image"
# The extension a stored original gets, from its verified format: never the one it came with, so a
# picture named "photo.html" is stored, and served, as what it is.
FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Rendition file extension → Pillow format. WebP first: browsers take the first <source> they support.
RENDITION_FORMATS = {"webp": "WEBP", "jpg": "JPEG"}
RENDITION_QUALITY = {"WEBP": 80, "JPEG": 82}


class ImageUploadField(forms.FileField):
    """The admin's upload field: `validate_image` says what is wrong with a file.

    It checks before the form hands the file to the model, whose dimension fields would otherwise
    decode a decompression bomb; Django's own ImageField would reject with one message for every problem.
    """

    def to_python(self, data):
        file = super().to_python(data)
        if file is not None:
            validate_image(file)
        return file

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = "image/jpeg,image/png,image/webp"
        return attrs


def validate_image(file):
    """Refuse anything but a whole JPEG/PNG/WebP image within the size limits, saying which limit failed."""
    if isinstance(file, FieldFile) and file._committed:
        return  # already stored, so it was checked when it came in
    if file.size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            "This file is %(size)s; the largest accepted is %(limit)s.",
            code="file_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(settings.IMAGE_MAX_BYTES)},
        )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; we refuse either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        "%(format)s images are not accepted: upload %(accepted)s.",
                        code="unsupported_format",
                        params={"format": image.format, "accepted": ACCEPTED_LIST},
                    )
                check_pixels(*image.size)
                image.load()  # decodes everything, so a truncated or damaged file shows here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels_error() from error
    except UnidentifiedImageError as error:
        raise ValidationError(
            "This file is not an image (whatever its name says): upload %(accepted)s.",
            code="not_an_image",
            params={"accepted": ACCEPTED_LIST},
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            "This image is damaged or incomplete (%(reason)s). Export it again and upload the new file.",
            code="damaged_image",
            params={"reason": str(error)},
        ) from error
    finally:
        file.seek(0)


def check_pixels(width, height):
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise too_many_pixels_error(width, height)


def too_many_pixels_error(width=None, height=None):
    limit = f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels"
    if width is None:
        return ValidationError(
            "This image has far too many pixels (more than %(limit)s): scale it down and upload it again.",
            code="too_many_pixels",
            params={"limit": limit},
        )
    return ValidationError(
        "This image is %(width)s × %(height)s pixels; the most accepted is %(limit)s. "
        "Scale it down and upload it again.",
        code="too_many_pixels",
        params={"width": width, "height": height, "limit": limit},
    )


def clean_new_upload(instance, field_name):
    """Replace a newly attached image with its `prepare_picture` copy. Stored images are left alone."""
    field_file = getattr(instance, field_name)
    if not field_file or field_file._committed:
        return
    # Assigning through the field's descriptor also refreshes the stored width and height.
    setattr(instance, field_name, prepare_picture(field_file, field_file.name))


def prepare_picture(file, given_name):
    """The one way a picture comes in, whoever brings it (admin upload, import, picture library).

    Checks it (`validate_image`: format, size, pixels, whole), turns it upright, drops its metadata
    (EXIF, GPS, XMP, comments, text chunks: anything a script could hide in) by encoding the pixels
    afresh, and names it after its verified format. Returns a ContentFile ready to store; raises
    ValidationError saying what is wrong.
    """
    validate_image(file)
    file.seek(0)
    with Image.open(file) as image:
        image_format = image.format
        # The colour profile is not personal: keep it, unless the pixels change colour space (CMYK → RGB).
        icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "L", "LA") else None
        upright = ImageOps.exif_transpose(image)
        encoded = encode(upright, image_format, quality=92, icc_profile=icc_profile)
    return ContentFile(encoded, name=stored_name(given_name, image_format))


def stored_name(given_name, image_format):
    """`photo.html` holding a PNG → `photo.png`: the stem kept (made safe), the extension from the format."""
    stem = slugify(posixpath.splitext(posixpath.basename(str(given_name or "")))[0])[:80].strip("-")
    return f"{stem or 'picture'}.{FORMAT_EXTENSIONS[image_format]}"


def encode(image, image_format, *, quality=None, icc_profile=None):
    if image_format == "JPEG":
        image = flatten(image)
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA" if has_alpha(image) else "RGB")
    options = {}
    if image_format in RENDITION_QUALITY:
        options["quality"] = quality or RENDITION_QUALITY[image_format]
    if image_format == "JPEG":
        options.update(optimize=True, progressive=True)
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def flatten(image):
    """JPEG has no transparency: put transparent images on white."""
    if has_alpha(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def upright_size(image):
    """The size once EXIF orientation is applied (images stored before clean-up may still carry it)."""
    width, height = image.size
    if image.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8):  # the quarter turns
        return height, width
    return width, height


def scaled_height(original_width, original_height, width):
    return max(1, round(original_height * width / original_width))


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class ResponsiveImage:
    """What a template needs to draw an image: rendition URLs and sizes, with no file-system access."""

    field_file: FieldFile
    width: int
    height: int
    widths: tuple
    alt: str = ""
    recorded_bytes: int | None = None

    @property
    def url(self):
        return self.field_file.url

    @property
    def bytes(self):
        """The original's size: recorded with its renditions, else (an image not yet processed) asked for."""
        return self.recorded_bytes if self.recorded_bytes is not None else self.field_file.size

    def renditions(self, extension):
        """The stored renditions in `extension`, narrowest first: none here; pictures.models.Crop knows its own."""
        return []

    @property
    def webp_srcset(self):
        return srcset(self.renditions("webp"))

    @property
    def jpeg_srcset(self):
        return srcset(self.renditions("jpg"))

    @property
    def fallback(self):
        """The JPEG for browsers that ignore srcset: the largest up to 1280 pixels wide."""
        return self.at_most(1280)

    @property
    def social(self):
        """The picture sharing cards show: a JPEG up to 1920 wide (the original if there are no renditions)."""
        return self.at_most(1920)

    @property
    def largest_renditions(self):
        """JPEG renditions at least 640 wide, largest first (for structured data); the original if none."""
        wide = [rendition for rendition in self.renditions("jpg") if rendition.width >= 640]
        return sorted(wide, key=lambda rendition: -rendition.width) or [self.at_most(1920)]

    @property
    def display_width(self):
        return self.widths[-1] if self.widths else self.width

    @property
    def display_height(self):
        return scaled_height(self.width, self.height, self.display_width) if self.width else self.height

    def at_most(self, max_width):
        candidates = [rendition for rendition in self.renditions("jpg") if rendition.width <= max_width]
        if candidates:
            return candidates[-1]
        if self.widths:
            return self.renditions("jpg")[0]
        return Rendition(self.url, self.width, self.height)


def srcset(renditions):
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)
