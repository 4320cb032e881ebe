from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Count, F, Value, When
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from taggit.models import Tag

from articles import kept_uploads, merging, presence, previews, publishing, roles
from articles.editor import BodyEditorAdmin, BodyField
from articles.images import ImageUploadField
from articles.models import (
    AgencyItem,
    Article,
    AuthorKind,
    Correction,
    EditConflict,
    ExcludedStory,
    FrontPageSlot,
    Person,
    PinnedStory,
    RejectedPersonName,
    RelatedHeadline,
    Revision,
    Section,
    TaggedArticle,
    default_section_id,
    merge_people,
    merge_tags,
    reject_people,
    suggest_tags,
)
from articles.related import rank_related
from articles.revisions import FIELD_LABELS, diff_snapshots, record_baseline, restore_changes, take_snapshot
from pictures.models import Picture

# Positions are moved this far out of the way while an edit reorders them (see save below).
POSITION_SHUFFLE_OFFSET = 20000


# Conflict-safe editing: each form carries the version it was opened at; a save after someone else's is merged
# with theirs field by field (articles/merging.py), and only a change both made differently waits for a choice.

# How many times a save is merged again when yet another save lands while it is being written.
MERGE_RETRIES = 3


class VersionedAdminForm(forms.ModelForm):
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    merge = None  # set per request by ConflictSafeAdmin.get_form: what merging this post with later saves did

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.merge is not None and self.merge.conflicts:
            raise ValidationError(
                "Someone else changed this after you opened it, and you both changed the same "
                + ("thing" if len(self.merge.conflicts) == 1 else "things")
                + ". Nothing was saved yet: choose which version to keep for each, shown above, then save again.",
                code="edit_conflict",
            )
        if self.instance.pk and cleaned_data.get("opened_version") != self.instance.version:
            # A save landed after this post was merged: merge again (ConflictSafeAdmin.changeform_view).
            raise EditConflict(f"{self.instance} moved on while the form was checked.")
        return cleaned_data


class PersonAdminForm(kept_uploads.KeepsUploads, VersionedAdminForm):
    kept_upload_fields = ["photo_upload"]
    photo_upload = ImageUploadField(
        label="Upload a new photo",
        required=False,
        help_text="It goes into the picture library and becomes their photo.",
    )
    photo_upload_kept = forms.CharField(widget=forms.HiddenInput, required=False)
    # People have no revision history: the form carries, signed, the record as it was opened.
    opened_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_state"].initial = sign_person_state(self.instance) if self.instance.pk else ""


