"""Background work for the picture library (django-tasks: the immediate backend by default, the database
backend and `manage.py db_worker` in production; see README, "Production")."""

from django_tasks import task


@task()
def build_renditions(picture_id):
    """Cut and encode every rendition of a picture; a picture deleted meanwhile is skipped."""
    from pictures.models import Picture

    picture = Picture.objects.filter(pk=picture_id).first()
    if picture is None or not picture.file:
        return {}
    return picture.build_renditions()
