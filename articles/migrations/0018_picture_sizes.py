"""Stories and people whose picture has no stored width and height get them, read once from the file.

Django's image fields fill in a missing size whenever a row is loaded, by opening the file: for every
card on every page, and a download from object storage. The size was stored on every write path for a
while; this fills the rows from before. A file that is gone or unreadable is left for `cleanup_media`.
The renditions record gets the original's size in bytes too (feeds' enclosures).
"""

from django.db import migrations
from django.db.models import Q
from PIL import Image

PICTURES = [
    ("Article", "lead_image", "lead_image_width", "lead_image_height", "lead_image_renditions"),
    ("Person", "photo", "photo_width", "photo_height", "photo_renditions"),
]


def store_sizes(apps, schema_editor):
    for model_name, field, width, height, renditions in PICTURES:
        model = apps.get_model("articles", model_name)
        storage = model._meta.get_field(field).storage
        rows = model._base_manager.exclude(**{field: ""}).filter(
            Q(**{f"{width}__isnull": True}) | Q(**{f"{height}__isnull": True}) | ~Q(**{f"{renditions}__has_key": "bytes"})
        )
        for pk, name, record in rows.values_list("pk", field, renditions).iterator():
            try:
                with storage.open(name) as file, Image.open(file) as image:
                    size = image.size
                stored_bytes = storage.size(name)
            except (OSError, ValueError, SyntaxError):
                continue
            widths = record.get("widths", []) if record.get("name") == name else []
            model._base_manager.filter(pk=pk).update(
                **{width: size[0], height: size[1], renditions: {"name": name, "widths": widths, "bytes": stored_bytes}}
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_lead_library_picture")]

    operations = [migrations.RunPython(store_sizes, migrations.RunPython.noop)]
