"""Base form for every module: CSRF from Flask-WTF, messages from egovkit's catalog."""
from flask_babel import get_translations
from flask_wtf import FlaskForm


class _Catalog:
    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Catalog()
