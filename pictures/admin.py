from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles.images import ImageUploadField, validate_image
from pictures.models import Picture


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class UploadPicturesForm(forms.Form):
    files = MultipleFileField(
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/jpeg,image/png,image/webp"}),
        help_text="Choose one or more JPEG, PNG or WebP photos. Caption, credit and copyright are read from "
        "the files' own metadata where they carry it.",
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        problems = []
        for upload in files:
            try:
                validate_image(upload)
            except ValidationError as error:
                problems.extend(f"{upload.name}: {message}" for message in error.messages)
        if problems:
            raise ValidationError(problems)
        return files


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "credit", "size", "uploaded_at"]
    list_display_links = ["thumbnail", "title"]
    search_fields = ["title", "caption", "alt", "credit", "copyright"]
    list_per_page = 40
    readonly_fields = ["preview", "size", "used_by"]
    fieldsets = [
        (None, {"fields": ["file", "preview", "size", "title", "alt", "caption", "credit", "copyright"]}),
        ("Focal point (kept in every crop)", {"fields": ["focal_x", "focal_y"]}),
        ("Where it is used", {"fields": ["used_by"]}),
    ]
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="pictures_picture_upload"),
            path("<int:pk>/summary/", self.admin_site.admin_view(self.summary_view), name="pictures_picture_summary"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="")
    def thumbnail(self, picture):
        return format_html(
            '<img src="{}" alt="" width="120" loading="lazy">',
            picture.crop("free").at_most(320).url,
        )

    @admin.display(description="Picture")
    def preview(self, picture):
        if not picture.pk:
            return ""
        return format_html('<img src="{}" alt="" width="480">', picture.crop("free").at_most(640).url)

    @admin.display(description="Size in pixels")
    def size(self, picture):
        return f"{picture.width} × {picture.height}" if picture.width else ""

    @admin.display(description="Stories and people")
    def used_by(self, picture):
        if not picture.pk:
            return ""
        links = [
            *(
                (reverse("admin:articles_article_change", args=[story.pk]), story.headline)
                for story in picture.stories_using()[:50]
            ),
            *(
                (reverse("admin:articles_person_change", args=[person.pk]), f"{person.name} (photo)")
                for person in picture.people_using()[:50]
            ),
        ]
        if not links:
            return "None yet"
        return format_html_join(", ", '<a href="{}">{}</a>', links)

    def summary_view(self, request, pk):
        """What the body editor shows of a chosen picture: its caption and a thumbnail."""
        picture = self.get_object(request, str(pk))
        if picture is None or not self.has_view_permission(request, picture):
            raise Http404
        return JsonResponse(
            {
                "id": picture.pk,
                "title": str(picture),
                "caption": picture.caption,
                "credit": picture.credit,
                "thumbnail": picture.crop("free").at_most(640).url,
            }
        )

    def upload_view(self, request):
        """Several photos at once: each becomes a picture, described from its own metadata where it can be."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadPicturesForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                added = [
                    Picture.objects.create(file=upload, uploaded_by=request.user)
                    for upload in form.cleaned_data["files"]
                ]
            self.message_user(request, f"{len(added)} pictures added to the library.", messages.SUCCESS)
            return redirect("admin:pictures_picture_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Upload pictures",
        }
        return TemplateResponse(request, "admin/pictures/picture/upload.html", context)

    def delete_view(self, request, object_id, extra_context=None):
        picture = self.get_object(request, object_id)
        refusal = picture.in_use() if picture is not None else None
        if refusal is not None:
            self.message_user(request, refusal.messages[0], messages.ERROR)
            return redirect("admin:pictures_picture_change", picture.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        kept = []
        for picture in queryset:
            refusal = picture.in_use()
            if refusal is not None:
                self.message_user(request, refusal.messages[0], messages.ERROR)
                kept.append(picture.pk)
        super().delete_queryset(request, queryset.exclude(pk__in=kept))
