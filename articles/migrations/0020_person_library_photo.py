"""People's photos come from the picture library: the new link is added beside the old upload field, which
0021 moves into the library and 0022 removes."""

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0019_addresses"),
        ("pictures", "0004_picture_digest"),
    ]

    operations = triggers.rebuilding_tables(
        migrations.RenameField(model_name="person", old_name="photo", new_name="photo_file"),
        migrations.AddField(
            model_name="person",
            name="photo",
            field=models.ForeignKey(
                blank=True,
                help_text="Choose one from the library, or upload a new one below.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="people",
                to="pictures.picture",
            ),
        ),
    )
