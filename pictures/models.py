"""The picture library: each photo stored once, described once (alt text, caption, credit, copyright), cropped
around its focal point into the shapes pages ask for, and reused by any number of stories.

Renditions are derived data of one row, built off the request: a save that changes the file or the focal
point queues `pictures.tasks.build_renditions` once the transaction commits (immediately with the embedded
default's task backend, by the worker in production). Until the new ones exist, pages show the nearest
renditions that do (the previous crop, then the uncropped ones, then the original), never a broken image.
"""

import hashlib
import posixpath
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from PIL import Image as PillowImage
from PIL import ImageOps

from articles import changes, images
from pictures import crops, metadata

SHAPES = [*crops.RATIOS, crops.SOCIAL]
STRUCTURED_DATA_SHAPES = ("16x9", "4x3", "1x1")
FORMATS = images.RENDITION_FORMATS  # WebP first: browsers take the first <source> they support


class PictureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # A focal point moved by a bulk update needs its crops again, as after a save.
        refocused = {"focal_x", "focal_y", "file"} & set(kwargs)
        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        changes.note(pictures=ids, using=self.db)  # pages showing them are out of date (pagecache)
        if refocused:
            for pk in ids:
                _queue_renditions(pk)
        return count

    update.alters_data = True

    def search(self, text):
        found = self
        for word in text.split():
            found = found.filter(
                models.Q(title__icontains=word)
                | models.Q(caption__icontains=word)
                | models.Q(alt__icontains=word)
                | models.Q(credit__icontains=word)
            )
        return found


def _fraction(help_text):
    return models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text=help_text
    )


