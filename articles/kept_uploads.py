"""Uploads survive a refused form: a photo chosen before a form error is kept, and saved with the fix.

Browsers never re-send a file, so when a form comes back with errors (a field, an inline, an edit conflict) a
photo that passed its own checks is stored under ``kept-uploads/`` and the re-shown form carries a signed token
for it, valid for one day and for the editor who chose it. Posted back without a new file, the token stands in
for the upload. Kept files are deleted once saved with the record, and any left behind after a day are removed
whenever another one is kept (and by ``clear_kept_uploads``).
"""

import posixpath
import uuid
from datetime import timedelta

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html

FOLDER = "kept-uploads"
MAX_AGE = timedelta(days=1)
SALT = "articles.kept-upload"


def token_field(field_name):
    """The hidden form field that carries the token for `field_name`'s kept file."""
    return f"{field_name}_kept"


def keep(upload, user):
    """Store a validated upload for a day; return the token that stands for it."""
    clear_expired()
    name = posixpath.basename(upload.name or "upload")
    upload.seek(0)
    path = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}/{name}", upload)
    return signing.dumps({"path": path, "user": user.pk}, salt=SALT, compress=True)


def path_for(token, user):
    """The stored path behind a token, or None if it is forged, expired, someone else's or gone."""
    try:
        kept = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path = kept.get("path", "")
    if kept.get("user") != user.pk or not path.startswith(f"{FOLDER}/") or ".." in path:
        return None
    return path if default_storage.exists(path) else None


def as_upload(path):
    """The kept file, as the form field would receive a fresh upload."""
    return UploadedFile(
        file=default_storage.open(path),
        name=posixpath.basename(path),
        size=default_storage.size(path),
    )


def clear_expired(now=None):
    """Delete kept files older than a day; returns how many went."""
    cutoff = (now or timezone.now()) - MAX_AGE
    removed = 0
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    for folder in folders:
        _subfolders, names = default_storage.listdir(f"{FOLDER}/{folder}")
        for name in names:
            path = f"{FOLDER}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed


class KeepsUploads:
    """Form mixin: `kept_upload_fields` names the file fields whose uploads survive a refused post.

    Each also needs a hidden CharField named `token_field(name)` in the form and its fieldsets; the form's
    `user` is set by the admin (get_form) for the request.
    """

    kept_upload_fields = ()
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_paths = {}
        for name in self.kept_upload_fields:
            token = self.data.get(self.add_prefix(token_field(name))) if self.is_bound else None
            path = path_for(token, self.user) if token and self.user is not None else None
            if path is None:
                continue
            if self.add_prefix(name) in self.files or self.data.get(self.add_prefix(f"{name}-clear")):
                continue  # a new choice replaces the kept one
            self.kept_paths[name] = path
            self.files = self.files.copy()
            self.files[self.add_prefix(name)] = as_upload(path)

    def keep_uploads(self):
        """After the post was refused: keep each validated new upload, so the re-shown form still has it."""
        cleaned = getattr(self, "cleaned_data", {})
        self.data = self.data.copy()
        for name in self.kept_upload_fields:
            upload = cleaned.get(name)
            if name in self.kept_paths:
                token = self.data.get(self.add_prefix(token_field(name)))
                path = self.kept_paths[name]
            elif isinstance(upload, UploadedFile):
                token = keep(upload, self.user)
                path = path_for(token, self.user)
            else:
                continue
            self.data[self.add_prefix(token_field(name))] = token
            # Bound fields copy their help text when made: let the re-shown form make them afresh.
            self._bound_fields_cache.pop(name, None)
            self._bound_fields_cache.pop(token_field(name), None)
            self.fields[name].help_text = format_html(
                '<span class="kept-upload"><img src="{}" alt="" width="120" class="kept-upload__thumbnail"> '
                "Your photo <strong>{}</strong> is kept: it will be saved with the story once the form is fixed "
                "(choose another file to replace it).</span>",
                default_storage.url(path),
                posixpath.basename(path),
            )

    def forget_kept_uploads(self):
        """After a successful save: the kept files were copied into the record's own; remove them."""
        paths = list(self.kept_paths.values())
        transaction.on_commit(lambda: [default_storage.delete(path) for path in paths])
