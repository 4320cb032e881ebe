# Sections readers browse by; every earlier story goes to the general news desk.

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers

import articles.models


def put_stories_in_the_news_section(apps, schema_editor):
    Section = apps.get_model("articles", "Section")
    Article = apps.get_model("articles", "Article")
    news, _created = Section.objects.get_or_create(
        slug=articles.models.DEFAULT_SECTION_SLUG, defaults={"name": articles.models.DEFAULT_SECTION_NAME}
    )
    Article.objects.filter(section__isnull=True).update(section=news)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0010_derived_data_triggers"),
    ]

    operations = triggers.rebuilding_tables(
        migrations.CreateModel(
            name='Section',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('slug', models.SlugField(max_length=100, unique=True)),
                ('description', models.TextField(blank=True, help_text='One or two sentences for the section page and search.')),
                ('order', models.PositiveSmallIntegerField(default=0, help_text='Where it comes in the navigation: lower first.')),
                ('parent', models.ForeignKey(blank=True, help_text='Leave empty for a main section; choose one to make this its subsection.', limit_choices_to={'parent__isnull': True}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='subsections', to='articles.section')),
            ],
            options={
                'ordering': ['order', 'name'],
            },
        ),
        migrations.AddConstraint(
            model_name='section',
            constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='section_not_its_own_parent'),
        ),
        migrations.AddField(
            model_name='article',
            name='section',
            field=models.ForeignKey(null=True, help_text="The story's one primary section: its page, feed and the story's breadcrumb.", on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='articles.section'),
        ),
        migrations.RunPython(put_stories_in_the_news_section, migrations.RunPython.noop),
    )
