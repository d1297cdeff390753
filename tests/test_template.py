"""The template format: declared fields, clauses and layout, and the errors for a malformed file."""

import json
from pathlib import Path

import pytest

from kiosk.contracts.template import load_template, read_template_file
from kiosk.contracts.template_errors import TemplateMalformed, TemplateNotFound
from kiosk.errors import user_message
from resources import CONTRACTS_DIR

SHIPPED = CONTRACTS_DIR / "rental-agreement" / "v1" / "template.json"


def _shipped() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict | str) -> Path:
    folder = tmp_path / "rental-agreement" / "v1"
    folder.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    (folder / "template.json").write_text(text, encoding="utf-8")
    return folder


def _field(document: dict, name: str) -> dict:
    return next(entry for entry in document["fields"] if entry["name"] == name)


def _section(document: dict, section_id: str) -> dict:
    return next(entry for entry in document["layout"]["sections"] if entry["id"] == section_id)


def test_shipped_template_layout_covers_everything():
    template = load_template(CONTRACTS_DIR, "rental-agreement", "1")
    assert [section.section_id for section in template.layout] == [
        "contract", "lessor", "lessee", "vehicle", "period", "charges", "terms"
    ]
    assert [name for section in template.layout for name in section.fields] == [spec.name for spec in template.fields]
    assert [name for section in template.layout for name in section.clauses] == [c.clause_id for c in template.clauses]
    assert template.field("discount_amount").source == "quote.discount_fen"


def _drop_required(document):
    del _field(document, "lessee_phone")["required"]


def _string_required(document):
    _field(document, "lessee_phone")["required"] = "yes"


def _unknown_type(document):
    _field(document, "deposit")["type"] = "float"


def _unknown_attribute(document):
    _field(document, "lessee_name")["source"] = "identity.nmae"


def _photo_source(document):
    _field(document, "lessee_name")["source"] = "identity.photo"


def _repeated_field(document):
    document["fields"].append(dict(document["fields"][0]))


def _repeated_clause(document):
    document["clauses"].append(dict(document["clauses"][0]))


def _clause_without_flag(document):
    del document["clauses"][0]["must_acknowledge"]


def _label_without_english(document):
    _field(document, "deposit")["label"] = {"zh": "押金"}


def _misspelt_key(document):
    document["clause"] = document.pop("clauses")


def _no_layout(document):
    del document["layout"]


def _layout_misses_field(document):
    _section(document, "charges")["fields"].remove("deposit")


def _layout_names_unknown_field(document):
    _section(document, "charges")["fields"].append("fuel_charge")


def _layout_repeats_field(document):
    _section(document, "charges")["fields"].insert(0, "contract_no")


def _layout_reorders_fields(document):
    fields = _section(document, "charges")["fields"]
    fields[0], fields[1] = fields[1], fields[0]


def _layout_section_of_both_kinds(document):
    _section(document, "terms")["fields"] = ["deposit"]


def _layout_repeats_section_id(document):
    _section(document, "lessor")["id"] = "contract"


def _uppercase_name(document):
    _field(document, "deposit")["name"] = "Deposit"


@pytest.mark.parametrize(
    "mutate, detail",
    [
        (_drop_required, "field lessee_phone needs 'required': true or false"),
        (_string_required, "field lessee_phone needs 'required': true or false, not 'yes'"),
        (_unknown_type, "field deposit has unknown type 'float'"),
        (_unknown_attribute, "identity has no value 'nmae'"),
        (_photo_source, "identity has no value 'photo'"),
        (_repeated_field, "field name 'contract_no' is declared more than once"),
        (_repeated_clause, "clause id 'vehicle_use' is declared more than once"),
        (_clause_without_flag, "clause vehicle_use needs 'must_acknowledge'"),
        (_label_without_english, "field deposit label needs 'zh' and 'en' text"),
        (_misspelt_key, "unknown key 'clause'"),
        (_no_layout, "'layout' must be an object"),
        (_layout_misses_field, "layout places no section for field 'deposit'"),
        (_layout_names_unknown_field, "layout names field 'fuel_charge'"),
        (_layout_repeats_field, "layout places field 'contract_no' in more than one place"),
        (_layout_reorders_fields, "layout lists field 'rental_amount' at position 19, where the declared order has 'daily_rate'"),
        (_layout_section_of_both_kinds, "layout section terms needs either 'fields' or 'clauses'"),
        (_layout_repeats_section_id, "layout repeats a section id"),
        (_uppercase_name, "needs 'name' in lower case letters"),
    ],
)
def test_malformed_template_is_named(tmp_path, mutate, detail):
    document = _shipped()
    mutate(document)
    _write(tmp_path, document)
    with pytest.raises(TemplateMalformed) as caught:
        load_template(tmp_path, "rental-agreement", "1")
    assert detail in str(caught.value)
    assert caught.value.code == "malformed"


def test_malformed_template_message_names_version_in_both_languages(tmp_path):
    document = _shipped()
    _unknown_type(document)
    _write(tmp_path, document)
    with pytest.raises(TemplateMalformed) as caught:
        load_template(tmp_path, "rental-agreement", "1")
    message = user_message(caught.value)
    assert "合同模板 rental-agreement 第 1 版不能使用" in message.zh
    assert "float" in message.zh
    assert "Contract template rental-agreement version 1 cannot be used" in message.en
    assert "float" in message.en


def test_invalid_json_is_reported(tmp_path):
    _write(tmp_path, SHIPPED.read_text(encoding="utf-8")[:-30])
    with pytest.raises(TemplateMalformed, match="is not UTF-8 JSON"):
        load_template(tmp_path, "rental-agreement", "1")


def test_version_declared_differently_is_reported(tmp_path):
    document = _shipped()
    document["version"] = "2"
    _write(tmp_path, document)
    with pytest.raises(TemplateMalformed, match="declares rental-agreement v2"):
        load_template(tmp_path, "rental-agreement", "1")


def test_template_read_from_folder_or_file(tmp_path):
    folder = _write(tmp_path, SHIPPED.read_text(encoding="utf-8"))
    from_folder, folder_found = read_template_file(folder)
    from_file, file_folder = read_template_file(folder / "template.json")
    assert from_folder == from_file
    assert folder_found == file_folder == folder
    assert from_folder.sha256 == load_template(CONTRACTS_DIR, "rental-agreement", "1").sha256


def test_missing_template_file_is_named(tmp_path):
    with pytest.raises(TemplateNotFound) as caught:
        read_template_file(tmp_path / "nowhere")
    assert "找不到模板文件" in caught.value.message.zh
    assert caught.value.code == "not_found"


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"version": ' + b"9" * 5000 + b"}", b"\xff\xfe{}", b""],
    ids=["deep-nesting", "huge-integer", "not-utf8", "empty"],
)
def test_damaged_template_file_is_malformed(tmp_path, raw):
    folder = tmp_path / "rental-agreement" / "v1"
    folder.mkdir(parents=True)
    (folder / "template.json").write_bytes(raw)

    with pytest.raises(TemplateMalformed) as caught:
        load_template(tmp_path, "rental-agreement", "1")

    assert caught.value.code == "malformed"


def test_byte_order_mark_is_named(tmp_path):
    folder = tmp_path / "rental-agreement" / "v1"
    folder.mkdir(parents=True)
    (folder / "template.json").write_bytes(b"\xef\xbb\xbf" + (CONTRACTS_DIR / "rental-agreement" / "v1" / "template.json").read_bytes())

    with pytest.raises(TemplateMalformed, match="save it as UTF-8 without BOM"):
        load_template(tmp_path, "rental-agreement", "1")
