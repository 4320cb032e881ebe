from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, F
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from taggit.models import Tag

from articles import previews
from articles.models import (
    Article,
    Correction,
    ExcludedStory,
    Person,
    PinnedStory,
    RelatedHeadline,
    merge_tags,
)
from articles.related import rank_related

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


class CorrectionFormSet(BaseInlineFormSet):
    author = None  # set per request by CorrectionInline.get_formset

    def save_new(self, form, commit=True):
        form.instance.created_by = self.author
        return super().save_new(form, commit)


class CorrectionInline(admin.StackedInline):
    """Notes appended to a story that has gone out.

    Appending is the norm. The text of a saved note stays editable so a typo can be fixed, but its time
    (the one readers see) never moves. Who may add, fix or delete notes follows the Correction model
    permissions (add_correction, change_correction, delete_correction).
    """

    model = Correction
    formset = CorrectionFormSet
    extra = 0
    fields = ["kind", "text", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 80})}}
    verbose_name = "correction or update"
    verbose_name_plural = "Corrections and updates (shown on the story with their time)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.author = request.user
        return formset

    @staticmethod
    def has_gone_out(article):
        # Notes only make sense on a story readers have (or had, or are about to have) in front of them.
        return article is not None and article.status in {Article.Status.PUBLISHED, Article.Status.UNPUBLISHED}


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
    inlines = [RelatedHeadlineInline, PinnedStoryInline, ExcludedStoryInline, CorrectionInline]
    readonly_fields = ["related_preview", "preview_link"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "summary", "body"]}),
        ("Credits", {"fields": ["byline", "dateline", "source"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]}),
        ("Topics and people", {"fields": ["tags", "people"]}),
        ("Related stories", {"fields": ["related_preview"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and previews.can_preview(obj):
            fieldsets = [*fieldsets, ("Share a preview", {"fields": ["preview_link"]})]
        return fieldsets

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if CorrectionInline.has_gone_out(obj):
            return inlines
        return [inline for inline in inlines if not isinstance(inline, CorrectionInline)]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="preview link")
    def preview_link(self, article):
        link = previews.make_link(article)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Shareable preview</a>: anyone with this link can read the '
            'story until <time datetime="{}">{}</time> or until it is published. Copy the link\'s address to send '
            "it; each visit to this form makes a fresh one.",
            link.url,
            link.expires_at.isoformat(),
            date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT"),
        )

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
        if not article.lead_image:
            return ""
        return format_html(
            '<img src="{}" alt="" width="80" style="height:auto" loading="lazy">', article.lead_image.url
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
    # The story count's GROUP BY drops Meta.ordering, so pages need it stated.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

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
