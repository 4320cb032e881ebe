"""Who else has a record's change form open: each open form reports every HEARTBEAT_SECONDS; an editor whose
reports stop (the tab closed, the laptop asleep) is gone after GONE_AFTER_SECONDS, sooner when the page says so.

Kept in the default cache, so it works alike with local memory (one machine) and Redis (several app servers).
Each editor is a key of their own that expires by itself, so no entry outlives its editor even when the list of
who reported, kept under the record's key, loses a concurrent update: the next report puts the editor back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_SECONDS = 20
GONE_AFTER_SECONDS = 60
# The record's list of reporters only names whose keys to look at; it may outlive them by this much.
ROSTER_SECONDS = 3600


@dataclass(frozen=True)
class Editor:
    user_id: int
    name: str
    since: datetime


def display_name(user):
    return user.get_full_name().strip() or user.get_username()


def _roster_key(obj):
    return f"presence:{obj._meta.label_lower}:{obj.pk}"


def _editor_key(obj, user_id):
    return f"{_roster_key(obj)}:{user_id}"


def report(obj, user, now=None):
    """`user` has `obj`'s form open now; returns the other editors who have it open, longest first."""
    now = now or timezone.now()
    key = _editor_key(obj, user.pk)
    entry = cache.get(key)
    since = entry["since"] if entry and _alive(entry, now) else now.isoformat()
    cache.set(key, {"name": display_name(user), "since": since, "seen": now.isoformat()}, GONE_AFTER_SECONDS)
    others = present(obj, now=now, besides=user)
    # Written back without those who have gone, so the list stays as short as the room.
    cache.set(_roster_key(obj), [*(editor.user_id for editor in others), user.pk], ROSTER_SECONDS)
    return others


def leave(obj, user):
    """`user` closed the form (the page said so as it went)."""
    cache.delete(_editor_key(obj, user.pk))


def present(obj, now=None, besides=None):
    now = now or timezone.now()
    roster = cache.get(_roster_key(obj)) or []
    entries = cache.get_many([_editor_key(obj, user_id) for user_id in roster])
    editors = []
    for user_id in dict.fromkeys(roster):
        entry = entries.get(_editor_key(obj, user_id))
        if entry and _alive(entry, now) and (besides is None or user_id != besides.pk):
            editors.append(Editor(user_id, entry["name"], datetime.fromisoformat(entry["since"])))
    return sorted(editors, key=lambda editor: (editor.since, editor.name))


def _alive(entry, now):
    # The cache expires entries itself; this says the same for a clock other than the cache's (tests, skew).
    return now - datetime.fromisoformat(entry["seen"]) < timedelta(seconds=GONE_AFTER_SECONDS)


def describe(editor, now=None):
    """'Bo Berg has had this open since 10:02', in the newsroom's time; the day too when it was not today."""
    now = timezone.localtime(now or timezone.now())
    since = timezone.localtime(editor.since)
    when = since.strftime("%H:%M") if since.date() == now.date() else since.strftime("%-d %b %H:%M")
    return f"{editor.name} has had this open since {when}"