class ArticleAdminForm(kept_uploads.KeepsUploads, VersionedAdminForm):
    # A photo uploaded while writing goes into the picture library, described by the three fields after it, and
    # becomes the lead (ArticleAdmin.save_model): one kind of lead picture, however it was found.
    kept_upload_fields = ["lead_image"]
    lead_image = ImageUploadField(
        label="Upload a new lead picture",
        required=False,
        help_text="It goes into the picture library, described as below, and becomes this story's lead.",
    )
    lead_image_kept = forms.CharField(widget=forms.HiddenInput, required=False)
    lead_image_alt = forms.CharField(
        label="Alt text",
        max_length=Picture._meta.get_field("alt").max_length,
        required=False,
        help_text="What the new picture shows, for readers who cannot see it.",
    )
    lead_image_caption = forms.CharField(
        label="Caption", max_length=Picture._meta.get_field("caption").max_length, required=False
    )
    lead_image_credit = forms.CharField(
        label="Credit", max_length=Picture._meta.get_field("credit").max_length, required=False
    )
    body = BodyField(help_text="Paragraphs, subheads, links, lists, quotes, fact boxes and embeds.")
    # Set by ArticleAdmin.get_form for the requesting user.
    may_publish = False
    # The linked byline, in the order chosen (Article.set_authors); the through model's position keeps it.
    byline_authors = forms.ModelMultipleChoiceField(
        Person.objects.exclude(author_kind=""),
        required=False,
        label="Authors",
        widget=AutocompleteSelectMultiple(Article._meta.get_field("authors"), admin.site),
        help_text="Staff and contributors who wrote it, in byline order; they link to their author pages. "
        "Leave empty for agency copy and keep its byline, e.g. “Reuters”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            self.fields["section"].required = False
            self.fields["section"].help_text += " Left empty, the story goes to News."
        chosen = list(self.instance.bylines.values_list("person", flat=True)) if self.instance.pk else []
        if chosen and "byline_authors" in self.fields:
            self.initial.setdefault("byline_authors", chosen)
            # Selected names show in byline order, not alphabetically.
            in_order = Case(
                *[When(pk=pk, then=Value(index)) for index, pk in enumerate(chosen)],
                default=Value(len(chosen)),
                output_field=models.IntegerField(),
            )
            self.fields["byline_authors"].queryset = Person.objects.exclude(author_kind="").order_by(in_order, "name")
        if not self.may_publish and "status" in self.fields:
            # A forged POST with another status fails the field's own choice validation.
            self.fields["status"].choices = [(status.value, status.label) for status in roles.REPORTER_STATUSES]
        if "status" in self.fields:
            # The publishing buttons set the state (articles/publishing.py); the field only carries it.
            self.fields["status"].widget = forms.HiddenInput()
        if "tags" in self.fields:
            self.fields["tags"].widget.attrs.update(
                {"data-tag-suggestions": reverse("admin:articles_article_tag_suggestions"), "autocomplete": "off"}
            )
            self.fields["tags"].help_text = "Names separated by commas; known tags are suggested as you type."
        if "published_at" in self.fields:
            self.fields["published_at"].label = "Publication time"
            self.fields[
                "published_at"
            ].help_text = "For Schedule…: the time the story goes live by itself. Publish now uses the present time."

    def clean_section(self):
        return self.cleaned_data["section"] or Section.objects.get(pk=default_section_id())

    def clean_byline_authors(self):
        chosen = {str(person.pk): person for person in self.cleaned_data["byline_authors"]}
        posted = self.data.getlist(self.add_prefix("byline_authors")) if hasattr(self.data, "getlist") else []
        return [chosen[pk] for pk in dict.fromkeys(posted) if pk in chosen]

    def clean(self):
        cleaned_data = super().clean()
        if "status" not in cleaned_data:
            return cleaned_data
        stored = stored_publishing_state(self.instance)
        status, published_at = publishing.apply(
            self.data.get("_publishing") or None,
            stored,
            cleaned_data["status"],
            cleaned_data.get("published_at", stored.published_at),
            time_was_changed="published_at" in self.changed_data,
            may_publish=self.may_publish,
        )
        cleaned_data["status"] = status
        if "published_at" in self.fields:
            cleaned_data["published_at"] = published_at
        return cleaned_data


def bulk_outcome(article, action, now):
    """What the list's publish or unpublish action will do to one story, in words."""
    if action == "unpublish":
        return "taken down" if article.is_published else "stays off the site"
    if article.is_published:
        return f"stays live (since {publishing.when(article.published_at)})"
    if article.published_at and article.published_at > now:
        return f"scheduled: goes live at {publishing.when(article.published_at)}"
    if article.has_gone_out:
        return f"back online with its first publication time, {publishing.when(article.published_at)}"
    return "goes live now"


def stored_publishing_state(article):
    if article.pk is None:
        return publishing.Stored()
    return publishing.Stored(article.status, article.published_at, article.has_gone_out)


PERSON_STATE_SALT = "articles.person.opened-state"


def sign_person_state(person):
    return signing.dumps(person.snapshot(), salt=PERSON_STATE_SALT, compress=True)


def read_person_state(token):
    try:
        return signing.loads(token or "", salt=PERSON_STATE_SALT)
    except signing.BadSignature:
        return None


class ConflictSafeAdmin(admin.ModelAdmin):
    """Merges a change form posted after later saves (see articles/merging.py for the rules), shows who else has
    the form open (articles/presence.py) and warns before leaving unsaved changes."""

    class Media:
        js = ["js/admin_editing.js", "js/admin_tags.js"]
        css = {"all": ["css/admin_editing.css"]}

    # What the model admins say about their records

    def merge_parts(self, request, obj):
        raise NotImplementedError

    def stored_snapshot(self, obj):
        raise NotImplementedError

    def opened_snapshot(self, obj, token):
        """The record as it was at `token` (what the form carries as its opened state), or None if unknown."""
        raise NotImplementedError

    def opened_token(self, data):
        return data.get("opened_version", "")

    def moved_since_opened(self, data, obj):
        return data.get("opened_version") != str(obj.version)

    def mark_opened_at_stored(self, data, obj, stored):
        data["opened_version"] = str(obj.version)

    def saves_since(self, obj, token):
        return []

    # The merge itself

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        posted = (request.POST, request.FILES)
        for _attempt in range(MERGE_RETRIES):
            request.POST, request._files = posted[0].copy(), posted[1].copy()
            self.merge_with_later_saves(request, object_id)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except EditConflict:
                # Another save landed between the merge and this save (the transaction was rolled back).
                continue
        return super().changeform_view(request, object_id, form_url, extra_context)

    def merge_with_later_saves(self, request, object_id):
        request.merge = None
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            return
        data, files = request.POST, request._files
        chosen = {key: data.get(f"merge-choice-{key}", "") for key in data.getlist("merge-conflict")}
        if not chosen and not self.moved_since_opened(data, obj):
            return
        opened_token = self.opened_token(data)
        stored = self.stored_snapshot(obj)
        shown = self.opened_snapshot(obj, opened_token)
        if shown == stored and not chosen:
            self.mark_opened_at_stored(data, obj, stored)  # nothing to merge, whatever the counter says
            return
        parts = self.merge_parts(request, obj)
        original_token = data.get("merge-original", "") if chosen else opened_token
        waiting = []
        if chosen:
            original = self.opened_snapshot(obj, original_token)
            waiting = merging.apply_choices(parts, chosen, shown, original, stored, data, files)
        result = merging.merge(parts, shown, stored, data, files)
        for part in parts:
            if part.key in waiting and part.key not in {conflict.key for conflict in result.conflicts}:
                result.conflicts.append(
                    merging.Conflict(
                        part,
                        theirs=part.show(part.from_snapshot(shown or stored)),
                        yours=part.show(part.from_form(data, files)),
                        original="",
                    )
                )
        result.kept = [label for label in result.kept if label not in {c.label for c in result.conflicts}]
        result.original_token = original_token
        result.saves = self.saves_since(obj, opened_token)
        self.mark_opened_at_stored(data, obj, stored)
        request.merge = result

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.merge = getattr(request, "merge", None)
        form.user = request.user
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["merge"] = getattr(request, "merge", None)
        if obj is not None:
            opts = self.model._meta
            context["presence_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_presence", args=[obj.pk], current_app=self.admin_site.name
            )
            context["presence_heartbeat"] = presence.HEARTBEAT_SECONDS
            context["presence_others"] = [presence.describe(editor) for editor in presence.report(obj, request.user)]
        form = context["adminform"].form
        if request.method == "POST" and isinstance(form, kept_uploads.KeepsUploads):
            form.keep_uploads()  # the post was refused: the re-shown form keeps its photo
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        opts = self.model._meta
        presence_url = path(
            "<path:object_id>/presence/",
            self.admin_site.admin_view(self.presence_view),
            name=f"{opts.app_label}_{opts.model_name}_presence",
        )
        return [presence_url, *super().get_urls()]

    def presence_view(self, request, object_id):
        """Who else has the change form open. The open form POSTs here every presence.HEARTBEAT_SECONDS (and
        "leave" as it goes); a GET only asks."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        if request.method != "POST":
            others = presence.present(obj, besides=request.user)
        elif request.POST.get("leave"):
            presence.leave(obj, request.user)
            return HttpResponse(status=204)
        else:
            others = presence.report(obj, request.user)
        return JsonResponse({"others": [presence.describe(editor) for editor in others]})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if isinstance(form, kept_uploads.KeepsUploads):
            form.forget_kept_uploads()

    def response_change(self, request, obj):
        self.report_merge(request)
        return super().response_change(request, obj)

    def report_merge(self, request):
        """Tell the editor what a merged save took from the others and what it saved of theirs."""
        result = getattr(request, "merge", None)
        if result is not None and (result.taken or result.kept):
            parts = []
            if result.taken:
                parts.append(f"their changes to {_joined(result.taken)} were kept")
            if result.kept:
                parts.append(f"your changes to {_joined(result.kept)} were saved")
            self.message_user(
                request, "Merged with a save made after you opened this: " + "; ".join(parts) + ".", messages.INFO
            )


def _joined(labels):
    labels = [str(label).lower() for label in labels]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _when(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class VisibleStoryChoices:
    """An inline whose `story_field` picks a story: only stories the user may open can be chosen, and so
    the widget never shows the headline of one they may not read (a forged id is "not a valid choice").
    Stories the row already links to stay valid, so a story taken down since does not block the save."""

    story_field = "story"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get(self.story_field)
        if field is not None:
            visible = roles.visible_articles(request.user, Article.objects.all())
            linked = self.model.objects.filter(article=obj).values(self.story_field) if obj else []
            field.queryset = visible | Article.objects.filter(pk__in=linked) if obj else visible
        return formset


class OrderedRowsFormSet(BaseInlineFormSet):
    """Rows in an order the editor sets with the rows' up and down buttons (static/js/admin_editing.js), which
    number them; a row added without a number goes after the others, so nobody has to type positions."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["position"].required = False
        form.fields["position"].initial = None  # a blank new row stays unchanged, and so is not saved
        form.fields["position"].widget.attrs.update({"min": 1, "class": "row-position"})

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
        ]
        following = max([form.cleaned_data.get("position") or 0 for form in kept], default=0) + 1
        for form in kept:
            if not form.cleaned_data.get("position"):
                form.cleaned_data["position"] = form.instance.position = following
                following += 1


