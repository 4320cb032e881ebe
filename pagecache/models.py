from django.db import models


class Generation(models.Model):
    """The current generation of one dependency key, where the cache is not shared by every app server.

    With Redis the generations live there, beside the pages; with a cache that each process keeps for
    itself (local memory) they live here, in the one store every process and server reads
    (pagecache/store.py).
    """

    key = models.CharField(max_length=200, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.key}: {self.token}"
