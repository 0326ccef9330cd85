"""WTForms' own messages, listed so that extraction puts them in our catalog.

WTForms ships no Indonesian catalog; Flask-WTF translates form messages
through Flask-Babel, i.e. through egovkit's catalog.
"""


def _(message: str) -> str:  # marker only: extraction reads the literals
    return message


def ngettext(singular: str, plural: str, n: int = 2) -> str:  # marker: WTForms asks for these with ngettext,
    return plural  # keyed by the singular, so the plain msgids above do not translate them


PLURAL_MESSAGES = (
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
    ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long."),
)


MESSAGES = (
    _("This field is required."),
    _("Not a valid choice."),
    _("Invalid input."),
    _("Invalid email address."),
    _("Field cannot be longer than %(max)d characters."),
    _("Field must be at least %(min)d characters long."),
    _("Field must be between %(min)d and %(max)d characters long."),
    _("Not a valid integer value."),
    _("Number must be between %(min)s and %(max)s."),
    _("Number must be at least %(min)s."),
    _("Number must be at most %(max)s."),
    _("Not a valid date value."),
    _("Not a valid decimal value."),
    _("Field must be equal to %(other_name)s."),
    _("File does not have an approved extension."),
)
