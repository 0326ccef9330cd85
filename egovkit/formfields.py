"""Form fields declared as profile data (a letter type's, a permit type's): the
model a profile writes, and the check of submitted answers against it."""
from __future__ import annotations

import re
from datetime import date
from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$", description="Key used in the template, e.g. purpose.")
    label: dict[Literal["id", "en"], str] = Field(description="Label in each language.")
    type: Literal["text", "date", "number", "decimal", "rupiah", "choice"] = "text"
    required: bool = True
    choices: list[str] = Field(default_factory=list, description="For type choice.")


MAX_RUPIAH = 10**13  # ten trillion: above any regency's budget, well inside BIGINT
_RUPIAH = re.compile(r"(?:Rp\.?\s*)?([0-9]{1,3}(?:\.[0-9]{3}){1,5}|[0-9]{1,16})(?:,-|,00)?")  # bounded digits


def rupiah(text: str | None, zero: bool = False) -> int | None:
    """Whole Rupiah as people type them: 1500000, 1.500.000, Rp 1.500.000 or Rp1.500.000,-.
    None for anything else (decimals such as 1500000.50, a negative amount, too many digits, and zero unless
    ``zero``: a month's turnover may be nil, a payment may not)."""
    found = _RUPIAH.fullmatch(" ".join(str(text or "").split()))
    if not found:
        return None
    value = int(found.group(1).replace(".", ""))
    return value if (0 <= value if zero else 0 < value) and value < MAX_RUPIAH else None


def field(name, id_, en, type_="text", required=True, choices=()) -> FormField:
    return FormField(name=name, label={"id": id_, "en": en}, type=type_, required=required, choices=list(choices))


def check(fields: list[FormField], form) -> tuple[dict, dict]:
    """(answers, errors) for declared fields from a submitted form (a dict-like of strings)."""
    answers, errors = {}, {}
    for f in fields:
        value = " ".join(str(form.get(f.name) or "").split())
        if not value:
            if f.required:
                errors[f.name] = _("This field is required.")
            continue
        if len(value) > 200:
            errors[f.name] = _("Field cannot be longer than %(max)d characters.", max=200)
        elif f.type == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                errors[f.name] = _("A date, e.g. 2026-08-17.")
        elif f.type == "number" and not (value.isascii() and value.isdigit()):
            errors[f.name] = _("Numbers only.")
        elif f.type == "decimal" and not re.fullmatch(r"[0-9]{1,9}(?:[.,][0-9]{1,3})?", value):
            errors[f.name] = _("A number, e.g. 12,5.")
        elif f.type == "rupiah":
            amount = rupiah(value)
            if amount is None:
                errors[f.name] = _("A whole number of Rupiah above zero, e.g. 1.500.000.")
            else:
                value = str(amount)
        elif f.type == "choice" and value not in f.choices:
            errors[f.name] = _("Not a valid choice.")
        answers[f.name] = value
    return answers, errors