class RelatedHeadlineFormSet(OrderedRowsFormSet):
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


class RelatedHeadlineInline(VisibleStoryChoices, admin.TabularInline):
    model = RelatedHeadline
    fk_name = "article"
    story_field = "target"
    formset = RelatedHeadlineFormSet
    extra = 0
    fields = ["position", "headline", "target", "url"]
    autocomplete_fields = ["target"]
    # Editors paste bare domains; the web they link to is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = "more headline"
    verbose_name_plural = "More headlines (shown under the story, in this order)"

    # Headlines are part of the story: whoever may edit the story may edit them, nobody else.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or roles.can_edit(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or roles.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or roles.can_edit(request.user, obj))


class PublicationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("in_review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published (live)"),
            ("unpublished", "Unpublished"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.filter(status=Article.Status.DRAFT)
            case "in_review":
                return queryset.filter(status=Article.Status.IN_REVIEW)
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
            case "unpublished":
                return queryset.filter(status=Article.Status.UNPUBLISHED)
        return queryset


class TagSearchFilter(admin.SimpleListFilter):
    """The story list's tag filter: a box that suggests tags as you type, not a link for each of thousands."""

    title = "tag"
    parameter_name = "tag"
    template = "admin/articles/article/tag_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # The rest of the list's query (search, other filters, sorting) rides along when the box is submitted.
        self.other_params = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (self.parameter_name, "p")
            for value in values
        ]

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__name__iexact=" ".join(self.value().split()))
        return queryset


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


