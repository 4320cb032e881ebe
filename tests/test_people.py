"""People found in stories: precision, identity without guessing, editors' merge and not-a-person, subjects.

The texts here are written for these tests, one for each class of error seen on real archives.
"""

import io
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.mentions import KnownPerson, PeopleIndex
from articles.models import Article, Person, PersonRedirect, RejectedPersonName
from articles.topics import SUBJECT_NAMES, choose_subjects, suggest_subjects
from tests.factories import make_article, make_person, make_staff


def found(*paragraphs, known=(), rejected=()):
    return [(mention.name, mention.role) for mention in PeopleIndex(known, rejected).find(list(paragraphs))]


def names(*paragraphs, **options):
    return [name for name, _ in found(*paragraphs, **options)]


def run(*args):
    out = io.StringIO()
    call_command("import_articles", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- Things named like people are never people -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # firms and companies
        "Shares in Kelso Barnard Securities rose after Kelso Barnard said profits doubled.",
        "The deal was advised by Linton Marsh Partners and Ogilvie Crane LLP, the firms said.",
        "Dunmore Pike Industries agreed to buy the mill. Dunmore Pike said the price was fair.",
        # works: films, books, shows
        "Her film Quiet Morning Rain won the prize; Quiet Morning Rain opens in May.",
        "He plays the landlord, Harold Beck, in the long-running comedy.",
        # parties, teams, events, laws, places
        "The Lib Dems and the Green Alliance said the budget was unfair.",
        "Carrow Athletic beat Fenmoor Rovers 2-0 at Mill Road.",
        "She reached the final of the Ashby Open last year.",
        "Ministers said the Harbour Waters Agreement would be signed.",
        "Flights to Des Moines and Fort Collins were cancelled on Tuesday.",
        "A Halden Shipping spokesman said the Office of Coastal Safety had been told.",
    ],
)
def test_organisations_works_parties_events_laws_and_places_are_never_people(text):
    assert found(text) == []


def test_a_firm_that_owns_a_role_is_not_a_person_but_the_role_holder_is():
    people = found("Brannock Hale chief executive Imogen Tarrant said the plan would create 300 jobs.")

    assert people == [("Imogen Tarrant", "Brannock Hale chief executive")]


# --- Titles and roles go to the role, not the name ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        (
            "Chancellor of the Exchequer Nigel Ashworth said taxes would rise.",
            "Nigel Ashworth",
            "Chancellor of the Exchequer",
        ),
        (
            "Minister for Economic Affairs Ilse Brandauer said growth was slow.",
            "Ilse Brandauer",
            "Minister for Economic Affairs",
        ),
        ("PM Joan Fairley spoke. Ms Fairley said it was a good day.", "Joan Fairley", ""),
        (
            "Substitute Ruben Castellanos scored late, the club said. Castellanos, who joined in May, smiled.",
            "Ruben Castellanos",
            "Substitute",
        ),
        (
            "Frenchman Pierre-Henri Lacombe won the stage, his team said. Lacombe said he was tired.",
            "Pierre-Henri Lacombe",
            "Frenchman",
        ),
    ],
)
def test_titles_glued_to_a_name_become_the_role(text, name, role):
    people = found(text)

    assert [person for person, _ in people] == [name]
    if role:
        assert people[0][1] == role


# --- The evidence a reader uses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jef Raskin, head of the team, has died.", "Jef Raskin"),
        ('"We are ready," said Maria Okonjo, the city\'s chief planner.', "Maria Okonjo"),
        ("Hamid Rostami told reporters the talks had failed.", "Hamid Rostami"),
        ("Lorna Haigh has said she will stand down in May.", "Lorna Haigh"),
        ("The film, directed by Tomasz Wierzbicki, opens on Friday.", "Tomasz Wierzbicki"),
        ("Harbourside founder Bill Treharne told staff the firm would move.", "Bill Treharne"),
        ("The top seed, Andy Pellow, was beaten. Pellow said he had been ill.", "Andy Pellow"),
        ("Gideon Marr's widow opened the new library on Friday.", "Gideon Marr"),
        ("The scheme was designed by Wen Liqun. Dr Wen said it would work.", "Wen Liqun"),
        ("Prosecuting, J. R. Castellane KC told the jury the accounts were false.", "J. R. Castellane"),
        ("Bram ter Horst of Velo Nord Racing won the stage.", "Bram ter Horst"),
        ("Ana Lucía dos Reis, a lawyer, said the ruling was wrong.", "Ana Lucía dos Reis"),
        ("Trần Văn Minh, 41, said the factory had closed.", "Trần Văn Minh"),
        (
            "Scorers: Conor Ó Ceallaigh said the pitch was heavy. Ó Ceallaigh, who scored twice, smiled.",
            "Conor Ó Ceallaigh",
        ),
    ],
)
def test_people_are_found_by_the_evidence_a_reader_uses(text, name):
    assert names(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Kestle Moorcroft Hamlyn said on Monday that third-quarter profits rose 8%.",
        '"Demand is strong," Brackley Ashdown said in a statement.',
        "Orrin Vasquez Mendel, the chipmaker, said orders had doubled.",
    ],
)
def test_speech_alone_does_not_make_a_firm_a_person(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Rafael Okwu said the vote had been fair.",  # a given name
        "Ximu Daqing said the bridge would open. He added that tolls would stay.",  # a "he" refers back
    ],
)
def test_speech_with_a_given_name_or_a_pronoun_is_a_person(text):
    assert len(found(text)) == 1


