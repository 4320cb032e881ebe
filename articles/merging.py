"""Three-way merge of an edit form against saves that landed after it was opened.

Three states of a record meet: the *original* (as the form was opened), *theirs* (as stored now) and *yours* (the
form as posted). Each part of the form (a field, a list of inline rows) is merged on its own:

- you did not change it: it takes their value, even if they changed it;
- only you changed it (or you both made the same change): yours is saved;
- you both changed it, differently: a conflict, shown side by side; nothing is saved until you choose.

So a save never writes a value its editor neither saw nor chose. States are snapshots (plain dicts, as in
revisions); the posted form is rewritten in place so the ordinary admin save then writes the merged result.
No database access here.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

from django import forms
from django.utils import timezone
from taggit.utils import edit_string_for_tags, parse_tags

from articles import body

THEIRS, YOURS, ORIGINAL = "theirs", "yours", "original"
# A part of the form whose original is not known (a version with no snapshot): only an identical value is safe.
UNKNOWN = object()


def _text(value):
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


class Part:
    """One mergeable part of a form. Subclasses say how to read it from a snapshot or a posted form, how to show
    it, and how to write a snapshot's value back into the posted form."""

    choices = (THEIRS, YOURS, ORIGINAL)

    def __init__(self, key, label):
        self.key, self.label = key, label

    def in_form(self, data):
        return self.key in data

    def from_snapshot(self, snapshot):
        return _text(snapshot.get(self.key))

    def from_form(self, data, files):
        return _text(data.get(self.key))

    def show(self, value):
        return value

    def write(self, data, files, snapshot):
        data[self.key] = snapshot.get(self.key) or ""


class TextPart(Part):
    pass


class BodyPart(Part):
    """The rich body, compared as Article.save() would store it: the editor widget may serialise unchanged content
    differently from the stored markup, and an old snapshot may hold the plain text bodies were before."""

    def from_snapshot(self, snapshot):
        return body.normalise(snapshot.get(self.key) or "")

    def from_form(self, data, files):
        return body.normalise(data.get(self.key) or "")


class DateTimePart(Part):
    """A split date and time (admin's SplitDateTime widget), entered and shown in the current time zone."""

    def in_form(self, data):
        return f"{self.key}_0" in data

    def from_snapshot(self, snapshot):
        value = snapshot.get(self.key)
        if not value:
            return None
        return datetime.fromisoformat(value).astimezone(UTC).replace(microsecond=0)

    def from_form(self, data, files):
        raw = [data.get(f"{self.key}_0", ""), data.get(f"{self.key}_1", "")]
        try:
            value = forms.SplitDateTimeField(required=False).clean(raw)
        except forms.ValidationError:
            return tuple(raw)  # unreadable input is a change of its own, never equal to a stored time
        return value.astimezone(UTC).replace(microsecond=0) if value else None

    def show(self, value):
        if value is None:
            return "(none)"
        if isinstance(value, tuple):
            return " ".join(value)
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")

    def write(self, data, files, snapshot):
        value = self.from_snapshot(snapshot)
        local = timezone.localtime(value) if value else None
        data[f"{self.key}_0"] = local.strftime("%Y-%m-%d") if local else ""
        data[f"{self.key}_1"] = local.strftime("%H:%M:%S") if local else ""


class CheckboxPart(Part):
    """A checkbox: posted as "on" when ticked, not at all when not."""

    def in_form(self, data):
        return True

    def from_snapshot(self, snapshot):
        return bool(snapshot.get(self.key))

    def from_form(self, data, files):
        return bool(data.get(self.key))

    def show(self, value):
        return "yes" if value else "no"

    def write(self, data, files, snapshot):
        if snapshot.get(self.key):
            data[self.key] = "on"
        else:
            data.pop(self.key, None)


class TagsPart(Part):
    def from_snapshot(self, snapshot):
        return tuple(sorted({name.casefold() for name in snapshot.get(self.key) or []}))

    def from_form(self, data, files):
        try:
            names = parse_tags(data.get(self.key, ""))
        except ValueError:
            return (data.get(self.key, ""),)
        return tuple(sorted({name.casefold() for name in names}))

    def show(self, value):
        return ", ".join(value) or "(none)"

    def write(self, data, files, snapshot):
        data[self.key] = edit_string_for_tags([SimpleNamespace(name=name) for name in snapshot.get(self.key) or []])


class PeoplePart(Part):
    """A many-to-many selection posted as ids; snapshots keep [{"id", "name"}]."""

    def __init__(self, key, label):
        super().__init__(key, label)
        self.names = {}

    def in_form(self, data):
        return True  # an empty selection posts nothing at all

    def from_snapshot(self, snapshot):
        people = snapshot.get(self.key) or []
        self.names.update({person["id"]: person["name"] for person in people})
        return tuple(sorted(person["id"] for person in people))

    def from_form(self, data, files):
        values = data.getlist(self.key)
        try:
            return tuple(sorted(int(value) for value in values if value))
        except ValueError:
            return tuple(values)

    def show(self, value):
        return ", ".join(self.names.get(pk, f"#{pk}") for pk in value) or "(none)"

    def write(self, data, files, snapshot):
        data.setlist(self.key, [str(person["id"]) for person in snapshot.get(self.key) or []])


