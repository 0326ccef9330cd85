"""WSGI entry point for any server: ``gunicorn 'egovkit.wsgi:app'`` (instance from $EGOVKIT_INSTANCE)."""
from .app import create_app

app = create_app()
