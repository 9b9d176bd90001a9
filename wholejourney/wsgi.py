import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wholejourney.settings")

application = get_wsgi_application()

# However the server was started (`wholejourney serve` checks first, a bare gunicorn does not), a
# production process with unsafe settings fails to load, naming what to fix (core/checks.py).
from wholejourney.core.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
