"""The story body's editor in the admin: django-prose-editor (ProseMirror/Tiptap, assets shipped in its wheel,
no build step, no CDN) limited to the body's vocabulary, plus our own blocks in static/js/body_editor.js.

The editor's schema already drops what it cannot hold when editors paste from word processors and web pages;
`BodyField` sanitises again on the server (articles/body.py), so nothing else is trusted.
"""

from django import forms
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import Media

from articles import body

# What the toolbar offers, each with Tiptap's keyboard shortcuts (Ctrl+B bold, Ctrl+I italic, Ctrl+K link,
# Ctrl+Alt+2/3 subheads, Ctrl+Shift+7/8 lists, Ctrl+Shift+B quote, Ctrl+Shift+P pull quote, Ctrl+Z undo).
EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "HardBreak": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    # Without autolink, Tiptap's links end where the editor's selection did: with it, text typed straight
    # after a link would join the link (the mark is "inclusive" whenever autolink is on).
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"], "autolink": False},
    # Ours (static/js/body_editor.js), registered in settings.DJANGO_PROSE_EDITOR_EXTENSIONS.
    "Quote": True,
    "Citation": True,
    "FactBox": True,
    "Embed": True,
    "Picture": True,
    "StylesFromThisSite": True,
}


class BodyEditorWidget(AdminProseEditorWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, config={"extensions": EXTENSIONS}, preset="configurable")

    @property
    def media(self):
        return super().media + Media(css={"all": ["css/body_editor.css"]})


class BodyField(forms.CharField):
    """The body as the editor sends it, stored sanitised (plain text from a browser without scripts becomes
    escaped paragraphs)."""

    widget = BodyEditorWidget

    def to_python(self, value):
        return body.normalise(super().to_python(value))


def no_allowlist(extension_config, shared_config):
    """django-prose-editor asks each extension what its own sanitiser should allow; we do not use that
    sanitiser (BodyField sanitises with articles/body.py), so our blocks add nothing to it."""


class BodyEditorAdmin:
    """For a ModelAdmin whose form has the body editor: its page's one inline script, django-prose-editor's
    import map (browsers take import maps only inline), carries the response's CSP nonce, which the admin's
    policy then names beside 'self' (settings.CONTENT_SECURITY_POLICY_SITE_SCRIPTS)."""

    def render_change_form(self, request, context, *args, **kwargs):
        media = context.get("media")
        if hasattr(media, "with_nonce"):  # js_asset's Media: the editor is on this form
            context["media"] = media.with_nonce(str(request.csp_nonce))
        return super().render_change_form(request, context, *args, **kwargs)