def test_a_capitalised_pair_with_no_sign_of_a_person_is_not_one():
    assert found("Harlow Pryce reported higher sales on Monday.", "Shares in Harlow Pryce rose 4%.") == []


def test_mononyms_with_a_role_are_people():
    assert names("The goal came from Brazilian striker Ronaldinhozinho after ten minutes.") == ["Ronaldinhozinho"]
    assert names("Wren, the Cornish singer whose debut sold a million, will tour in May.") == ["Wren"]


def test_first_name_relatives_are_people_when_the_story_says_something_of_them():
    assert found("Her brother, Tomas, who drove her to hospital, said she was recovering.") == [("Tomas", "brother")]
    # a first name in a list says nothing of its own about them
    assert names("He thanked Okafor's mother, Grace, and his fiancee, Lena Baptiste, who were there.") == [
        "Lena Baptiste"
    ]


def test_later_mentions_are_forms_of_the_full_name_not_new_people():
    text = (
        "Goalkeeper Brendan Mulcahy was beaten by Piotr Zawadzki's free kick, the manager said.",
        "Mulcahy said sorry. Mr Mulcahy, who is 31, will play on. Scorers: P Zawadzki 82.",
        "Brendan, the fans said, had a bad day.",
    )
    mentions = PeopleIndex().find(list(text))

    assert [mention.name for mention in mentions] == ["Brendan Mulcahy", "Piotr Zawadzki"]
    assert {"Mulcahy", "Mr Mulcahy"} <= set(mentions[0].forms)
    assert "P Zawadzki" in mentions[1].forms


def test_sentence_starts_and_common_word_surnames_stay_words():
    text = ("Helena Rather, a chemist, said the dust was old.", "Rather than wait, the team flew home.")

    assert names(*text) == ["Helena Rather"]
    assert names("Rather than wait, the team flew home. Still, nobody minded.") == []


def test_contractions_in_quotes_never_join_a_name():
    text = ("Manager Dan Ferris said Dan I'm sure would agree.", 'Coach Kevin Marsh said: "Kevin I\'d trust."')

    assert names(*text) == ["Dan Ferris", "Kevin Marsh"]


def test_rejected_names_are_never_found_again():
    assert names("Analyst Corin Vale said rates would fall.", rejected=["Corin Vale"]) == []


# --- Identity without guessing -----------------------------------------------------------------


def test_a_surname_alone_never_links_to_a_person_named_in_another_story():
    index = PeopleIndex([KnownPerson(1, "Eddie Wong")])

    assert names("Student Victor Wong said the exam was hard. Wong, 19, passed.", known=[]) == ["Victor Wong"]
    linked = index.find(["Student Victor Wong said the exam was hard.", "Wong, 19, passed."])
    assert [(mention.name, mention.known_key) for mention in linked] == [("Victor Wong", None)]
    assert index.find(["United now lead the table, and Wong was not there."]) == []


def test_an_alias_an_editor_entered_links_across_stories():
    index = PeopleIndex([KnownPerson(1, "Eduardo Wong", ("Eddie Wong",))])

    assert [mention.known_key for mention in index.find(["Eddie Wong said no."])] == [1]


def corpus(folder, count=24, seed=7):
    """Stories that share full names, surnames and common words across files."""
    rng = random.Random(seed)
    given = ["Peter", "Grace", "Derek", "Alison", "Samuel", "Chinedu", "Astrid", "Marcus"]
    family = ["Wong", "Smith", "Okafor", "Lindqvist", "Rather", "Still"]
    paths = []
    for number in range(count):
        first, last = rng.choice(given), rng.choice(family)
        other = rng.choice(family)
        text = (
            f"Council leader {first} {last} said on Monday the harbour plan for story {number} would go ahead.\n"
            f'"We will build it," {last} told reporters. Rather than wait, {other} now lead the campaign.\n'
            f"Residents of Port Alder said Mr {other} had not been seen.\n"
        )
        path = folder / f"{number:03}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def links():
    return {
        article.source_key: sorted(person.name for person in article.people.all())
        for article in Article.objects.prefetch_related("people")
    }


