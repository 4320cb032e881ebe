"""Signed, expiring links that let someone without an admin account read a story before it is live."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

SALT = "articles.preview"


@dataclass(frozen=True)
class PreviewLink:
    url: str
    expires_at: datetime


def can_preview(article):
    """Stories not yet in front of readers: drafts, stories in review and scheduled ones.

    A story that has been taken down is left out on purpose: links shared before it went live must not
    show it again.
    """
    return not article.is_published and article.status != Article.Status.UNPUBLISHED


def make_link(article):
    token = signing.dumps(article.pk, salt=SALT)
    return PreviewLink(
        url=reverse("articles:preview", kwargs={"token": token}),
        expires_at=timezone.now() + settings.PREVIEW_LINK_MAX_AGE,
    )


def article_for_token(token):
    """The story a token was made for, ready for its page.

    Raises signing.BadSignature (SignatureExpired for an old link) for a token we did not make, and
    Article.DoesNotExist when the story is gone.
    """
    pk = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_LINK_MAX_AGE)
    return Article.objects.for_page().get(pk=pk)
