"""Profiles: bundled ones load, inheritance merges, and every broken profile
is refused with file:line and the field at fault."""
from pathlib import Path

import pytest

from egovkit import profile as profiles

BUNDLED = profiles.bundled_names()


def write(name, text):
    path = Path(name)
    path.write_text(text)
    return path


BASE = """\
name: base
regency:
  code: "35.10"
  name: Kabupaten Banyuwangi
agencies:
  - {code: diskominfo, name: Dinas Komunikasi dan Informatika}
modules:
  announcements:
    per_page: 5
"""


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profiles_are_valid(name):
    prof = profiles.load(profiles.find(name))
    assert prof.name == name
    assert "announcements" in prof.modules


def test_bundled_set_includes_the_regencies_that_copied_banyuwangi():
    assert {"banyuwangi", "bandung-barat", "sukoharjo", "manggarai", "batang"} <= set(BUNDLED)
    codes = {n: profiles.load(profiles.find(n)).regency.code for n in BUNDLED}
    assert codes["bandung-barat"] == "32.17" and codes["sukoharjo"] == "33.11"
    assert codes["manggarai"] == "53.10" and codes["batang"] == "33.25"


def test_child_inherits_modules_and_agencies_but_not_the_regency():
    prof = profiles.load(profiles.find("manggarai"))
    parent = profiles.load(profiles.find("banyuwangi"))
    assert prof.regency.capital == "Ruteng"
    assert prof.regency.tagline is None  # the regency block is replaced whole
    assert [a.code for a in prof.agencies] == [a.code for a in parent.agencies]
    assert prof.timezone == "Asia/Makassar"
    assert prof.modules["announcements"].per_page == 10


def test_child_can_switch_a_parent_module_off_and_override_settings():
    write("base.yaml", BASE)
    write("off.yaml", "name: off\nextends: base\nmodules:\n  announcements: false\n")
    write("more.yaml", "name: more\nextends: base\nmodules:\n  announcements:\n    show_on_home: 0\n")
    assert profiles.load(Path("off.yaml")).modules == {}
    more = profiles.load(Path("more.yaml")).modules["announcements"]
    assert (more.per_page, more.show_on_home) == (5, 0)  # deep merge keeps the parent's per_page


def test_lists_replace_instead_of_merging():
    write("base.yaml", BASE)
    write("child.yaml", "name: child\nextends: base\nagencies:\n  - {code: bapenda, name: Badan Pendapatan}\n")
    assert [a.code for a in profiles.load(Path("child.yaml")).agencies] == ["bapenda"]


def test_terminology_follows_region_data_and_profile():
    sabang = profiles.load(profiles.find("sabang"))
    assert sabang.terminology == {"regency": "kota", "district": "kecamatan", "village": "gampong"}
    write("p.yaml", BASE + "terminology:\n  village: kampung\n")
    assert profiles.load(Path("p.yaml")).terminology["village"] == "kampung"


def problems(path):
    with pytest.raises(profiles.ProfileError) as info:
        profiles.load(Path(path))
    return [str(p) for p in info.value.problems]


def test_unknown_key_names_file_line_and_suggests():
    write("p.yaml", BASE.replace("  name: Kabupaten Banyuwangi\n", "  name: Kabupaten Banyuwangi\n  colour: red\n"))
    assert problems("p.yaml") == ["p.yaml:5: regency.colour: unknown key (did you mean 'colors'?)"]


def test_wrong_type_in_module_setting_names_its_line():
    write("p.yaml", BASE.replace("per_page: 5", "per_page: many"))
    [message] = problems("p.yaml")
    assert message.startswith("p.yaml:9: modules.announcements.per_page: ")
    assert "integer" in message


def test_out_of_range_setting():
    write("p.yaml", BASE.replace("per_page: 5", "per_page: 500"))
    assert problems("p.yaml") == ["p.yaml:9: modules.announcements.per_page: input should be less than or equal to 100"]


def test_unknown_module_suggests_the_close_one():
    write("p.yaml", BASE.replace("  announcements:\n    per_page: 5\n", "  anouncements: {}\n"))
    assert problems("p.yaml") == ["p.yaml:8: modules.anouncements: unknown module (did you mean 'announcements'?)"]


def test_bad_region_code_is_refused():
    write("p.yaml", BASE.replace('"35.10"', '"35.99"'))
    assert problems("p.yaml") == ["p.yaml:3: regency.code: 35.99 is not a regency or city code in the Kemendagri list"]
    write("q.yaml", BASE.replace('"35.10"', '"3510"'))
    assert problems("q.yaml")[0].startswith("q.yaml:3: regency.code: '3510' does not have the expected form")


