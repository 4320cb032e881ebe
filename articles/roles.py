"""Newsroom roles: who may do what to a story. The one place the rules are written.

Reporter
  - writes stories: adds them (they become the story's `created_by`) and edits their own while
    they are a draft or in review, including the related headlines and people on them;
  - moves their own stories between "draft" and "in review" (submitting is the only way forward);
  - may delete their own stories that are a draft or in review;
  - may not publish, schedule (set a publication time), unpublish or restore revisions, and may
    not change or delete a story once it is published or taken down, nor anyone else's story;
  - sees their own stories (any state, read-only once out of their hands) and live stories (to
    link them as related headlines), and the history of their own stories.
Editor
  - everything on stories, people, tags, related headlines, pinned and excluded related stories,
    revisions and corrections, including publishing, scheduling, unpublishing, restoring and
    appending corrections, clarifications and updates;
  - merges people and marks records as not a person (and keeps the list of names that are not
    people), which rewrites every story that mentions them.
Superusers may do everything, as usual.
"""

from django.db.models import Q

from articles.models import Article

REPORTER = "Reporter"
EDITOR = "Editor"
ROLES = {"reporter": REPORTER, "editor": EDITOR}

PUBLISH_PERMISSION = "articles.publish_article"
RESTORE_PERMISSION = "articles.restore_revision"

# (app label, codename) pairs each group is given by the data migrations.
_ALL = ("add", "change", "delete", "view")
ROLE_PERMISSIONS = {
    EDITOR: [
        *[
            ("articles", f"{action}_{model}")
            for model in ("article", "person", "relatedheadline", "pinnedstory", "excludedstory")
            for action in _ALL
        ],
        *[("taggit", f"{action}_tag") for action in _ALL],
        *[("articles", f"{action}_revision") for action in _ALL],
        *[("articles", f"{action}_correction") for action in _ALL],
        *[("articles", f"{action}_rejectedpersonname") for action in _ALL],
        ("articles", "publish_article"),
        ("articles", "restore_revision"),
    ],
    REPORTER: [
        ("articles", "add_article"),
        ("articles", "change_article"),
        ("articles", "delete_article"),
        ("articles", "view_article"),
        ("articles", "add_relatedheadline"),
        ("articles", "change_relatedheadline"),
        ("articles", "delete_relatedheadline"),
        ("articles", "view_relatedheadline"),
        ("articles", "add_person"),
        ("articles", "view_person"),
        ("taggit", "view_tag"),
        ("articles", "view_revision"),
    ],
}

# The states a reporter may put their story in, and may still edit it in.
REPORTER_STATUSES = [Article.Status.DRAFT, Article.Status.IN_REVIEW]


def sync_role_groups_in_migration(apps, schema_editor):
    """RunPython entry point: make the permissions now (Django normally makes them only after all
    migrations ran), then give the groups theirs."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    sync_role_groups(apps)


def sync_role_groups(apps):
    """Create the role groups and give each exactly its permissions (idempotent).

    Run by data migrations with the historical `apps`: permissions of models that do not exist
    yet at that point are skipped, so a migration adding a model re-runs this to grant them.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        matching = Q()
        for app_label, codename in wanted:
            matching |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(matching))


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def can_restore(user):
    return user.has_perm(RESTORE_PERMISSION)


def owns(user, article):
    return article.created_by_id is not None and article.created_by_id == user.pk


def can_preview(user, article):
    """May `user` read this unpublished story on the site? Editors any, reporters their own."""
    return user.has_perm("articles.change_article") and (can_publish(user) or owns(user, article))


def can_edit(user, article):
    """May `user` change this story (given they may change stories at all)?"""
    return can_publish(user) or (owns(user, article) and article.status in REPORTER_STATUSES)


def can_delete(user, article):
    return can_publish(user) or (owns(user, article) and article.status in REPORTER_STATUSES)


def can_see_history(user, article):
    return user.has_perm("articles.view_revision") and (can_publish(user) or owns(user, article))


def visible_articles(user, queryset):
    """The stories a user may open in the admin: editors all, reporters their own and live ones."""
    if can_publish(user):
        return queryset
    return queryset.filter(created_by=user) | queryset.published()


def can_curate_people(user):
    """Merging people and marking records as not a person rewrite many stories: editors only."""
    return user.has_perm("articles.change_person") and user.has_perm("articles.delete_person")
