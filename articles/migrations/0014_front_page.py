# The editors' choices for the top of the front page.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from articles import triggers

import articles.models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0013_authors"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = triggers.rebuilding_tables(
        migrations.CreateModel(
            name='FrontPageSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=1, help_text='1 is the lead; 2 onwards follow it.')),
                ('expires_at', models.DateTimeField(default=articles.models.default_front_page_expiry, help_text='After this the place goes back to the latest stories, so a lead never stays by accident.')),
                ('chosen_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='front_page_slot', to='articles.article')),
                ('chosen_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'front page story',
                'verbose_name_plural': 'front page',
                'ordering': ['position', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='frontpageslot',
            constraint=models.CheckConstraint(condition=models.Q(('position__gte', 1)), name='front_page_position_from_one'),
        ),
    )
