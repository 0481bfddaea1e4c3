"""gunicorn settings for `make run` (and a sensible start in production): `gunicorn -c config/gunicorn.py config.wsgi`.

Sized for a small machine (2 cores): two worker processes, each with a few threads, so a slow client streaming audio
or uploading a recording does not hold a whole process. Override with WEB_WORKERS / WEB_THREADS / WEB_TIMEOUT.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Uploads of long recordings from a phone on a slow line take minutes; a worker is only killed when truly stuck.
timeout = int(os.environ.get("WEB_TIMEOUT", "300"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200

# Access log on stdout, through a logger that removes invitation tokens from the request line, path and Referer.
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
logger_class = "config.log_redaction.RedactingGunicornLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s"'
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn): two servers on one machine (make run,
# a test, a benchmark) would take it from each other. Nothing here uses it.
control_socket_disable = True
