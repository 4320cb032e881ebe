import os

from django.core.wsgi import get_wsgi_application

from newsroom import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()
settings.require_secret_key()
