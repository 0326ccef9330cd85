"""Production WSGI server: gunicorn (processes) on POSIX, waitress on Windows."""
from __future__ import annotations

import os
import sys


# How long an idle connection stays open for the same person's next request. gunicorn's default (2 s) is
# shorter than the pause between two clicks: a request sent as the server closed the connection met a reset
# (bench/load.py: 6-35 per 7,000 requests at 2 s, none at 5 s). An idle connection costs a gthread worker
# no thread, only a socket in its poller (up to worker_connections, 1,000).
KEEPALIVE_SECONDS = 5


def metrics_folder(instance: str) -> None:
    """Before any worker starts: a fresh folder where the processes share their metrics (ops/metrics.py).
    Must run before prometheus_client is first imported in this process."""
    import shutil
    from pathlib import Path

    folder = Path(instance) / "run" / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def freeze_heap() -> None:
    """Move what the app holds for its whole life (profile, region names, SQLAlchemy metadata, templates:
    ~190,000 objects) out of the garbage collector's sight. Without it every full collection walks them
    all, ~120 ms each, which came back every few hundred requests as a latency spike and cost ~15% of a
    page's CPU time (measured with gc.callbacks on the home page)."""
    import gc

    gc.collect()
    gc.freeze()


def run(instance: str, host: str, port: int, workers: int) -> None:
    if sys.platform == "win32":  # gunicorn does not run on Windows
        from waitress import serve

        from .app import create_app

        app = create_app(instance)
        freeze_heap()
        serve(app, host=host, port=port, threads=max(4, workers * 4))
        return

    from gunicorn.app.base import BaseApplication

    def child_exit(_server, worker):  # its share of the shared counters stays; its live gauges go
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    class Server(BaseApplication):
        def load_config(self):
            # The access log is the app's own (egovkit.ops.metrics): route, status, time and request id,
            # without the query string or the client's address.
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": 4,
                               "keepalive": KEEPALIVE_SECONDS,
                               "accesslog": None, "preload_app": False, "child_exit": child_exit}.items():
                self.cfg.set(key, value)

        def load(self):
            from .app import create_app
            from .ops import metrics

            metrics.configure_logging()
            app = create_app(instance, {"EGOVKIT_ACCESS_LOG": True})
            freeze_heap()
            return app

    Server().run()
