"""WTForms' own messages, listed so that extraction puts them in our catalog.

WTForms ships no Indonesian catalog; Flask-WTF translates form messages
through Flask-Babel, i.e. through egovkit's catalog.
"""


def _(message: str) -> str:  # marker only: extraction reads the literals
    return message


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
)
