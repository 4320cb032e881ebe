"""Generated agency items in every format and declared version, field by field; versions in any order."""

import io
import random

import pytest
from django.core.management import call_command

from articles.formats import parse
from articles.models import AgencyItem, Article
from tests.agency_corpus import RENDERERS, corpus, random_spec, render
from tests.test_formats import outline

KINDS = [(kind, version) for kind, (_, versions, _) in RENDERERS.items() for version in versions]


@pytest.mark.parametrize(("kind", "version"), KINDS)
def test_generated_items_parse_field_by_field(kind, version):
    rng = random.Random(f"{kind}-{version}")
    suffix = RENDERERS[kind][2]
    for number in range(12):
        spec = random_spec(rng, number)
        [story] = parse(render(spec, kind, version).encode(), f"item-{number}{suffix}")
        item = story.item
        assert item.format == ("ninjs" if kind.startswith("ninjs") else kind)
        assert item.format_version == version
        assert (item.guid, item.version, item.pub_status) == (spec.guid, 1, "usable")
        assert story.headline == spec.headline
        assert story.summary == spec.summary
        assert story.byline == spec.byline
        assert story.dateline == spec.dateline
        assert story.source_agency == spec.source
        assert story.published_at == spec.first_created
        if kind != "nitf":
            assert item.version_created == spec.version_created
        assert [(s.name, s.code) for s in item.subjects] == list(spec.tags)
        assert story.tags == tuple(name for name, _ in spec.tags)
        assert [(p.name, p.role) for p in story.people] == list(spec.people)
        assert [o.name for o in item.organisations] == list(spec.organisations)
        assert spec.place in [p.name for p in item.places]
        paragraphs, subheads, quotes, links = outline(story.body_html)
        assert paragraphs == [*spec.paragraphs[:-1], spec.last_paragraph_text]
        assert subheads == [spec.subhead]
        assert quotes == [spec.quote]
        assert links == [spec.link[0]]
        assert story.warnings == ()


def import_folder(folder):
    call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_versions_in_any_order_end_as_the_latest(tmp_path, seed):
    rng = random.Random(seed)
    spec, kind, version = corpus(1, seed=seed)[0]
    versions = [spec]
    for number in range(2, 5):
        versions.append(versions[-1].next_version(headline=f"{spec.headline} (update {number})"))
    names = [f"{rng.getrandbits(32):08x}{RENDERERS[kind][2]}" for _ in versions]
    for name, each in zip(names, versions, strict=True):
        (tmp_path / name).write_text(render(each, kind, version), encoding="utf-8")
    import_folder(tmp_path)
    article = Article.objects.get()
    assert article.headline == versions[-1].headline
    assert article.agency_item.version == 4 and article.is_published

    # A cancellation, whenever it arrives among the versions, leaves nothing public.
    Article.objects.all().delete()
    AgencyItem.objects.all().delete()
    canceled = versions[-1].next_version(status="canceled", ednote="Withdrawn")
    (tmp_path / f"{rng.getrandbits(32):08x}{RENDERERS[kind][2]}").write_text(render(canceled, kind, version))
    import_folder(tmp_path)
    assert not Article.objects.published().exists()
    assert AgencyItem.objects.get().pub_status == "canceled"
