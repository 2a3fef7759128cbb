"""``knead serve``: gunicorn serving ``knead.wsgi`` (static files through WhiteNoise), or with
``dev`` Django's autoreloading development server; in demo mode (DEBUG) with one ``knead
worker`` process beside it, stopped with it, so that ``make demo`` is one command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from knead.ops.logs import PathOnlyFilter

MAX_DEFAULT_WORKERS = 8
# Path only (%(U)s), no query string, no referrer (it carries the previous page's query).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def default_workers(env: Mapping[str, str] = os.environ, cores: int | None = None) -> int:
    """``WEB_CONCURRENCY`` when set, else two per core plus one, at most 8 (each process also
    runs several threads and holds its own database connections)."""
    if value := env.get("WEB_CONCURRENCY", "").strip():
        return max(1, int(value))
    cores = cores if cores is not None else os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


class PathOnlyLogger(Logger):
    """Gunicorn's logger, with query strings cut from its error log too (it names the URI of a
    request that failed)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(PathOnlyFilter())


class KneadApplication(BaseApplication):
    """Gunicorn, configured from ``options`` rather than its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        from knead.wsgi import application

        return application


class DemoWorker:
    """One ``knead worker`` process beside the server. ``start`` and ``stop`` take gunicorn's
    arbiter when they run as its hooks."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, server: object = None) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "knead.cli", "worker"])

    def stop(self, server: object = None) -> None:
        if self.process is None:
            return
        self.process.terminate()  # the worker finishes the job in hand; a killed one is run again
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def gunicorn_options(
    host: str, port: str, workers: int, threads: int, demo_worker: DemoWorker | None
) -> dict[str, Any]:
    """Gunicorn's settings: threaded workers, logs to stderr with path-only access lines."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": PathOnlyLogger,
        "graceful_timeout": 30,
        "timeout": 120,
        # No gunicornc control socket: a shared default path would clash between servers.
        "control_socket_disable": True,
    }
    if demo_worker is not None:
        # Server hooks run in gunicorn's master process only, never in its forked workers.
        options["when_ready"] = demo_worker.start
        options["on_exit"] = demo_worker.stop
    return options


def serve(*, host: str, port: str, workers: int, threads: int, dev: bool, demo: bool) -> int:
    """Serve until stopped (SIGTERM or Ctrl+C); with ``demo``, a worker runs beside."""
    if not dev:
        worker = DemoWorker() if demo else None
        KneadApplication(gunicorn_options(host, port, workers, threads, worker)).run()
        return 0
    from django.core.management import call_command

    # The autoreloader runs the server in a child process of this one, started with
    # RUN_MAIN=true: only the parent starts the demo worker.
    worker = DemoWorker() if demo and os.environ.get("RUN_MAIN") != "true" else None
    if worker is None:
        call_command("runserver", f"{host}:{port}")
        return 0
    worker.start()
    # SIGTERM ends the server through SystemExit, so the worker is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        call_command("runserver", f"{host}:{port}")
    finally:
        worker.stop()
    return 0
