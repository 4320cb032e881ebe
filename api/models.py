import hashlib
import secrets

from django.db import models
from django.utils import timezone

KEY_PREFIX = "nr_"


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def for_secret(self, secret):
        """The active key with this secret, or None. Only the secret's hash is stored, so it is compared hashed."""
        if not secret or not secret.startswith(KEY_PREFIX):
            return None
        return self.active().filter(hashed_secret=ApiKey.hash(secret)).first()


class ApiKey(models.Model):
    """A partner's key to the Content API: lifts the anonymous rate limit. Shown once, stored hashed."""

    name = models.CharField(max_length=200, help_text="Who the key is for, e.g. the partner or app.")
    # The first characters of the key, so editors can tell keys apart without the secret.
    prefix = models.CharField(max_length=12, editable=False, db_index=True)
    hashed_secret = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(secret):
        # Keys are 32 random bytes, not passwords: a fast hash is enough, and lets a lookup use the index.
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, name):
        """A new key and its secret; the secret exists only in the return value."""
        key = cls(name=name)
        secret = key.set_new_secret()
        key.save()
        return key, secret

    def set_new_secret(self):
        """Give the key a new random secret and return it; only its hash is kept."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        self.prefix, self.hashed_secret = secret[:12], self.hash(secret)
        return secret

    @property
    def is_active(self):
        return self.revoked_at is None

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
