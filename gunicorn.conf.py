"""gunicorn settings for production (read automatically from the working directory, or with -c).

Everything here can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 × cores + 1 processes with 2 threads each.  The threads let a slow upload (streamed to the object
# store) wait on its client without holding a whole process; more of them share one interpreter lock
# and lengthen the slowest page times under load (bench/load.py, 2 cores: judge pages p95 ≈ 46 ms
# with 5 × 2, ≈ 48–49 ms with 4–5 × 4).
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 120
# Uploads stream through the worker; a slow client must not hold it for ever.
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"


def post_worker_init(worker):
    # The app and its libraries are loaded by now: move those long-lived objects out of the
    # garbage collector's sight, so a full collection no longer pauses a request for ~80 ms.
    gc.freeze()
