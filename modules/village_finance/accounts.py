"""The chart of accounts of the village budget, bundled as data
(``data/permendagri-20-2018.yaml``, an edition of the core code list ``village_finance.accounts``
declared in ``data/codelists.yaml``): accounts (pendapatan, belanja, pembiayaan),
the bidang / sub-bidang / kegiatan classification of spending, and the sources
of funds. A regency adds kegiatan of its own through the profile."""
from __future__ import annotations

import re
from functools import lru_cache
import yaml

from egovkit.services import codelists

LIST = "village_finance.accounts"  # a versioned code list of the core (egovkit/services/codelists.py)
DEFAULT = "permendagri-20-2018"
ACCOUNT = re.compile(r"^[4-6](\.[0-9])?(\.[0-9])?(\.[0-9]{2})?$")
KEGIATAN = re.compile(r"^[1-5](\.[0-9])?(\.[0-9]{2})?$")


class ChartError(ValueError):
    """The bundled chart (or a profile's addition to it) is not well formed."""


class Chart:
    """One version of the chart, with the profile's extra kegiatan."""

    def __init__(self, version: str, title: str, accounts: dict[str, str], kegiatan: dict[str, str],
                 sources: dict[str, str], receipts: dict[str, str]):
        self.version, self.title = version, title
        self._accounts, self._kegiatan, self._sources, self._receipts = accounts, kegiatan, sources, receipts

    def name(self, code: str | None) -> str:
        """The name of an account or kegiatan code ('' when the chart does not know it)."""
        if not code:
            return ""
        return self._accounts.get(code) or self._kegiatan.get(code) or ""

    def kegiatan_name(self, code: str) -> str:
        """The name of a bidang, sub-bidang or kegiatan: '4' is Pemberdayaan Masyarakat here, not the
        account 4 (Pendapatan) that name() would find first."""
        return self._kegiatan.get(code, "")

    def account_name(self, code: str) -> str:
        return self._accounts.get(code, "")

    def is_postable(self, account: str) -> bool:
        """Lines are written to rincian objek: the four-part codes."""
        return account in self._accounts and account.count(".") == 3

    def is_kegiatan(self, code: str | None) -> bool:
        return bool(code) and code in self._kegiatan and code.count(".") == 2

    def postable(self) -> list[tuple[str, str]]:
        return [(c, n) for c, n in self._accounts.items() if c.count(".") == 3]

    def kegiatan(self) -> list[tuple[str, str]]:
        return [(c, n) for c, n in self._kegiatan.items() if c.count(".") == 2]

    def bidang(self) -> list[tuple[str, str]]:
        return [(c, n) for c, n in self._kegiatan.items() if "." not in c]

    def sources(self) -> list[tuple[str, str]]:
        return list(self._sources.items())

    def is_source(self, code: str) -> bool:
        return code in self._sources

    def source_name(self, code: str) -> str:
        return self._sources.get(code, code)

    def receipt_source(self, account: str) -> str | None:
        """The source of funds a receipt account (pendapatan, penerimaan pembiayaan) brings in."""
        matches = [p for p in self._receipts if account == p or account.startswith(p + ".")]
        return self._receipts[max(matches, key=len)] if matches else None


def _load(version: str) -> dict:
    """An edition of the code list village_finance.accounts (data/codelists.yaml)."""
    try:
        text = codelists.edition(LIST, version).read_bytes().decode("utf-8")
    except (KeyError, FileNotFoundError):
        raise ChartError(f"no bundled chart of accounts called {version!r}") from None
    return yaml.safe_load(text)


def _check_tree(entries: dict[str, str], pattern: re.Pattern, what: str) -> None:
    for code, name in entries.items():
        if not isinstance(code, str) or not pattern.match(code):
            raise ChartError(f"{what} {code!r}: not a code of the form the chart uses")
        if not isinstance(name, str) or not name.strip():
            raise ChartError(f"{what} {code}: needs a name")
        parent = code.rsplit(".", 1)[0] if "." in code else None
        if parent is not None and parent not in entries:
            raise ChartError(f"{what} {code}: its parent {parent} is not in the chart")


@lru_cache(maxsize=8)
def _base(version: str) -> Chart:
    data = _load(version)
    accounts = {str(k): v for k, v in data["accounts"].items()}
    kegiatan = {str(k): v for k, v in data["kegiatan"].items()}
    _check_tree(accounts, ACCOUNT, "account")
    _check_tree(kegiatan, KEGIATAN, "kegiatan")
    sources = dict(data["sources"])
    receipts = {str(k): v for k, v in data["receipts"].items()}
    for prefix, source in receipts.items():
        if prefix not in accounts or source not in sources:
            raise ChartError(f"receipts {prefix}: unknown account or source {source!r}")
    return Chart(data["version"], data["title"], accounts, kegiatan, sources, receipts)


def check_extra(extra: dict[str, str], version: str = DEFAULT) -> None:
    """Profile validation: extra kegiatan sit under an existing sub-bidang and do not redefine one."""
    base = _base(version)
    for code, name in extra.items():
        if not re.match(r"^[1-5]\.[0-9]\.[0-9]{2}$", code):
            raise ValueError(f"{code!r} is not a kegiatan code (bidang.sub_bidang.kegiatan, e.g. 2.4.90)")
        if code.rsplit(".", 1)[0] not in base._kegiatan:
            raise ValueError(f"{code}: sub-bidang {code.rsplit('.', 1)[0]} is not in the chart")
        if code in base._kegiatan:
            raise ValueError(f"{code} is already in the chart ({base._kegiatan[code]})")
        if not name.strip():
            raise ValueError(f"{code}: needs a name")


def chart(extra: dict[str, str] | None = None, version: str = DEFAULT) -> Chart:
    """The chart of a version, with the profile's extra kegiatan (already validated with the profile)."""
    base = _base(version)
    if not extra:
        return base
    return _with_extra(version, tuple(sorted(extra.items())))


@lru_cache(maxsize=8)
def _with_extra(version: str, extra: tuple[tuple[str, str], ...]) -> Chart:
    base = _base(version)
    kegiatan = dict(sorted({**base._kegiatan, **dict(extra)}.items(), key=lambda kv: _order(kv[0])))
    return Chart(base.version, base.title, base._accounts, kegiatan, base._sources, base._receipts)


def _order(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))
