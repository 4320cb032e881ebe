"""What the publishing buttons do: the state and time a story gets from the button an editor pressed.

Plain data in, plain data out (no database), so the rules are tested on their own:
- Publish now means now. A draft never goes out with a past time it merely carried; a story that was live before
  keeps its first publication time (and with it, its address) when it is published again.
- Schedule… needs a time in the future; the story then goes live by itself at that time.
- Unpublish takes a live story down; a scheduled story that never went out goes back to draft.
- A plain save keeps the state; a story saved as published without a time gets the present one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone

DRAFT, IN_REVIEW, PUBLISHED, UNPUBLISHED = "draft", "in_review", "published", "unpublished"


@dataclass(frozen=True)
class Button:
    action: str
    label: str
    primary: bool = False


@dataclass(frozen=True)
class Stored:
    """The story as it stands before this save."""

    status: str = DRAFT
    published_at: datetime | None = None
    has_gone_out: bool = False  # readers have had it at its address

    def is_scheduled(self, now):
        return self.status == PUBLISHED and self.published_at is not None and self.published_at > now

    def is_live(self, now):
        return self.status == PUBLISHED and self.published_at is not None and self.published_at <= now


EDITOR_ACTIONS = {"draft", "in_review", "publish", "schedule", "unpublish"}
REPORTER_ACTIONS = {"draft", "in_review"}


def when(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def buttons(stored, may_publish, now=None):
    """The buttons the form shows, for the story's state and the editor's role."""
    now = now or timezone.now()
    if not may_publish:
        if stored.status == IN_REVIEW:
            return [Button("in_review", "Save (stays in review)", primary=True), Button("draft", "Back to draft")]
        return [Button("draft", "Save draft", primary=True), Button("in_review", "Submit for review")]
    if stored.is_live(now):
        return [Button("unpublish", "Unpublish")]
    if stored.is_scheduled(now):
        return [
            Button("publish", "Publish now", primary=True),
            Button("schedule", "Reschedule…"),
            Button("unpublish", f"Unschedule (was due {when(stored.published_at)})"),
        ]
    publish = Button("publish", "Publish again now" if stored.has_gone_out else "Publish now", primary=True)
    own = [Button("draft", "Save draft")] if stored.status in (DRAFT, IN_REVIEW) else []
    if stored.status == DRAFT:
        own.append(Button("in_review", "Submit for review"))
    return [*own, publish, Button("schedule", "Schedule…")]


def apply(action, stored, status, published_at, time_was_changed, may_publish, now=None):
    """The (status, published_at) to save for a press of `action` (None for a plain save).

    `status` and `published_at` are what the form holds; `time_was_changed` says whether the editor set the time
    in this form (a time they chose is theirs to keep, a time the story merely carried is not).
    """
    now = now or timezone.now()
    if action and action not in (EDITOR_ACTIONS if may_publish else REPORTER_ACTIONS):
        raise ValidationError("Only editors publish, schedule or take down stories.", code="not_allowed")
    match action:
        case "draft":
            return DRAFT, published_at
        case "in_review":
            return IN_REVIEW, published_at
        case "publish":
            if stored.has_gone_out and stored.published_at is not None:
                return PUBLISHED, stored.published_at
            return PUBLISHED, now
        case "schedule":
            if published_at is None or published_at <= now:
                raise ValidationError(
                    {"published_at": "To schedule, choose a time in the future; or use Publish now."},
                    code="schedule_in_past",
                )
            return PUBLISHED, published_at
        case "unpublish":
            if stored.has_gone_out:
                return UNPUBLISHED, stored.published_at  # the time it went out stays on the record
            return DRAFT, published_at
    # A plain save (or a post without buttons): keep what the form says, but never leave a published story
    # without a time, and never let a story go out for the first time back-dated to a time it merely carried.
    if status == PUBLISHED and not stored.has_gone_out:
        if published_at is None or (published_at <= now and not time_was_changed):
            return PUBLISHED, now
    if status == PUBLISHED and published_at is None:
        return PUBLISHED, stored.published_at or now
    return status, published_at