class Picture(models.Model):
    # Checked once, by the forms that take uploads (articles.images.ImageUploadField, the library's upload
    # form): a model validator would decode a 24-megapixel photo a second time inside the same request.
    file = models.ImageField(upload_to="pictures/%Y/%m/")
    # The size the right way up (EXIF orientation applied), which is how every rendition is cut.
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The stored original's size, for feed enclosures: pages never ask the storage (a request to object storage).
    bytes = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    # SHA-256 of the file as it came in (before its metadata was stripped), so an import bringing the same photo
    # again reuses this picture; blank for pictures stored before it was recorded.
    digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    title = models.CharField(max_length=200, blank=True, help_text="How editors find it in the library.")
    alt = models.CharField(
        "alt text", max_length=300, blank=True, help_text="What the picture shows, for readers who cannot see it."
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True, help_text="Photographer and agency, as printed.")
    copyright = models.CharField(max_length=200, blank=True, help_text="Who holds the rights.")
    focal_x = _fraction("Where the subject is across the picture: 0 is the left edge, 1 the right.")
    focal_y = _fraction("Where the subject is down the picture: 0 is the top, 1 the bottom.")
    # Which renditions exist: {"key": the file and focal point they were cut for, "sizes": {shape: [widths]}},
    # and the set before it ("previous") until the new one is complete, so pages never point at a missing file.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    objects = PictureQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="picture_focal_point_inside",
            ),
        ]

    def __str__(self):
        return self.title or posixpath.basename(self.file.name)

    def save(self, *args, **kwargs):
        new_file = bool(self.file) and not self.file._committed
        if new_file:
            if not self.digest:
                self.digest = file_digest(self.file)
            self._take_embedded_metadata()
        elif self.file and not self.width:
            with self.file.open("rb"), PillowImage.open(self.file) as opened:
                self.width, self.height = images.upright_size(opened)
        if self.file and (new_file or self.bytes is None):
            self.bytes = self.file.size
        if not self.title and self.file:
            self.title = title_from_name(self.file.name)
        super().save(*args, **kwargs)
        if self.renditions.get("key") != self.rendition_key:
            _queue_renditions(self.pk)

    def get_absolute_url(self):
        return reverse("admin:pictures_picture_change", args=[self.pk])

    def _take_embedded_metadata(self):
        """Fill empty fields from the photo's own IPTC/XMP metadata, then store a copy without any metadata.

        JPEGs (nearly every photo) lose their metadata segments losslessly, in milliseconds even for 24
        megapixels, so an upload is saved at once; other formats are re-encoded by articles/images.py.
        """
        self.file.seek(0)
        with PillowImage.open(self.file) as opened:
            found = metadata.read(opened)
            image_format = opened.format
            orientation = opened.getexif().get(metadata.ORIENTATION_TAG) or 1
            self.width, self.height = images.upright_size(opened)
        for name in ("title", "caption", "credit", "copyright"):
            if not getattr(self, name) and getattr(found, name):
                field = self._meta.get_field(name)
                setattr(self, name, getattr(found, name)[: field.max_length])
        if image_format == "JPEG":
            self.file.seek(0)
            stem, _ = posixpath.splitext(posixpath.basename(self.file.name))
            self.file = ContentFile(metadata.strip_jpeg(self.file.read(), orientation), name=f"{stem}.jpg")
        else:
            images.clean_new_upload(self, "file")
            with PillowImage.open(self.file) as opened:
                self.width, self.height = opened.size

    @property
    def rendition_key(self):
        if not self.file:
            return ""
        return f"{self.file.name}|{self.focal_x:.3f}|{self.focal_y:.3f}"

    def rendition_name(self, shape, width, extension, focal=None):
        stem, _ = posixpath.splitext(self.file.name)
        focal_x, focal_y = focal or (self.focal_x, self.focal_y)
        focus = "" if shape == "free" else f"-f{round(focal_x * 100)}x{round(focal_y * 100)}"
        return f"renditions/{stem}-{shape}{focus}-{width}w.{extension}"

    def build_renditions(self, rebuild=False):
        """Write every missing rendition (all of them with `rebuild`) of the current file and focal point, then
        record them. Idempotent."""
        key = self.rendition_key
        storage = self.file.storage
        sizes = {}
        with self.file.open("rb"), PillowImage.open(self.file) as opened:
            upright = ImageOps.exif_transpose(opened)
            upright.load()
        for shape in SHAPES:
            box = crops.crop_box(upright.width, upright.height, shape, self.focal_x, self.focal_y)
            if shape == crops.SOCIAL:
                widths = [min(crops.SOCIAL_SIZE[0], box.width)]
            else:
                widths = crops.widths_for(box.width, settings.IMAGE_RENDITION_WIDTHS)
            missing = [
                width
                for width in widths
                if rebuild or not all(storage.exists(self.rendition_name(shape, width, ext)) for ext in FORMATS)
            ]
            if missing:
                cropped = upright.crop(box.as_pillow)
                for width in missing:
                    resized = cropped.resize((width, crops.scaled_height(box, width)), PillowImage.Resampling.LANCZOS)
                    for extension, image_format in FORMATS.items():
                        name = self.rendition_name(shape, width, extension)
                        if storage.exists(name):
                            storage.delete(name)
                        storage.save(name, ContentFile(images.encode(resized, image_format)))
            sizes[shape] = widths
        record = {"key": key, "sizes": sizes}
        with transaction.atomic():
            stored = Picture.objects.select_for_update().filter(pk=self.pk).first()
            # A later task may already have recorded the set for the picture as it stands now: keep that one.
            if stored is None or stored.renditions.get("key") == stored.rendition_key != key:
                return stored.renditions if stored else {}
            # A picture stored without its sizes (one moved into the library by migration) gets them here, where
            # the file was read anyway: pages and feeds never ask the storage.
            known = {"renditions": record}
            if not stored.width:
                known["width"], known["height"] = upright.size
            if stored.bytes is None:
                known["bytes"] = storage.size(self.file.name)
            models.QuerySet.update(Picture.objects.filter(pk=self.pk), **known)
            # Pages drawn with the nearest renditions until now can have these.
            changes.note(pictures=[self.pk])
        for name, value in known.items():
            setattr(self, name, value)
        return record

    def crop(self, shape="free", alt=None):
        """The picture in one shape, as templates draw it (includes/picture.html)."""
        return Crop.of(self, shape, self.alt if alt is None else alt)

    def structured_data_renditions(self):
        """A JPEG in each of 16×9, 4×3 and 1×1 for schema.org: the narrowest at least 1200 wide (what Google asks
        for), else the widest there is; the original while no crop exists yet."""
        chosen = []
        for shape in STRUCTURED_DATA_SHAPES:
            renditions = self.crop(shape).renditions("jpg")
            wide = [rendition for rendition in renditions if rendition.width >= 1200]
            if wide or renditions:
                chosen.append(min(wide, key=lambda r: r.width) if wide else max(renditions, key=lambda r: r.width))
        return chosen or [images.Rendition(self.file.url, self.width or 0, self.height or 0)]

    @property
    def is_ready(self):
        return self.renditions.get("key") == self.rendition_key

    def stories_using(self):
        """Stories that show this picture, as their lead or in their body, for an editor deciding whether to
        delete it."""
        from articles.models import Article

        return Article.objects.filter(
            models.Q(lead_library_picture=self) | models.Q(body__contains=f'data-image="{self.pk}"')
        ).order_by("headline")

    def people_using(self):
        """People whose photo this is."""
        return self.people.order_by("name")

    def in_use(self):
        """Why the picture may not be deleted (a PictureInUse naming what uses it), or None."""
        headlines = list(self.stories_using().values_list("headline", flat=True)[:20])
        names = list(self.people_using().values_list("name", flat=True)[:20])
        return PictureInUse(self, headlines, names) if headlines or names else None

    def delete(self, *args, **kwargs):
        refusal = self.in_use()
        if refusal is not None:
            raise refusal
        return super().delete(*args, **kwargs)


