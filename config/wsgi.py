from django.core.wsgi import get_wsgi_application

from config.entrypoints import use_settings

use_settings()  # the environment's, else .env's, else config.settings.production (config/entrypoints.py)
application = get_wsgi_application()