def test_error_in_parent_names_the_parent_file():
    write("base.yaml", BASE.replace("per_page: 5", "per_page: -1"))
    write("child.yaml", "name: child\nextends: base\n")
    assert problems("child.yaml") == ["base.yaml:9: modules.announcements.per_page: input should be greater than or equal to 1"]


def test_extends_cycle_is_an_error():
    write("a.yaml", "name: a\nextends: b\n")
    write("b.yaml", "name: b\nextends: a\n")
    [message] = problems("a.yaml")
    assert message.startswith("b.yaml:2: extends: extends forms a cycle")
    assert "a.yaml -> b.yaml -> a.yaml" in message


def test_missing_parent_is_an_error_with_line():
    write("a.yaml", "name: a\nextends: nowhere\n")
    [message] = problems("a.yaml")
    assert message.startswith("a.yaml:2: extends: no profile named 'nowhere'")


def test_invalid_yaml_names_the_line():
    write("p.yaml", BASE + "  announcements: [unclosed\n")
    [message] = problems("p.yaml")
    assert message.startswith("p.yaml:1") and "invalid YAML" in message


def test_duplicate_key_is_an_error():
    write("p.yaml", BASE + "locale: id\nlocale: en\n")
    assert problems("p.yaml") == ["p.yaml:11: locale: duplicate key"]


def test_yaml_11_booleans_are_plain_strings():
    # In YAML 1.1 `no` is false: here it is the string 'no', so it fails as a locale instead of passing silently.
    write("p.yaml", BASE + "locale: no\n")
    assert problems("p.yaml") == ["p.yaml:10: locale: must be one of 'id' or 'en'"]


def test_missing_required_fields_are_listed_together():
    write("p.yaml", "name: xy\nregency:\n  code: \"35.10\"\n")
    assert problems("p.yaml") == ["p.yaml:2: regency.name: required field is missing"]


def test_module_requirements_are_checked():
    from egovkit.modules import Module, ModuleError, resolve

    mods = {"a": Module("a", "1", {"en": "A"}, requires=("b",)), "b": Module("b", "1", {"en": "B"}),
            "c": Module("c", "1", {"en": "C"}, requires=("d",)), "d": Module("d", "1", {"en": "D"}, requires=("c",))}
    assert [m.name for m in resolve({"a", "b"}, mods)] == ["b", "a"]
    with pytest.raises(ModuleError, match="enable 'b' in the profile too"):
        resolve({"a"}, mods)
    with pytest.raises(ModuleError, match="cycle"):
        resolve({"c", "d"}, mods)
    with pytest.raises(ModuleError, match="unknown module 'x'"):
        resolve({"x"}, mods)


def test_module_value_must_be_settings_or_a_switch():
    write("p.yaml", BASE.replace("  announcements:\n    per_page: 5\n", "  announcements: sometimes\n"))
    assert problems("p.yaml") == ["p.yaml:8: modules.announcements: must be a mapping of settings "
                                  "({} for the defaults), true or false"]
    write("q.yaml", BASE.replace("  announcements:\n    per_page: 5\n", "  announcements:\n"))
    assert profiles.load(Path("q.yaml")).modules["announcements"].per_page == 10


def test_a_child_names_itself_and_errors_point_at_the_child():
    write("base.yaml", BASE)
    write("child.yaml", "extends: base\n")
    assert problems("child.yaml") == ["child.yaml: name: required field is missing"]
    assert "child.yaml" not in str(profiles.load_raw(Path("base.yaml"))[1])
    write("child.yaml", "name: X\nextends: base\n")
    assert problems("child.yaml")[0].startswith("child.yaml:1: name: 'X' does not have the expected form")


def test_region_names_and_local_words_from_the_data():
    from egovkit.wilayah import data as wilayah

    names = {code: wilayah.display_name(wilayah.regencies()[code]) for code in ("53.02", "31.01", "31.71", "11.72")}
    assert names == {"53.02": "Kabupaten Timor Tengah Selatan", "31.01": "Kabupaten Administrasi Kepulauan Seribu",
                     "31.71": "Kota Administrasi Jakarta Pusat", "11.72": "Kota Sabang"}
    assert wilayah.default_terminology("91.71") == {"regency": "kota", "district": "distrik", "village": "kampung"}
    assert wilayah.default_terminology("13.06")["village"] == "nagari"