class PictureInUse(ValidationError):
    def __init__(self, picture, headlines, names=()):
        self.picture = picture
        self.headlines = headlines
        self.names = names
        users = [f"“{headline}”" for headline in headlines] + [f"the photo of {name}" for name in names]
        super().__init__(
            "“%(picture)s” is used by %(users)s; take it out of %(those)s first.",
            code="picture_in_use",
            params={
                "picture": picture,
                "users": ", ".join(users),
                "those": "those stories" if not names else "those people" if not headlines else "those",
            },
        )


def title_from_name(name):
    """A picture's title until an editor gives it one: its file name, as words."""
    return posixpath.splitext(posixpath.basename(name))[0].replace("-", " ").replace("_", " ")


def file_digest(file):
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _queue_renditions(pk):
    from pictures import tasks

    transaction.on_commit(lambda: tasks.build_renditions.enqueue(pk))


@dataclass(frozen=True)
class Crop(images.ResponsiveImage):
    """A Picture in one shape, with the interface of articles.images.ResponsiveImage (so the same <picture>
    include draws it). It uses the latest complete set of renditions of the current file, whatever focal point
    that set was cut for, so a moved focal point shows the old crop until the new one exists; with none yet,
    the original."""

    picture: Picture | None = None
    shape: str = "free"
    focal: tuple = (0.5, 0.5)

    @classmethod
    def of(cls, picture, shape, alt):
        record = picture.renditions or {}
        name, _, focal = record.get("key", "").partition("|")
        widths = tuple(record.get("sizes", {}).get(shape) or ()) if name == picture.file.name else ()
        known = {"alt": alt, "recorded_bytes": picture.bytes, "picture": picture, "shape": shape}
        if not widths or not picture.width:
            return cls(picture.file, picture.width or 0, picture.height or 0, (), **known)
        focal = tuple(float(part) for part in focal.split("|"))
        box = crops.crop_box(picture.width, picture.height, shape, *focal)
        return cls(picture.file, box.width, box.height, widths, focal=focal, **known)

    @property
    def social(self):
        """Sharing cards' picture: the 1200×630 crop around the focal point once it exists."""
        card = self.picture.crop(crops.SOCIAL).renditions("jpg")
        return card[-1] if card else super().social

    def renditions(self, extension):
        return [
            images.Rendition(
                self.field_file.storage.url(self.picture.rendition_name(self.shape, width, extension, self.focal)),
                width,
                images.scaled_height(self.width, self.height, width),
            )
            for width in self.widths
        ]
