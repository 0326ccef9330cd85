"""WSGI entry point for any server: ``gunicorn 'egovkit.wsgi:app'`` (instance from $EGOVKIT_INSTANCE)."""
from .app import create_app
from .server import freeze_heap

app = create_app()
freeze_heap()  # the app's long-lived objects out of the garbage collector's walks (egovkit/server.py)