class PinnedStoryInline(VisibleStoryChoices, admin.TabularInline):
    model = PinnedStory
    formset = OrderedRowsFormSet
    fk_name = "article"
    extra = 0
    fields = ["position", "story"]
    autocomplete_fields = ["story"]
    verbose_name_plural = "Related stories: pinned (shown first, in this order)"


class ExcludedStoryInline(VisibleStoryChoices, admin.TabularInline):
    model = ExcludedStory
    fk_name = "article"
    extra = 0
    fields = ["story"]
    autocomplete_fields = ["story"]
    verbose_name_plural = "Related stories: excluded (never shown under this story)"


ARTICLE_TEXT_FIELDS = [
    "headline",
    "slug",
    "summary",
    "byline",
    "dateline",
    "source",
    "status",
]


def article_merge_parts():
    """Every part of the story form, as articles/merging.py merges it."""

    def headline_row(row):
        position, headline, target, url = row
        link = f" → story #{target}" if target else (f" → {url}" if url else "")
        return f"{position}. {headline}{link}"

    return [
        *(merging.TextPart(name, FIELD_LABELS[name]) for name in ARTICLE_TEXT_FIELDS),
        merging.BodyPart("body", FIELD_LABELS["body"]),
        merging.ChoicePart("section", FIELD_LABELS["section"]),
        merging.OrderedPeoplePart("byline_authors", FIELD_LABELS["byline_authors"]),
        merging.DateTimePart("published_at", FIELD_LABELS["published_at"]),
        merging.TagsPart("tags", FIELD_LABELS["tags"]),
        merging.PeoplePart("people", FIELD_LABELS["people"]),
        merging.PicturePart(
            "lead_library_picture", FIELD_LABELS["lead_library_picture"], "lead_image", "lead_image_kept"
        ),
        merging.ChoicePart("lead_shape", FIELD_LABELS["lead_shape"], names=dict(Article.LeadShape.choices)),
        merging.RowsPart(
            "related_headlines",
            FIELD_LABELS["related_headlines"],
            [("position", "position"), ("headline", "headline"), ("target", "target_id"), ("url", "url")],
            required="headline",
            show_row=headline_row,
        ),
        merging.RowsPart(
            "pinned_stories",
            FIELD_LABELS["pinned_stories"],
            [("position", "position"), ("story", "story_id")],
            required="story",
            show_row=lambda row: f"{row[0]}. story #{row[1]}",
        ),
        merging.RowsPart(
            "excluded_stories",
            FIELD_LABELS["excluded_stories"],
            [("story", "story_id")],
            required="story",
            ordered=False,
            show_row=lambda row: f"story #{row[0]}",
        ),
        merging.AppendedRowsPart(
            "corrections",
            FIELD_LABELS["corrections"],
            [("kind", "kind"), ("text", "text")],
            required="text",
            ordered=False,
            show_row=lambda row: f"{row[0].capitalize()}: {row[1]}",
        ),
    ]