class OrderedPeoplePart(PeoplePart):
    """People whose order is part of the value (a byline): posted in the order chosen."""

    def from_snapshot(self, snapshot):
        people = snapshot.get(self.key) or []
        self.names.update({person["id"]: person["name"] for person in people})
        return tuple(person["id"] for person in people)

    def from_form(self, data, files):
        values = data.getlist(self.key)
        try:
            return tuple(dict.fromkeys(int(value) for value in values if value))
        except ValueError:
            return tuple(values)


class ChoicePart(Part):
    """One choice from a select (a section, a kind), posted as its value. Snapshots keep the value itself or, for
    a record, {"id", "name"}; `names` labels plain values. A snapshot from before the field existed: unknown."""

    def __init__(self, key, label, names=None):
        super().__init__(key, label)
        self.names = {str(value): str(name) for value, name in (names or {}).items()}

    def from_snapshot(self, snapshot):
        if self.key not in snapshot:
            return UNKNOWN
        value = snapshot[self.key]
        if isinstance(value, dict):
            self.names[str(value["id"])] = value["name"]
            return str(value["id"])
        return _text(value)

    def show(self, value):
        if value is UNKNOWN:
            return "(unknown)"
        return self.names.get(value, value) or "(none)"

    def write(self, data, files, snapshot):
        value = snapshot.get(self.key)
        data[self.key] = str(value["id"]) if isinstance(value, dict) else (value or "")


class PicturePart(ChoicePart):
    """A picture from the library, chosen by id, or a new upload into the library sent with the form (which
    becomes a picture only once the form is saved): an upload is a change of its own, never equal to a choice."""

    choices = (THEIRS, YOURS)

    def __init__(self, key, label, upload_key, kept_upload_key):
        super().__init__(key, label)
        self.upload_key = upload_key
        self.kept_upload_key = kept_upload_key  # an upload kept from an earlier, refused post (kept_uploads.py)

    def in_form(self, data):
        return True  # an upload alone may stand for the part

    def from_snapshot(self, snapshot):
        value = snapshot.get(self.key, UNKNOWN)
        if value is not UNKNOWN and value is not None and not isinstance(value, dict):
            return UNKNOWN  # a file name, from before every picture was a library one
        return super().from_snapshot(snapshot)

    def from_form(self, data, files):
        upload = files.get(self.upload_key)
        if upload is not None:
            return ("new", upload.name)
        if data.get(self.kept_upload_key):
            return ("new", "kept from your last try")
        return super().from_form(data, files) if self.key in data else UNKNOWN

    def show(self, value):
        if isinstance(value, tuple):
            return f"new upload: {value[1]}"
        return super().show(value)

    def write(self, data, files, snapshot):
        super().write(data, files, snapshot)
        files.pop(self.upload_key, None)
        data.pop(self.kept_upload_key, None)


class RowsPart(Part):
    """An inline formset as one part: its rows' content, compared as a whole (ids do not count)."""

    choices = (THEIRS, YOURS)

    def __init__(self, key, label, columns, required, ordered=True, show_row=None):
        super().__init__(key, label)
        # columns: (form field, snapshot key) pairs; `required` is the column an added row must fill in.
        self.columns, self.required, self.ordered, self.show_row = columns, required, ordered, show_row

    def in_form(self, data):
        return f"{self.key}-TOTAL_FORMS" in data

    def _normalise(self, rows):
        rows = [tuple(_text(value) for value in row) for row in rows]
        if self.ordered:
            return tuple(sorted(rows, key=lambda row: (int(row[0]) if row[0].isdigit() else 0, row)))
        return tuple(sorted(rows))

    def from_snapshot(self, snapshot):
        rows = snapshot.get(self.key)
        if rows is None:
            return UNKNOWN
        return self._normalise([[row.get(column) for _, column in self.columns] for row in rows])

    def posted_rows(self, data):
        """Each posted row as {"id", "DELETE", field: value}, new empty rows left out."""
        rows = []
        for index in range(_count(data.get(f"{self.key}-TOTAL_FORMS"))):
            prefix = f"{self.key}-{index}-"
            row = {name: data.get(prefix + name, "") for name, _ in self.columns}
            row["id"] = data.get(prefix + "id", "")
            row["DELETE"] = bool(data.get(prefix + "DELETE"))
            if row["id"] or _text(row[self.required]):
                rows.append(row)
        return rows

    def from_form(self, data, files):
        return self._normalise(
            [[row[name] for name, _ in self.columns] for row in self.posted_rows(data) if not row["DELETE"]]
        )

    def show(self, value):
        if value is UNKNOWN:
            return "(unknown)"
        lines = [self.show_row(row) if self.show_row else " · ".join(filter(None, row)) for row in value]
        return "\n".join(lines) or "(none)"

    def write(self, data, files, snapshot):
        """Rows as in `snapshot`, which must be the stored state (its ids exist): saving changes nothing."""
        self._write_rows(
            data,
            [
                {"id": str(row["id"]), **{name: row.get(column) for name, column in self.columns}}
                for row in snapshot[self.key]
            ],
        )

    def write_yours(self, data, files, stored):
        """The posted rows over the stored ones: rows still stored are edited, rows gone since are added again,
        stored rows not in the form (added by someone else) are deleted, as the editor chose their own list."""
        stored_ids = {str(row["id"]) for row in stored.get(self.key) or []}
        posted = self.posted_rows(data)
        kept = [row for row in posted if row["id"] in stored_ids]
        readded = [{**row, "id": ""} for row in posted if row["id"] not in stored_ids and not row["DELETE"]]
        posted_ids = {row["id"] for row in kept}
        dropped = [
            {"id": str(row["id"]), "DELETE": True, **{name: row.get(column) for name, column in self.columns}}
            for row in stored.get(self.key) or []
            if str(row["id"]) not in posted_ids
        ]
        self._write_rows(data, [*kept, *dropped, *readded])

    def _write_rows(self, data, rows):
        for name in [name for name in data if name.startswith(f"{self.key}-") and name.split("-")[1].isdigit()]:
            del data[name]
        rows = sorted(rows, key=lambda row: not row.get("id"))  # stored rows first, as formsets expect
        data[f"{self.key}-TOTAL_FORMS"] = str(len(rows))
        data[f"{self.key}-INITIAL_FORMS"] = str(sum(1 for row in rows if row.get("id")))
        for index, row in enumerate(rows):
            for name, value in row.items():
                if name == "DELETE":
                    if value:
                        data[f"{self.key}-{index}-DELETE"] = "on"
                elif value is not None and value != "":
                    data[f"{self.key}-{index}-{name}"] = str(value)


