"""Production WSGI server: gunicorn (processes) on POSIX, waitress on Windows."""
from __future__ import annotations

import sys


def run(instance: str, host: str, port: int, workers: int) -> None:
    if sys.platform == "win32":  # gunicorn does not run on Windows
        from waitress import serve

        from .app import create_app

        serve(create_app(instance), host=host, port=port, threads=max(4, workers * 4))
        return

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": 4,
                               "accesslog": "-", "preload_app": False}.items():
                self.cfg.set(key, value)

        def load(self):
            from .app import create_app

            return create_app(instance)

    Server().run()