@pytest.mark.django_db(transaction=True)
def test_importing_a_corpus_forwards_or_reversed_gives_identical_links(tmp_path):
    paths = corpus(tmp_path)
    run(*paths)
    forwards = links()
    Article.objects.all().delete()
    Person.objects.all().delete()

    run(*reversed(paths))

    assert links() == forwards
    assert all(len(people) == 1 for people in forwards.values())  # no surname linked anyone else


@pytest.mark.django_db
def test_reimporting_reports_nothing_updated_in_any_order(tmp_path):
    paths = corpus(tmp_path)
    run(*paths)

    assert "0 updated" in run(*reversed(paths))
    assert "0 updated" in run(*paths)


@pytest.mark.django_db
def test_imported_people_are_marked_found_automatically_with_their_forms(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Council leader Aoife Brennan said the plan was sound.\nMs Brennan said so twice.\n")
    run(path)

    person = Person.objects.get()
    assert person.found_automatically
    assert person.aliases == ""
    assert set(person.found_as) == {"Aoife Brennan", "Ms Brennan"}


# --- Editors in control: merge and not a person -------------------------------------------------


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("eda", "editor"))
    return client


def changelist():
    return reverse("admin:articles_person_changelist")


@pytest.mark.django_db
def test_people_admin_filters_found_automatically_and_shows_counts_and_forms(editor_client):
    found_person = make_person("Aoife Brennan", found_automatically=True, found_as=["Aoife Brennan", "Ms Brennan"])
    make_person("Curated Person")
    make_article(people=[found_person])

    page = editor_client.get(changelist(), {"found_automatically__exact": "1"}).content.decode()

    assert "Aoife Brennan" in page and "Curated Person" not in page
    assert "Ms Brennan" in page


@pytest.mark.django_db
def test_merging_people_moves_links_aliases_and_address_with_a_301_and_revisions(editor_client):
    kept = make_person("Edward Wong", slug="edward-wong")
    merged = make_person("Eddie Wong", slug="eddie-wong", aliases="E. Wong", found_automatically=True)
    story = make_article(people=[merged])
    both = make_article(people=[kept, merged])

    response = editor_client.post(
        changelist(),
        {"action": "merge_selected", "_selected_action": [kept.pk, merged.pk], "kept": kept.pk},
    )

    assert response.status_code == 302
    kept.refresh_from_db()
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert {"Eddie Wong", "E. Wong"} <= set(kept.alias_list)
    assert list(story.people.all()) == [kept] and list(both.people.all()) == [kept]
    old_page = editor_client.get("/people/eddie-wong/")
    assert old_page.status_code == 301 and old_page["Location"] == kept.get_absolute_url()
    assert PersonRedirect.objects.get(old_slug="eddie-wong").person == kept
    old_feed = editor_client.get("/people/eddie-wong/feed/atom/")
    assert old_feed.status_code == 301 and old_feed["Location"] == "/people/edward-wong/feed/atom/"
    for article in (story, both):
        assert "People merged: Eddie Wong into Edward Wong" in article.revisions.first().message


