"""The top of the front page: the editors' choices at their places, the latest stories in the places left.

Pure: works on any objects with a `pk`, so the rule is tested without a database.
"""


def compose(chosen, latest, size):
    """The `size` stories at the top, lead first.

    `chosen` are (position, story) pairs in the editors' order (position 1 is the lead); a position taken
    twice or past `size` is skipped, as is a story chosen twice. The places left are filled, in order, with
    the newest of `latest` not already chosen, so the top is never short while enough stories are live.
    """
    places = [None] * size
    used = set()
    for position, story in chosen:
        if 1 <= position <= size and places[position - 1] is None and story.pk not in used:
            places[position - 1] = story
            used.add(story.pk)
    fill = (story for story in latest if story.pk not in used)
    for index, story in enumerate(places):
        if story is None:
            places[index] = next(fill, None)
    return [story for story in places if story is not None]