@admin.register(Article)
class ArticleAdmin(BodyEditorAdmin, ConflictSafeAdmin):
    form = ArticleAdminForm
    list_display = ["headline", "publication_state", "published_at", "created_by", "tag_names", "thumbnail"]
    # Only tags on stories the user may open are suggested: a reporter never learns the topics of others' drafts.
    list_filter = [PublicationStateFilter, "section", TagSearchFilter, "published_at"]
    search_fields = ["headline", "summary", "body_text", "byline"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["people"]
    # The library's own list (thumbnails, search, upload) opens as the chooser.
    raw_id_fields = ["lead_library_picture"]
    inlines = [RelatedHeadlineInline, PinnedStoryInline, ExcludedStoryInline, CorrectionInline]
    readonly_fields = ["related_preview", "preview_link", "publication_state"]
    actions = ["submit_for_review", "publish", "unpublish"]
    save_on_top = True
    fieldsets = [
        # A newsroom's order: the words first, then when it goes out and its picture, then where it sits.
        (None, {"fields": ["headline", "slug", "summary", "body"]}),
        ("Publishing", {"fields": ["publication_state", "status", "published_at", "opened_version"]}),
        (
            "Lead picture",
            {
                "fields": [
                    "lead_library_picture",
                    "lead_shape",
                    "lead_image",
                    "lead_image_kept",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        ("Section and credits", {"fields": ["section", "byline_authors", "byline", "dateline", "source"]}),
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
        visible = roles.visible_articles(request.user, super().get_queryset(request))
        return visible.select_related("created_by", "lead_library_picture").prefetch_related("tags")

    # Roles (the rules themselves are in articles/roles.py)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or roles.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:  # deleting many at once, from the changelist, is for editors
            return roles.can_publish(request.user)
        return roles.can_delete(request.user, obj)

    def has_publish_permission(self, request):
        return roles.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if roles.can_publish(request.user):
            return readonly
        return [*readonly, "published_at"]  # setting a time is scheduling, an editor's call

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.may_publish = roles.can_publish(request.user)
        return form

    def save_model(self, request, obj, form, change):
        if not roles.can_publish(request.user) and obj.status not in roles.REPORTER_STATUSES:
            raise PermissionDenied("Only editors publish stories.")
        if change:
            obj.lock_unchanged_since(form.cleaned_data["opened_version"])
            record_baseline(obj)  # so the first recorded edit of an older story can be undone too
        else:
            obj.created_by = request.user
        upload = form.cleaned_data.get("lead_image")
        if upload:
            obj.lead_library_picture = Picture.objects.create(
                file=upload,
                alt=form.cleaned_data.get("lead_image_alt", ""),
                caption=form.cleaned_data.get("lead_image_caption", ""),
                credit=form.cleaned_data.get("lead_image_credit", ""),
                uploaded_by=request.user,
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.set_authors(form.cleaned_data["byline_authors"])
        # Recorded after tags, people and headlines are saved, so the snapshot holds them.
        form.instance.record_revision(request.user, "Edited in the admin" if change else "Created in the admin")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        can_see_history = article is not None and roles.can_see_history(request.user, article)
        extra_context = {**(extra_context or {}), "can_see_history": can_see_history}
        return super().change_view(request, object_id, form_url, extra_context)

    # Publishing buttons (articles/publishing.py), above and below the form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["publishing_buttons"] = publishing.buttons(
            stored_publishing_state(obj) if obj is not None else publishing.Stored(), roles.can_publish(request.user)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if request.POST.get("_publishing"):
            return self._back_to_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if request.POST.get("_publishing"):
            return self._back_to_form(request, obj)
        return super().response_change(request, obj)

    def _back_to_form(self, request, obj):
        """After a publishing button: say what happened and stay on the story."""
        self.report_merge(request)
        if obj.is_published:
            message = f"“{obj}” is live, published {publishing.when(obj.published_at)}."
        elif obj.is_scheduled:
            message = f"“{obj}” is scheduled: it goes live by itself at {publishing.when(obj.published_at)}."
        else:
            message = f"“{obj}” was saved: {obj.get_status_display().lower()}."
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:articles_article_change", obj.pk)

    # Merging concurrent edits (ConflictSafeAdmin, articles/merging.py)

    def merge_parts(self, request, obj):
        return article_merge_parts()

    def stored_snapshot(self, obj):
        return take_snapshot(obj)

    def opened_snapshot(self, obj, token):
        if not str(token).isdigit():
            return None
        revision = Revision.objects.filter(article=obj, number=int(token)).only("snapshot").first()
        return revision.snapshot if revision else None

    def saves_since(self, obj, token):
        number = int(token) if str(token).isdigit() else -1
        later = Revision.objects.filter(article=obj, number__gt=number).select_related("user").defer("snapshot")
        return list(later.order_by("number"))

    # Columns

    @admin.display(description="state", ordering="status")
    def publication_state(self, article):
        if article.is_published:
            return format_html("<strong>{}</strong>", "Live")
        if article.is_scheduled:
            return f"Scheduled for {_when(article.published_at)}"
        if article.status == Article.Status.UNPUBLISHED:
            return "Taken down"
        return article.get_status_display()

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
        picture = article.lead_picture
        if picture is None:
            return ""
        rendition = picture.at_most(320)
        # Width and height attributes, not a style attribute: the Content-Security-Policy allows no inline style.
        height = round(rendition.height * 80 / rendition.width) if rendition.width else 80
        return format_html('<img src="{}" alt="" width="80" height="{}" loading="lazy">', rendition.url, height)

    # Actions

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        editable = [article.pk for article in queryset if roles.can_edit(request.user, article)]
        count = Article.objects.filter(pk__in=editable).submit_for_review(request.user)
        self.message_user(
            request, f"Submitted {count} stor{'y' if count == 1 else 'ies'} for review.", messages.SUCCESS
        )

    @admin.action(description="Publish selected stories…", permissions=["publish"])
    def publish(self, request, queryset):
        return self._confirmed_bulk(request, queryset, "publish")

    @admin.action(description="Unpublish selected stories…", permissions=["publish"])
    def unpublish(self, request, queryset):
        return self._confirmed_bulk(request, queryset, "unpublish")

    def _confirmed_bulk(self, request, queryset, action):
        """Publishing and unpublishing many stories first lists them, each with what will happen to it."""
        stories = list(queryset.order_by("-published_at", "-id"))
        if request.POST.get("confirm") != action:
            now = timezone.now()
            return TemplateResponse(
                request,
                "admin/articles/article/confirm_publishing.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Publish these stories?" if action == "publish" else "Unpublish these stories?",
                    "opts": self.opts,
                    "action": action,
                    "stories": [(story, bulk_outcome(story, action, now)) for story in stories],
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        chosen = Article.objects.filter(pk__in=[story.pk for story in stories])
        count = chosen.publish(request.user) if action == "publish" else chosen.unpublish(request.user)
        scheduled = Article.objects.filter(pk__in=[story.pk for story in stories]).scheduled().count()
        done = "Published" if action == "publish" else "Unpublished"
        message = f"{done} {count} stor{'y' if count == 1 else 'ies'}"
        if action == "publish" and scheduled:
            message += f"; {scheduled} of them {'is' if scheduled == 1 else 'are'} scheduled and will go live then"
        self.message_user(request, message + ".", messages.SUCCESS)
        return None

    # Revisions: history, diff between any two, restore

    def get_urls(self):
        own = [
            path(
                "tag-suggestions/",
                self.admin_site.admin_view(self.tag_suggestions_view),
                name="articles_article_tag_suggestions",
            ),
            path(
                "<path:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                self.admin_site.admin_view(self.revision_compare_view),
                name="articles_article_revision_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/restore/",
                self.admin_site.admin_view(self.revision_restore_view),
                name="articles_article_revision_restore",
            ),
        ]
        return own + super().get_urls()

    def tag_suggestions_view(self, request):
        """Tags for the tag box and the list's tag filter, as the editor types."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        typed = " ".join(request.GET.get("q", "").split())[:100]
        stories = None
        if not roles.can_publish(request.user):
            stories = roles.visible_articles(request.user, Article.objects.all())
        return JsonResponse({"tags": suggest_tags(typed, stories) if typed else []})

    def _article_with_history(self, request, object_id):
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("No such story.")
        if not roles.can_see_history(request.user, article):
            raise PermissionDenied
        return article

    def _revision_context(self, request, article, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            "title": title,
            "can_restore": roles.can_restore(request.user) and self.has_change_permission(request, article),
        }

    def revisions_view(self, request, object_id):
        article = self._article_with_history(request, object_id)
        context = self._revision_context(request, article, f"Revisions of “{article.headline}”")
        context["revisions"] = article.revisions.select_related("user").defer("snapshot")
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revision_compare_view(self, request, object_id):
        article = self._article_with_history(request, object_id)
        numbers = sorted(request.GET.get(key, "") for key in ("a", "b"))
        if not all(number.isdigit() for number in numbers):
            return redirect("admin:articles_article_revisions", article.pk)
        older, newer = (
            get_object_or_404(Revision.objects.select_related("user"), article=article, number=int(number))
            for number in sorted(numbers, key=int)
        )
        context = self._revision_context(
            request, article, f"Revision {older.number} → revision {newer.number} of “{article.headline}”"
        )
        context.update(older=older, newer=newer, changes=diff_snapshots(older.snapshot, newer.snapshot))
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def revision_restore_view(self, request, object_id, number):
        article = self._article_with_history(request, object_id)
        if not (roles.can_restore(request.user) and self.has_change_permission(request, article)):
            raise PermissionDenied
        revision = get_object_or_404(Revision, article=article, number=number)
        if request.method == "POST":
            restored = article.restore_revision(revision, request.user)
            self.message_user(
                request, f"Restored revision {revision.number}; saved as revision {restored.number}.", messages.SUCCESS
            )
            return redirect("admin:articles_article_change", article.pk)
        current = article.revisions.first()
        context = self._revision_context(request, article, f"Restore revision {revision.number}?")
        context.update(
            revision=revision,
            current=current,
            changes=restore_changes(current.snapshot if current else None, revision.snapshot),
        )
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)


PERSON_FIELD_LABELS = {
    "name": "Name",
    "slug": "Slug",
    "role": "Role",
    "bio": "Biography",
    "aliases": "Aliases",
    "profile_urls": "Profile links",
}


@admin.register(Person)
class PersonAdmin(ConflictSafeAdmin):
    form = PersonAdminForm
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "role",
                    "bio",
                    "photo",
                    "photo_upload",
                    "photo_upload_kept",
                    "aliases",
                    "found_automatically",
                    "found_as_text",
                    "opened_version",
                    "opened_state",
                ]
            },
        ),
        ("As an author", {"fields": ["author_kind", "profile_urls"]}),
    ]
    readonly_fields = ["found_as_text"]
    list_display = ["name", "role", "author_kind", "article_count", "found_automatically", "found_as_text"]
    list_filter = ["author_kind", "found_automatically"]
    search_fields = ["name", "aliases", "role"]
    prepopulated_fields = {"slug": ["name"]}
    # The library's own list (thumbnails, search, upload) opens as the chooser, as for a story's lead.
    raw_id_fields = ["photo"]
    # The story count's GROUP BY drops Meta.ordering, so pages need it stated.
    ordering = ["name"]
    actions = ["merge_selected", "mark_not_a_person"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    def get_actions(self, request):
        # Merging and rejecting rewrite other people's stories: editors only (see roles.py).
        actions = super().get_actions(request)
        if not roles.can_curate_people(request.user):
            actions.pop("merge_selected", None)
            actions.pop("mark_not_a_person", None)
        return actions

    @admin.display(description="found as")
    def found_as_text(self, person):
        return ", ".join(person.found_as) or "—"

    def save_model(self, request, obj, form, change):
        if change:
            opened = form.cleaned_data["opened_version"]
            obj.lock_unchanged_since(opened)
            obj.version = opened + 1
        if "found_automatically" not in form.changed_data:
            obj.found_automatically = False  # an editor has looked at this record and kept it
        upload = form.cleaned_data.get("photo_upload")
        if upload:
            # A portrait: its title and alt text say whose, as the library lists and stories would show it.
            obj.photo = Picture.objects.create(file=upload, title=obj.name, alt=obj.name, uploaded_by=request.user)
        super().save_model(request, obj, form, change)

    @admin.display(description="stories", ordering="article_count")
    def article_count(self, person):
        return person.article_count

    # Merging concurrent edits (ConflictSafeAdmin): the opened state travels with the form, signed.

    def merge_parts(self, request, obj):
        return [
            *(merging.TextPart(name, label) for name, label in PERSON_FIELD_LABELS.items()),
            merging.ChoicePart("author_kind", "Writes for us as", {"": "not an author", **dict(AuthorKind.choices)}),
            merging.CheckboxPart("found_automatically", "Found automatically"),
            merging.PicturePart("photo", "Photo", "photo_upload", "photo_upload_kept"),
        ]

    def stored_snapshot(self, obj):
        return obj.snapshot()

    def opened_snapshot(self, obj, token):
        return read_person_state(token)

    def opened_token(self, data):
        return data.get("opened_state", "")

    def moved_since_opened(self, data, obj):
        # Imports complete people without moving their version: compare the states themselves, where the form
        # carries one (a post built without it is judged by its version alone).
        return bool(data.get("opened_state")) or super().moved_since_opened(data, obj)

    def mark_opened_at_stored(self, data, obj, stored):
        super().mark_opened_at_stored(data, obj, stored)
        data["opened_state"] = sign_person_state(obj)

    @admin.action(description="Merge selected people into one…")
    def merge_selected(self, request, queryset):
        if not roles.can_curate_people(request.user):
            raise PermissionDenied
        people = list(queryset.order_by("name"))
        if len(people) < 2:
            self.message_user(request, "Select at least two people to merge.", messages.WARNING)
            return None
        kept = next((person for person in people if str(person.pk) == request.POST.get("kept")), None)
        if kept is not None:
            merged = merge_people(kept, people, user=request.user)
            self.message_user(
                request,
                f"Merged {merged} {'person' if merged == 1 else 'people'} into “{kept.name}”; "
                "their names are now aliases and their old addresses redirect there.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/articles/person/merge_people.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge people",
                "opts": self.model._meta,
                "people": people,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Not a person: remove from every story and never create again…")
    def mark_not_a_person(self, request, queryset):
        if not roles.can_curate_people(request.user):
            raise PermissionDenied
        people = list(queryset.order_by("name"))
        if request.POST.get("confirmed") == "yes":
            rejected = reject_people(people, user=request.user)
            self.message_user(
                request,
                f"Removed {rejected} record{'' if rejected == 1 else 's'} from every story; "
                "imports will not create them again.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/articles/person/reject_people.html",
            {
                **self.admin_site.each_context(request),
                "title": "Not a person",
                "opts": self.model._meta,
                "people": people,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(RejectedPersonName)
class RejectedPersonNameAdmin(admin.ModelAdmin):
    """Deleting an entry lets imports find that name as a person again."""

    list_display = ["name", "rejected_at", "rejected_by"]
    search_fields = ["name"]
    readonly_fields = ["rejected_at", "rejected_by"]
    list_select_related = ["rejected_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.rejected_by = request.user
        super().save_model(request, obj, form, change)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        tags = super().get_queryset(request)
        if not roles.can_publish(request.user):
            # Reporters see the tags of the stories they may open, and nothing of the others.
            visible = roles.visible_articles(request.user, Article.objects.all())
            tags = tags.filter(pk__in=TaggedArticle.objects.filter(content_object__in=visible).values("tag"))
        return tags.annotate(article_count=Count("articles_taggedarticle_items"))

    @admin.display(description="stories", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    # Renaming, merging and deleting a tag changes every story that carries it, live ones included:
    # editors' work. Each path checks it: the change view, delete view, every action (listed and forged).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and roles.can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and roles.can_publish(request.user)

    @admin.action(description="Merge selected tags into one…", permissions=["change", "delete"])
    def merge_selected(self, request, queryset):
        if not (self.has_change_permission(request) and self.has_delete_permission(request)):
            raise PermissionDenied("Only editors merge tags.")
        tags = list(queryset.annotate(article_count=Count("articles_taggedarticle_items")).order_by("name"))
        if len(tags) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        kept = next((tag for tag in tags if str(tag.pk) == request.POST.get("kept")), None)
        if kept is not None:
            merged = merge_tags(kept, tags, user=request.user)
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


# Sections and the front page


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slug", "order", "story_count"]
    list_editable = ["order"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["parent__order", "order", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, section):
        return section.story_count


@admin.register(FrontPageSlot)
class FrontPageSlotAdmin(admin.ModelAdmin):
    """The editors' front page: position 1 leads; empty or expired places take the latest stories."""

    list_display = ["position", "article", "expires_at", "in_force", "chosen_by"]
    list_display_links = ["article"]
    list_editable = ["position", "expires_at"]
    list_select_related = ["article", "chosen_by"]
    autocomplete_fields = ["article"]
    fields = ["position", "article", "expires_at"]
    ordering = ["position", "-id"]

    @admin.display(description="on the front page", boolean=True)
    def in_force(self, slot):
        return not slot.has_expired and slot.article.is_published

    def save_model(self, request, obj, form, change):
        if not change:
            obj.chosen_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AgencyItem)
class AgencyItemAdmin(admin.ModelAdmin):
    """Where each agency story came from: read-only, since imports keep it (articles/agency_items.py)."""

    list_display = ["guid", "article", "format", "version", "pub_status", "version_created"]
    list_filter = ["format", "pub_status"]
    search_fields = ["guid", "article__headline"]
    list_select_related = ["article"]
    readonly_fields = [field.name for field in AgencyItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