@pytest.mark.django_db
def test_merge_asks_which_person_stays_first(editor_client):
    one, two = make_person("Ann Lee"), make_person("Anne Lee")

    page = editor_client.post(changelist(), {"action": "merge_selected", "_selected_action": [one.pk, two.pk]})

    assert "Which person stays?" in page.content.decode()
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_not_a_person_removes_it_everywhere_records_it_and_it_never_comes_back(editor_client, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Analyst Corin Vale said rates would fall.\nMr Vale said so twice.\n")
    run(path)
    wrong = Person.objects.get(name="Corin Vale")
    story = Article.objects.get()

    confirm = editor_client.post(changelist(), {"action": "mark_not_a_person", "_selected_action": [wrong.pk]})
    assert "never create a person from these names again" in confirm.content.decode()
    editor_client.post(
        changelist(), {"action": "mark_not_a_person", "_selected_action": [wrong.pk], "confirmed": "yes"}
    )

    assert not Person.objects.exists() and list(story.people.all()) == []
    assert RejectedPersonName.objects.filter(name="Corin Vale").exists()
    assert "Not a person: Corin Vale" in story.revisions.first().message
    Article.objects.all().delete()
    run(path)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_reporters_cannot_merge_or_reject_people(client):
    client.force_login(make_staff("rita", "reporter"))
    one, two = make_person("Ann Lee"), make_person("Anne Lee")

    client.post(changelist(), {"action": "merge_selected", "_selected_action": [one.pk, two.pk], "kept": one.pk})
    client.post(changelist(), {"action": "mark_not_a_person", "_selected_action": [one.pk], "confirmed": "yes"})

    assert Person.objects.count() == 2 and not RejectedPersonName.objects.exists()


@pytest.mark.django_db
def test_an_editor_saving_a_found_person_marks_it_reviewed(editor_client):
    person = make_person("Aoife Brennan", found_automatically=True)
    data = {
        "name": person.name,
        "slug": person.slug,
        "role": "",
        "bio": "",
        "aliases": "",
        "opened_version": person.version,
    }

    editor_client.post(reverse("admin:articles_person_change", args=[person.pk]), data)

    person.refresh_from_db()
    assert not person.found_automatically


# --- Subjects ----------------------------------------------------------------------------------

SUBJECT_STORIES = {
    "Sport": "The striker scored twice as the club won the cup final, and the coach said the team deserved the win "
    "after a long season in the league.",
    "Politics": "The prime minister faced a confidence vote in parliament after the coalition split, and opposition "
    "parties said the government had lost its majority before the election.",
    "Economy, business and finance": "The company said profits rose 12% and its shares jumped as investors welcomed "
    "the takeover deal, which values the firm at 2 billion pounds.",
    "Crime, law and justice": "The jury at the trial heard that the defendant had been charged with fraud, and the "
    "judge said the court would sentence him next week.",
    "Arts, culture and entertainment": "Her second album, recorded with a new band, topped the charts, and the singer "
    "will play a festival before her film premiere.",
    "Science and technology": "Researchers said the study of asteroid dust found organic molecules, and scientists at "
    "the laboratory will publish the research in a physics journal.",
    "Health": "The hospital said patients on the maternity ward would be moved while doctors and nurses dealt with an "
    "outbreak, health officials said.",
    "Disasters and accidents": "Rescuers searched the rubble after the earthquake, and survivors were evacuated as "
    "emergency crews warned of landslides.",
}


@pytest.mark.parametrize(("subject", "text"), list(SUBJECT_STORIES.items()))
def test_each_subject_is_chosen_for_a_story_about_it_with_its_reason(subject, text):
    chosen = choose_subjects([text])

    assert chosen[0].subject.name == subject
    assert chosen[0].reason.startswith(f"{subject}: ")
    assert chosen[0].subject.qcode.startswith("medtop:")


def test_a_brief_without_subject_words_gets_no_subject():
    assert suggest_subjects(["Nothing much happened."]) == []


@pytest.mark.django_db
def test_imported_stories_get_a_subject_and_editors_tags_are_kept(tmp_path):
    path = tmp_path / "match.txt"
    path.write_text(SUBJECT_STORIES["Sport"] + " " + SUBJECT_STORIES["Sport"] + "\n", encoding="utf-8")
    run(path)
    story = Article.objects.get()
    assert "Sport" in story.tags.names()

    story.tags.set(["Local football"])
    run(path)

    assert list(story.tags.names()) == ["Local football"]


def test_places_inside_other_names_are_not_tags():
    from articles.mentions import suggest_tags

    tags = suggest_tags(
        [
            "Swiss Re said claims rose. Swiss Re shares fell in Zurich Premiership trading.",
            "Mr Houston said the new phone would demonstrate its speed. Mr Houston left.",
        ]
    )

    assert not {"Switzerland", "Zurich", "Houston", "Protests"} & set(tags)


def test_subject_names_are_a_small_controlled_vocabulary():
    assert 10 <= len(SUBJECT_NAMES) <= 40


# --- Related stories name only real shared people and tags ------------------------------------


@pytest.mark.django_db
def test_related_reason_names_only_people_really_shared(tmp_path):
    first = tmp_path / "01-derby.txt"
    second = tmp_path / "02-cup.txt"
    first.write_text(
        "Kingsmere striker Eddie Wong scored twice as the club won the derby, the manager said.\n"
        "Wong said the team had worked hard all season, and United now lead the league.\n",
        encoding="utf-8",
    )
    second.write_text(
        "Student Victor Wong said the cup final had been the best match of the season for the club.\n"
        "Rather than celebrate, the team trained on Sunday. Wong, 19, scored in the league win.\n",
        encoding="utf-8",
    )
    # Published at once: stories whose headline is derived would otherwise wait in review, unrelated.
    run(first, second, "--status=published")
    derby = Article.objects.get(source_key="file:01-derby.txt")

    reasons = [story.reason for story in derby.related_articles()]

    assert reasons == ["Also about Sport"]
    assert set(Person.objects.values_list("name", flat=True)) == {"Eddie Wong", "Victor Wong"}


@pytest.mark.django_db
def test_names_that_are_not_people_list_costs_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries):
    editor = make_staff("edb", "editor")
    for n in range(30):
        RejectedPersonName.objects.create(name=f"Not Person{n}", rejected_by=editor)

    with django_assert_max_num_queries(12):
        page = editor_client.get(reverse("admin:articles_rejectedpersonname_changelist"))

    assert "Not Person29" in page.content.decode()
