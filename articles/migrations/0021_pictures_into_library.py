"""Every lead image uploaded to a story and every person's photo becomes a picture in the library.

One picture per distinct stored file, pointing at that same file (nothing is copied or uploaded again), with
the size already recorded and the alt text, caption and credit the first story using it gave it (stories
sharing a file shared its description in practice). Its renditions are left to the library's task
(`manage.py build_renditions`); pages show the original until they exist. A story that already had a library
lead keeps it; its upload, which readers never saw, is kept in the library all the same.

Backwards, every story and person with a library picture gets that picture's file and description back in the
old fields. The library links stay (the old code prefers a library lead anyway, and the pictures may be used
by stories' bodies since), so running forwards again finds the same pictures by file name and makes none twice.
"""

import posixpath

from django.db import migrations


def _title(name):
    return posixpath.splitext(posixpath.basename(name))[0].replace("-", " ").replace("_", " ")


def _recorded_bytes(name, renditions):
    # Recorded with the old renditions; asking the storage would be a request per file to object storage.
    return renditions.get("bytes") if (renditions or {}).get("name") == name else None


def into_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Person = apps.get_model("articles", "Person")
    Picture = apps.get_model("pictures", "Picture")
    made = {}

    def picture_for(name, width, height, renditions, **description):
        if name not in made:
            found = Picture.objects.filter(file=name).order_by("pk").values_list("pk", flat=True).first()
            made[name] = found or Picture.objects.create(
                file=name,
                width=width,
                height=height,
                bytes=_recorded_bytes(name, renditions),
                title=_title(name)[:200],
                renditions={},
                **description,
            ).pk
        return made[name]

    # Values, not model instances: the old image fields would open every file whose size is missing.
    stories = Article.objects.exclude(lead_image="").order_by("pk").values_list(
        "pk",
        "lead_image",
        "lead_image_width",
        "lead_image_height",
        "lead_image_renditions",
        "lead_image_alt",
        "lead_image_caption",
        "lead_image_credit",
        "lead_library_picture",
    )
    for pk, name, width, height, renditions, alt, caption, credit, chosen in stories.iterator():
        picture = picture_for(name, width, height, renditions, alt=alt, caption=caption, credit=credit)
        if chosen is None:
            Article.objects.filter(pk=pk).update(lead_library_picture=picture)
    people = Person.objects.exclude(photo_file="").filter(photo__isnull=True).order_by("pk")
    for pk, name, width, height, renditions in people.values_list(
        "pk", "photo_file", "photo_width", "photo_height", "photo_renditions"
    ).iterator():
        Person.objects.filter(pk=pk).update(photo=picture_for(name, width, height, renditions))


def out_of_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Person = apps.get_model("articles", "Person")
    Picture = apps.get_model("pictures", "Picture")
    pictures = {
        pk: rest
        for pk, *rest in Picture.objects.values_list("pk", "file", "width", "height", "alt", "caption", "credit")
    }
    for pk, picture in Article.objects.exclude(lead_library_picture=None).values_list("pk", "lead_library_picture"):
        name, width, height, alt, caption, credit = pictures[picture]
        Article.objects.filter(pk=pk).update(
            lead_image=name,
            lead_image_width=width,
            lead_image_height=height,
            lead_image_alt=alt[:300],
            lead_image_caption=caption[:500],
            lead_image_credit=credit[:200],
        )
    for pk, picture in Person.objects.exclude(photo=None).values_list("pk", "photo"):
        name, width, height, *_ = pictures[picture]
        Person.objects.filter(pk=pk).update(photo_file=name, photo_width=width, photo_height=height)


class Migration(migrations.Migration):
    dependencies = [("articles", "0020_person_library_photo")]

    operations = [migrations.RunPython(into_library, out_of_library)]
