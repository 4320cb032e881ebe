# A story's lead may be a picture from the library, shown on its page in the shape the editor chooses.

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0016_rich_body'),
        ('pictures', '0002_role_permissions'),
    ]

    operations = triggers.rebuilding_tables(
        migrations.AddField(
            model_name='article',
            name='lead_library_picture',
            field=models.ForeignKey(blank=True, help_text='Choose one from the library (its alt text, caption and credit come with it); it takes the place of an uploaded lead image.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead_stories', to='pictures.picture', verbose_name='lead picture from the library'),
        ),
        migrations.AddField(
            model_name='article',
            name='lead_shape',
            field=models.CharField(choices=[('free', 'As taken'), ('16x9', 'Widescreen (16 × 9), cut around the focal point')], db_default='free', default='free', help_text='For a library lead picture; front-page cards always show it widescreen.', max_length=8, verbose_name='shape on the story page'),
        ),
    )
