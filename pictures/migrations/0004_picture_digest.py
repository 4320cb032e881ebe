"""Pictures remember the digest of the file as it came in, so an import bringing the same photo again reuses it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pictures", "0003_picture_bytes")]

    operations = [
        migrations.AddField(
            model_name="picture",
            name="digest",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
    ]
