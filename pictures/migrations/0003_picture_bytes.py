"""Library pictures record their original's size in bytes, so a feed's enclosure never asks the storage."""

from django.db import migrations, models


def store_bytes(apps, schema_editor):
    Picture = apps.get_model("pictures", "Picture")
    storage = Picture._meta.get_field("file").storage
    for pk, name in Picture.objects.filter(bytes__isnull=True).exclude(file="").values_list("pk", "file").iterator():
        try:
            size = storage.size(name)
        except OSError:
            continue  # a missing file is cleanup_media's to report
        Picture.objects.filter(pk=pk).update(bytes=size)


class Migration(migrations.Migration):
    dependencies = [("pictures", "0002_role_permissions")]

    operations = [
        migrations.AddField(
            model_name="picture",
            name="bytes",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(store_bytes, migrations.RunPython.noop),
    ]
