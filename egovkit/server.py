"""Production WSGI server: gunicorn (processes) on POSIX, waitress on Windows."""
from __future__ import annotations

import os
import sys


def metrics_folder(instance: str) -> None:
    """Before any worker starts: a fresh folder where the processes share their metrics (ops/metrics.py).
    Must run before prometheus_client is first imported in this process."""
    import shutil
    from pathlib import Path

    folder = Path(instance) / "run" / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def run(instance: str, host: str, port: int, workers: int) -> None:
    if sys.platform == "win32":  # gunicorn does not run on Windows
        from waitress import serve

        from .app import create_app

        serve(create_app(instance), host=host, port=port, threads=max(4, workers * 4))
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
                               "accesslog": None, "preload_app": False, "child_exit": child_exit}.items():
                self.cfg.set(key, value)

        def load(self):
            from .app import create_app
            from .ops import metrics

            metrics.configure_logging()
            return create_app(instance, {"EGOVKIT_ACCESS_LOG": True})

    Server().run()
