# gunicorn configuration for a production searchsvc.
#
#   gunicorn -c deploy/gunicorn.conf.py 'searchsvc.api.app:get_app()'
#
# Everything comes from the packaged config (searchsvc/api/gunicorn_conf.py), which reads the same
# SEARCHSVC_* variables as the app: bind address, worker count, log level, metrics directory.
# Override below only what differs in production; keep SEARCHSVC_* the single place for the rest.
from searchsvc.api.gunicorn_conf import *  # noqa: F403  (bind, workers, hooks, log format, ...)
from searchsvc.api.gunicorn_conf import settings

# Behind nginx on the same host: trust its X-Forwarded-* headers so logs show client addresses.
forwarded_allow_ips = "127.0.0.1,::1"

# Recycle workers now and then so a slow leak cannot grow without bound; the jitter keeps them
# from all restarting at once. Searches are read-only, so a restart loses nothing.
max_requests = 5000
max_requests_jitter = 500

# A worker that has not answered in this long is killed and replaced. A search is budgeted at
# SEARCHSVC_SEARCH_TIME_BUDGET seconds, so anything near this is a bug worth the restart.
timeout = max(30, int(settings.search_time_budget * 10))

# Write worker heartbeat files to RAM, not to a possibly slow disk (Docker's /tmp is overlayfs).
worker_tmp_dir = "/dev/shm"
