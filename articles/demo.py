"""The demo newsroom's editorial set-up that story files do not carry (demo/newsroom.json).

`load_demo` imports the demo stories, then applies this; the tests' demo newsroom applies the same, so both
show the same notes. Re-applying changes nothing.
"""

import json
from datetime import datetime

from django.conf import settings

from articles.models import Article, Correction

DEMO_NEWSROOM = settings.BASE_DIR / "demo" / "newsroom.json"


def read_demo_newsroom(path=DEMO_NEWSROOM):
    return json.loads(path.read_text(encoding="utf-8"))


def add_corrections(entries):
    """Append the demo's corrections and updates at the times they were written; returns how many were new."""
    added = 0
    for entry in entries:
        article = Article.objects.get(slug=entry["story"])
        _note, created = Correction.objects.get_or_create(
            article=article,
            kind=entry["kind"],
            text=entry["text"],
            defaults={"created_at": datetime.fromisoformat(entry["time"])},
        )
        added += created
    return added


def apply_after_import(data):
    """What editors did once the stories were in."""
    return {"corrections": add_corrections(data.get("corrections", []))}
