"""gunicorn settings for a Leerwallet app server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

A sample, read by docs/operations.md ("Production layout"). The app's own settings come from
the environment (config/__init__.py); these only shape the server. Each can be changed
through the environment variable next to it, so one file serves machines of any size.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Behind the proxy on the same host (or a private address): never open to the internet.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threads, because a request mostly waits on PostgreSQL (and argon2 at sign-in, which lets
# go of the GIL): one worker process per core, a few threads each. Every worker keeps its own
# database pool of DATABASE_POOL_SIZE (5) + DATABASE_MAX_OVERFLOW (10) connections, so four
# threads never wait for one; count workers x 15 per server against max_connections.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count())
threads = _int("GUNICORN_THREADS", 4)
# Connections one worker holds open, busy or idle in keep-alive (gthread keeps at most this
# minus `threads` idle). The proxy reuses a few upstream connections, so 100 is ample;
# more only buys idle sockets.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 100)
# Longer than the proxy's idle time for upstream connections (nginx: keepalive_timeout in
# the upstream block, 60 s by default; set it lower, e.g. 4 s), so gunicorn never closes a
# connection the proxy is just sending on.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# A worker silent for longer is taken as stuck, killed and replaced; the slowest requests
# (CSV imports, exports) must finish within it.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Workers are replaced now and then (spread out), so a slow leak never grows.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# The app writes one JSON access line per request itself (wallet.ops.logs): no second one.
accesslog = None
errorlog = "-"


def child_exit(_server, worker) -> None:
    """A worker that ended leaves its metrics files: mark them, so gauges drop it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
