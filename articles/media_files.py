"""Stored pictures follow the rows that use them.

Files are not part of a database transaction, so they are kept in step from both sides:
- a library picture whose file is replaced, or whose row is deleted, is removed with its renditions once
  the change commits and no row uses that file any more (the signal handlers below, connected in
  `ArticlesConfig.ready`); a rolled-back change removes nothing;
- a picture stored during a web request that no row uses once the request is over was written by a
  transaction that rolled back (a failed admin save), and is removed then; the importer removes its own
  files when its transaction rolls back;
- files left by work that died (an import killed half-way, a server that lost power) are orphans that
  `orphaned_files()` finds and `manage.py cleanup_media` removes.

Every stored picture is a library one (pictures.models.Picture): stories and people only link to them, and the
library refuses to delete one they use. Revisions keep the id of the picture a story had; restoring one whose
picture has been removed keeps the current picture (articles/revisions.py).
"""

import posixpath
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction

from articles.images import RENDITION_FORMATS

RENDITIONS_FOLDER = "renditions"
# Where originals are stored: the library's folder, and those of stories' and people's own uploads from before
# the library (migration articles 0021 made them library pictures where they were).
ORIGINAL_FOLDERS = ("articles", "people", "pictures")
# A rendition's name is its original's stem, the shape it was cut to, the focal point it was cut around and its
# width (pictures/models.py Picture.rendition_name). Renditions named otherwise (stem and width alone, as uploads
# had before the library) belong to no picture: orphans.
_EXTENSIONS = "|".join(RENDITION_FORMATS)
_RENDITION_NAME = re.compile(r"^(?P<stem>.+)-(?:free|\d+x\d+)(?:-f\d+x\d+)?-\d+w\.(?:" + _EXTENSIONS + r")$")


def rendition_stem(name):
    """The stored name, without extension, of the original whose rendition `name` (renditions/...) is; or None."""
    relative = posixpath.relpath(name, RENDITIONS_FOLDER)
    match = _RENDITION_NAME.match(posixpath.basename(relative))
    return posixpath.join(posixpath.dirname(relative), match.group("stem")) if match else None


def picture_fields():
    from pictures.models import Picture

    return {Picture: "file"}


def names_in_use():
    """Every original the library holds."""
    names = set()
    for model, field in picture_fields().items():
        names.update(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True))
    return names


def is_in_use(name):
    return any(model._default_manager.filter(**{field: name}).exists() for model, field in picture_fields().items())


def renditions_of(name, storage=default_storage):
    """The stored renditions of original `name` (Picture.rendition_name)."""
    stem = posixpath.splitext(name)[0]
    folder = posixpath.dirname(posixpath.join(RENDITIONS_FOLDER, stem))
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [posixpath.join(folder, file) for file in files if rendition_stem(posixpath.join(folder, file)) == stem]


def delete_if_unused(name, storage=default_storage):
    """Remove a picture and its renditions unless a row still uses it."""
    if not name or is_in_use(name):
        return
    storage.delete(name)
    # Renditions are named by the original's stem: leave them if another picture shares it (x.jpg, x.png).
    stem = posixpath.splitext(name)[0] + "."
    if not any(
        model._default_manager.filter(**{f"{field}__startswith": stem}).exists()
        for model, field in picture_fields().items()
    ):
        for rendition in renditions_of(name, storage):
            storage.delete(rendition)


# --- kept in step with the rows ------------------------------------------------------------------


def remember_stored_picture(sender, instance, **kwargs):
    field = picture_fields().get(sender)
    value = instance.__dict__.get(field)  # deferred: not loaded, so not known to have been replaced
    instance._stored_picture = getattr(value, "name", value) or ""


def forget_replaced_picture(sender, instance, **kwargs):
    field = picture_fields()[sender]
    if field not in instance.__dict__:
        return
    previous, current = getattr(instance, "_stored_picture", ""), getattr(instance, field).name or ""
    if previous and previous != current:
        transaction.on_commit(lambda: delete_if_unused(previous))
    written = getattr(_written_in_request, "names", None)
    if written is not None and current and current != previous:
        written.append(current)
    instance._stored_picture = current


# Pictures stored while a web request runs; once it is over, one no row uses belongs to a transaction that
# rolled back (a failed admin save), and goes. Outside requests nothing is tracked: commands clean up
# after themselves (the importer) or are covered by cleanup_media.
_written_in_request = threading.local()


def start_request(**kwargs):
    _written_in_request.names = []


def remove_rolled_back_pictures(**kwargs):
    names, _written_in_request.names = getattr(_written_in_request, "names", None) or [], None
    for name in names:
        delete_if_unused(name)


def forget_deleted_picture(sender, instance, **kwargs):
    name = getattr(instance, picture_fields()[sender]).name
    if name:
        transaction.on_commit(lambda: delete_if_unused(name))


def connect_signals():
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_delete, post_init, post_save

    request_started.connect(start_request, dispatch_uid="pictures-request-started")
    request_finished.connect(remove_rolled_back_pictures, dispatch_uid="pictures-request-finished")
    for model in picture_fields():
        post_init.connect(remember_stored_picture, sender=model, dispatch_uid=f"picture-init-{model.__name__}")
        post_save.connect(forget_replaced_picture, sender=model, dispatch_uid=f"picture-save-{model.__name__}")
        post_delete.connect(forget_deleted_picture, sender=model, dispatch_uid=f"picture-delete-{model.__name__}")


# --- orphans --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    name: str
    size: int


def orphaned_files(min_age_seconds=3600, storage=default_storage) -> Iterator[Orphan]:
    """Stored files no row uses: originals nobody refers to, and renditions of such originals.

    Files younger than `min_age_seconds` are left alone: they may belong to a transaction still running
    (an import in progress writes its pictures before it commits).
    """
    in_use = names_in_use()
    kept_stems = {posixpath.splitext(name)[0] for name in in_use}
    cutoff = time.time() - min_age_seconds
    for folder in (*ORIGINAL_FOLDERS, RENDITIONS_FOLDER):
        for name in _walk(storage, folder):
            if folder == RENDITIONS_FOLDER:
                stem = rendition_stem(name)
                used = stem is not None and stem in kept_stems
            else:
                used = name in in_use
            if not used and storage.get_modified_time(name).timestamp() < cutoff:
                yield Orphan(name, storage.size(name))


def _walk(storage, folder):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in sorted(files):
        yield posixpath.join(folder, file)
    for sub in sorted(folders):
        yield from _walk(storage, posixpath.join(folder, sub))