class AppendedRowsPart(RowsPart):
    """Rows that are appended (corrections): rows added in the form are always kept; only edits and deletions of
    stored rows are merged."""

    def from_form(self, data, files):
        return self._normalise(
            [
                [row[name] for name, _ in self.columns]
                for row in self.posted_rows(data)
                if row["id"] and not row["DELETE"]
            ]
        )

    def write(self, data, files, snapshot):
        added = [row for row in self.posted_rows(data) if not row["id"] and not row["DELETE"]]
        stored = [
            {"id": str(row["id"]), **{name: row.get(column) for name, column in self.columns}}
            for row in snapshot[self.key]
        ]
        self._write_rows(data, [*stored, *added])


def _count(value):
    try:
        return max(0, min(int(value), 1000))
    except (TypeError, ValueError):
        return 0


@dataclass
class Conflict:
    part: Part
    theirs: str
    yours: str
    original: str

    @property
    def key(self):
        return self.part.key

    @property
    def label(self):
        return self.part.label

    @property
    def choices(self):
        return self.part.choices


@dataclass
class Merge:
    """What a merge did to a posted form: parts that took the stored value, parts saved from the form, conflicts."""

    taken: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    unchosen: list = field(default_factory=list)  # conflicts shown before, posted back without a choice


def merge(parts, original, theirs, data, files):
    """Merge the posted `data`/`files` (mutable copies, rewritten in place) with `theirs`, both from `original`.

    `original` may be None (no snapshot of the opened version): then only parts equal to theirs are safe.
    """
    result = Merge()
    for part in parts:
        if not part.in_form(data):
            continue
        yours, stored = part.from_form(data, files), part.from_snapshot(theirs)
        opened = UNKNOWN if original is None else part.from_snapshot(original)
        if yours is UNKNOWN or yours == opened:
            if stored != opened:
                part.write(data, files, theirs)
                result.taken.append(part.label)
        elif yours == stored:
            continue
        elif opened is not UNKNOWN and stored == opened:
            result.kept.append(part.label)
        else:
            result.conflicts.append(
                Conflict(
                    part,
                    theirs=part.show(stored),
                    yours=part.show(yours),
                    original=part.show(opened) if opened is not UNKNOWN else "(unknown)",
                )
            )
    return result


def apply_choices(parts, chosen, shown, original, stored, data, files):
    """Carry out the editor's choices on conflicts shown earlier: {part key: THEIRS/YOURS/ORIGINAL}.

    `shown` is the state shown as theirs (the version the chooser's form carries), `original` the one the editor
    first opened, `stored` the state now. Returns the keys of the parts still waiting for a choice.
    """
    waiting = []
    for part in parts:
        if part.key not in chosen or not part.in_form(data):
            continue
        choice = chosen[part.key]
        if choice not in part.choices:
            waiting.append(part.key)
        elif choice == THEIRS:
            if isinstance(part, RowsPart):
                part.write(data, files, stored)  # rows must name the ids stored now
            else:
                part.write(data, files, shown)
        elif choice == ORIGINAL and original is not None:
            part.write(data, files, original)
        elif choice == YOURS and isinstance(part, RowsPart) and not isinstance(part, AppendedRowsPart):
            part.write_yours(data, files, stored)
    return waiting
