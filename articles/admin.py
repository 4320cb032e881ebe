from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, F
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import format_html
from taggit.models import Tag

from articles.images import ImageUploadField
from articles.models import Article, ExcludedStory, Person, PinnedStory, RelatedHeadline, merge_tags
from articles.related import rank_related

# Uploads are checked by the model field's validator, which says exactly what is wrong.
IMAGE_UPLOADS = {models.ImageField: {"form_class": ImageUploadField}}

# Positions are moved this far out of the way while an edit reorders them (see save below).
POSITION_SHUFFLE_OFFSET = 20000


class RelatedHeadlineFormSet(BaseInlineFormSet):
    def save(self, commit=True):
        if commit:
            # Reordering swaps positions; park the moved and deleted rows first so the
            # unique (article, position) constraint holds after every single UPDATE.
            moving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk and ("position" in form.changed_data or self._should_delete_form(form))
            ]
            RelatedHeadline.objects.filter(pk__in=moving).update(position=F("position") + POSITION_SHUFFLE_OFFSET)
        return super().save(commit)


class RelatedHeadlineInline(admin.TabularInline):
    model = RelatedHeadline
    fk_name = "article"
    formset = RelatedHeadlineFormSet
    extra = 0
    fields = ["position", "headline", "target", "url"]
    autocomplete_fields = ["target"]
    # Editors paste bare domains; the web they link to is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = "more headline"
    verbose_name_plural = "More headlines (shown under the story, in this order)"


class PinnedStoryInline(admin.TabularInline):
    model = PinnedStory
    fk_name = "article"
    extra = 0
    fields = ["position", "story"]
    autocomplete_fields = ["story"]
    verbose_name_plural = "Related stories: pinned (shown first, in this order)"


class ExcludedStoryInline(admin.TabularInline):
    model = ExcludedStory
    fk_name = "article"
    extra = 0
    fields = ["story"]
    autocomplete_fields = ["story"]
    verbose_name_plural = "Related stories: excluded (never shown under this story)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "status", "published_at", "tag_names", "thumbnail"]
    list_filter = ["status", "tags", "published_at"]
    search_fields = ["headline", "summary", "body", "byline"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["people"]
    inlines = [RelatedHeadlineInline, PinnedStoryInline, ExcludedStoryInline]
    readonly_fields = ["related_preview"]
    actions = ["publish", "unpublish"]
    formfield_overrides = IMAGE_UPLOADS
    fieldsets = [
        (None, {"fields": ["headline", "slug", "summary", "body"]}),
        ("Credits", {"fields": ["byline", "dateline", "source"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]}),
        ("Topics and people", {"fields": ["tags", "people"]}),
        ("Related stories", {"fields": ["related_preview"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def save_model(self, request, obj, form, change):
        obj.prepare_images()
        super().save_model(request, obj, form, change)
        obj.build_renditions()

    @admin.display(description="tags")
    def tag_names(self, article):
        return ", ".join(tag.name for tag in article.tags.all())

    @admin.display(description="ranked list, as saved")
    def related_preview(self, article):
        return render_to_string(
            "admin/articles/article/related_preview.html",
            {
                "ranking": rank_related(article) if article.pk else None,
                "limit": settings.RELATED_STORIES_LIMIT,
                "excluded": article.excluded_stories.select_related("story") if article.pk else [],
            },
        )

    @admin.display(description="image")
    def thumbnail(self, article):
        picture = article.lead_picture
        if picture is None:
            return ""
        return format_html(
            '<img src="{}" alt="" width="80" style="height:auto" loading="lazy">', picture.at_most(320).url
        )

    @admin.action(description="Publish selected stories now (keeps scheduled times)")
    def publish(self, request, queryset):
        count = queryset.publish()
        self.message_user(request, f"Published {count} stor{'y' if count == 1 else 'ies'}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected stories")
    def unpublish(self, request, queryset):
        count = queryset.unpublish()
        self.message_user(request, f"Unpublished {count} stor{'y' if count == 1 else 'ies'}.", messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        tags_before = list(form.instance.tagged_items.values_list("tag", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        # Tags and people are saved only now; search indexes their names with the story, and the
        # related-stories index takes its status, time and tags.
        form.instance.refresh_search_index()
        form.instance.refresh_related_index(previous_tag_ids=tags_before)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "article_count"]
    search_fields = ["name", "aliases", "role"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = IMAGE_UPLOADS
    # The story count's GROUP BY drops Meta.ordering, so pages need it stated.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    def save_model(self, request, obj, form, change):
        obj.prepare_images()
        super().save_model(request, obj, form, change)
        obj.build_renditions()

    @admin.display(description="stories", ordering="article_count")
    def article_count(self, person):
        return person.article_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Stories are found by the names of the people they mention.
        if change and {"name", "aliases"}.intersection(form.changed_data):
            form.instance.articles.all().refresh_search_index()


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles_taggedarticle_items"))

    @admin.display(description="stories", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Stories are found by the names of their tags.
        if change and "name" in form.changed_data:
            Article.objects.tagged(form.instance).refresh_search_index()

    @admin.action(description="Merge selected tags into one…")
    def merge_selected(self, request, queryset):
        tags = list(queryset.annotate(article_count=Count("articles_taggedarticle_items")).order_by("name"))
        if len(tags) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        kept = next((tag for tag in tags if str(tag.pk) == request.POST.get("kept")), None)
        if kept is not None:
            merged = merge_tags(kept, tags)
            self.message_user(
                request,
                f"Merged {merged} tag{'' if merged == 1 else 's'} into “{kept.name}”; "
                "their old addresses redirect there.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/taggit/tag/merge_tags.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge tags",
                "opts": self.model._meta,
                "tags": tags,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
