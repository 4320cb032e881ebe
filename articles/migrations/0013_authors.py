# Bylines as links: people who write for us, and each story's ordered authors.

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0012_section_required"),
    ]

    operations = triggers.rebuilding_tables(
        migrations.AddField(
            model_name='person',
            name='author_kind',
            field=models.CharField(blank=True, choices=[('staff', 'Staff'), ('contributor', 'Contributor')], help_text='Staff and contributors get an author page, and imported bylines with their name link to it.', max_length=20, verbose_name='writes for us as'),
        ),
        migrations.AddField(
            model_name='person',
            name='profile_urls',
            field=models.TextField(blank=True, help_text='Their own public profiles (site, social accounts), one address per line; search engines get them.', verbose_name='profile links'),
        ),
        migrations.CreateModel(
            name='ArticleAuthor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=1)),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bylines', to='articles.article')),
                ('person', models.ForeignKey(limit_choices_to=models.Q(('author_kind', ''), _negated=True), on_delete=django.db.models.deletion.CASCADE, related_name='bylines', to='articles.person')),
            ],
            options={
                'verbose_name': 'author',
                'ordering': ['position', 'id'],
            },
        ),
        migrations.AddField(
            model_name='article',
            name='authors',
            field=models.ManyToManyField(blank=True, limit_choices_to=models.Q(('author_kind', ''), _negated=True), help_text='Staff and contributors who wrote it, in byline order.', related_name='authored_articles', through='articles.ArticleAuthor', to='articles.person'),
        ),
        migrations.AddConstraint(
            model_name='articleauthor',
            constraint=models.UniqueConstraint(fields=('article', 'person'), name='unique_article_author'),
        ),
    )
