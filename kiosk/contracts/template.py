"""Contract templates as data: declared fields with their sources, clauses and the layout.

A template version lives in ``<templates>/<template_id>/v<version>/template.json``. Its
SHA-256 over the file bytes identifies exactly what the customer was shown, and it is
what headquarters' approval signs (:mod:`kiosk.contracts.approval`). A version is
frozen once approved: any change, even to a comma, needs a new version folder.

The layout groups the fields and the clauses into sections. The sections list the
fields, then the clauses, in the order in which ``fields`` and ``clauses`` declare
them, so the declared order and the layout never disagree.
"""

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.contracts.pricing import Quote
from kiosk.contracts.template_errors import TemplateMalformed, TemplateNotFound
from kiosk.identity.documents import Identity
from kiosk.identity.licence import DrivingLicence
from kiosk.messages import Message
from kiosk.rental import Branch, Reservation, Vehicle

if TYPE_CHECKING:
    from kiosk.contracts.approval import TemplateApproval

TEMPLATE_FILE = "template.json"
FIELD_TYPES = frozenset({"text", "integer", "money", "date", "datetime"})


def _attributes(source_class: type, excluded: frozenset[str] = frozenset()) -> frozenset[str]:
    return frozenset(field.name for field in dataclasses.fields(source_class)) - excluded


# Where a field may take its value from. The card photo is never a contract field.
SOURCE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "contract": frozenset({"number"}),
    "branch": _attributes(Branch),
    "identity": _attributes(Identity, frozenset({"photo", "warnings"})),
    "reservation": _attributes(Reservation, frozenset({"vehicle", "licence"})),
    "licence": _attributes(DrivingLicence),
    "vehicle": _attributes(Vehicle),
    "quote": _attributes(Quote),
}
SOURCE_NAMESPACES = frozenset(SOURCE_ATTRIBUTES)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOP_KEYS = frozenset({"template_id", "version", "title", "fields", "clauses", "layout"})
_FIELD_KEYS = frozenset({"name", "label", "type", "source", "required"})
_CLAUSE_KEYS = frozenset({"id", "title", "text", "must_acknowledge"})
_SECTION_KEYS = frozenset({"id", "title", "fields", "clauses"})


@dataclass(frozen=True)
class FieldSpec:
    """A field: its label, value type, dotted source (``identity.name``) and whether it is required."""

    name: str
    label: Message
    type: str
    source: str
    required: bool


@dataclass(frozen=True)
class ClauseSpec:
    """A clause; ``must_acknowledge`` clauses are confirmed by the customer one by one."""

    clause_id: str
    title: Message
    text: Message
    must_acknowledge: bool

    @property
    def digest(self) -> str:
        """SHA-256 of the clause's title and text in both languages."""
        canonical = json.dumps([self.title.zh, self.title.en, self.text.zh, self.text.en], ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LayoutSection:
    """A titled section of the contract: a run of fields or a run of clauses, named in declared order."""

    section_id: str
    title: Message
    fields: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContractTemplate:
    """A parsed template version. ``approval`` is set only by :func:`kiosk.contracts.approval.load_approved_template`."""

    template_id: str
    version: str
    title: Message
    fields: tuple[FieldSpec, ...]
    clauses: tuple[ClauseSpec, ...]
    layout: tuple[LayoutSection, ...]
    sha256: str
    approval: "TemplateApproval | None" = None

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def clause(self, clause_id: str) -> ClauseSpec:
        for clause in self.clauses:
            if clause.clause_id == clause_id:
                return clause
        raise KeyError(clause_id)

    def fields_from(self, source: str) -> tuple[FieldSpec, ...]:
        """Return the fields that take their value from ``source``, such as ``reservation.return_at``."""
        return tuple(spec for spec in self.fields if spec.source == source)


class _Parser:
    """Reads one template document, raising :class:`TemplateMalformed` with the first problem found."""

    def __init__(self, template_id: str, version: str) -> None:
        self.template_id = template_id
        self.version = version

    def fail(self, detail: str) -> TemplateMalformed:
        return TemplateMalformed(self.template_id, self.version, detail)

    def message(self, value: object, where: str) -> Message:
        if not isinstance(value, dict) or not isinstance(value.get("zh"), str) or not isinstance(value.get("en"), str):
            raise self.fail(f"{where} needs 'zh' and 'en' text")
        if not value["zh"].strip() or not value["en"].strip() or set(value) - {"zh", "en"}:
            raise self.fail(f"{where} needs non-empty 'zh' and 'en' text and nothing else")
        return Message(value["zh"], value["en"])

    def entries(self, document: dict, key: str, known: frozenset[str], what: str) -> list[dict]:
        entries = document.get(key)
        if not isinstance(entries, list) or not entries:
            raise self.fail(f"'{key}' must be a non-empty list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.fail(f"{what} {index + 1} must be an object")
            unknown = sorted(set(entry) - known)
            if unknown:
                raise self.fail(f"{what} {index + 1} has unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
        return entries

    def name(self, entry: dict, key: str, what: str, index: int) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise self.fail(f"{what} {index + 1} needs '{key}' in lower case letters, digits and '_', not {value!r}")
        return value

    def flag(self, entry: dict, key: str, where: str) -> bool:
        value = entry.get(key)
        if not isinstance(value, bool):
            raise self.fail(f"{where} needs '{key}': true or false, not {value!r}")
        return value

    def field(self, entry: dict, index: int) -> FieldSpec:
        name = self.name(entry, "name", "field", index)
        where = f"field {name}"
        field_type = entry.get("type")
        if field_type not in FIELD_TYPES:
            raise self.fail(f"{where} has unknown type {field_type!r}; use one of {', '.join(sorted(FIELD_TYPES))}")
        source = entry.get("source")
        namespace, _, attribute = source.partition(".") if isinstance(source, str) else ("", "", "")
        if namespace not in SOURCE_ATTRIBUTES:
            raise self.fail(f"{where} has source {source!r} outside {', '.join(sorted(SOURCE_NAMESPACES))}")
        if attribute not in SOURCE_ATTRIBUTES[namespace]:
            raise self.fail(f"{where} has source {source!r}, but {namespace} has no value {attribute!r}")
        return FieldSpec(name, self.message(entry.get("label"), f"{where} label"), field_type, source, self.flag(entry, "required", where))

    def clause(self, entry: dict, index: int) -> ClauseSpec:
        clause_id = self.name(entry, "id", "clause", index)
        where = f"clause {clause_id}"
        return ClauseSpec(
            clause_id,
            self.message(entry.get("title"), f"{where} title"),
            self.message(entry.get("text"), f"{where} text"),
            self.flag(entry, "must_acknowledge", where),
        )

    def layout(self, document: dict, fields: tuple[FieldSpec, ...], clauses: tuple[ClauseSpec, ...]) -> tuple[LayoutSection, ...]:
        layout = document.get("layout")
        if not isinstance(layout, dict) or set(layout) != {"sections"}:
            raise self.fail("'layout' must be an object with 'sections' only")
        sections = []
        for index, entry in enumerate(self.entries(layout, "sections", _SECTION_KEYS, "layout section")):
            section_id = self.name(entry, "id", "layout section", index)
            where = f"layout section {section_id}"
            if ("fields" in entry) == ("clauses" in entry):
                raise self.fail(f"{where} needs either 'fields' or 'clauses'")
            names = entry.get("fields", entry.get("clauses"))
            if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
                raise self.fail(f"{where} must list at least one name")
            title = self.message(entry.get("title"), f"{where} title")
            if "fields" in entry:
                sections.append(LayoutSection(section_id, title, fields=tuple(names)))
            else:
                sections.append(LayoutSection(section_id, title, clauses=tuple(names)))

        identifiers = [section.section_id for section in sections]
        if len(set(identifiers)) != len(identifiers):
            raise self.fail("layout repeats a section id")
        self._layout_order("field", [name for section in sections for name in section.fields], [spec.name for spec in fields])
        self._layout_order("clause", [name for section in sections for name in section.clauses], [clause.clause_id for clause in clauses])
        return tuple(sections)

    def _layout_order(self, what: str, in_layout: list[str], declared: list[str]) -> None:
        for name in in_layout:
            if name not in declared:
                raise self.fail(f"layout names {what} {name!r}, which the template does not declare")
            if in_layout.count(name) > 1:
                raise self.fail(f"layout places {what} {name!r} in more than one place")
        for name in declared:
            if name not in in_layout:
                raise self.fail(f"layout places no section for {what} {name!r}")
        for position, (placed, expected) in enumerate(zip(in_layout, declared), start=1):
            if placed != expected:
                raise self.fail(
                    f"layout lists {what} {placed!r} at position {position}, where the declared order has {expected!r}"
                )


def parse_template(raw: bytes, where: str, template_id: str | None = None, version: str | None = None) -> ContractTemplate:
    """Parse and validate the bytes of a template file.

    ``where`` names the file in messages. When ``template_id`` and ``version`` are
    given, the file must declare them. Raises :class:`TemplateMalformed` with the
    first problem: invalid JSON, a missing or unknown key, an unknown field type or
    source, a repeated name, or a layout that misses, repeats or reorders a field or
    a clause.
    """
    parser = _Parser(template_id or where, version or "?")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise parser.fail(f"{where} starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
    try:
        document: Any = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, a huge integer, deep nesting
        raise parser.fail(f"{where} is not UTF-8 JSON: {error}") from error
    if not isinstance(document, dict):
        raise parser.fail(f"{where} must contain a JSON object")

    declared_id, declared_version = document.get("template_id"), document.get("version")
    if not isinstance(declared_id, str) or not declared_id or not isinstance(declared_version, (str, int)) or isinstance(declared_version, bool):
        raise parser.fail(f"{where} needs 'template_id' and 'version'")
    declared_version = str(declared_version)
    if (template_id, version) != (None, None) and (declared_id, declared_version) != (template_id, version):
        raise parser.fail(f"{where} declares {declared_id} v{declared_version}")
    parser = _Parser(declared_id, declared_version)

    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise parser.fail(f"unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_TOP_KEYS))}")
    title = parser.message(document.get("title"), "title")
    fields = tuple(parser.field(entry, index) for index, entry in enumerate(parser.entries(document, "fields", _FIELD_KEYS, "field")))
    clauses = tuple(parser.clause(entry, index) for index, entry in enumerate(parser.entries(document, "clauses", _CLAUSE_KEYS, "clause")))

    for what, names in (("field name", [spec.name for spec in fields]), ("clause id", [clause.clause_id for clause in clauses])):
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise parser.fail(f"{what} {repeated[0]!r} is declared more than once")

    return ContractTemplate(
        template_id=declared_id,
        version=declared_version,
        title=title,
        fields=fields,
        clauses=clauses,
        layout=parser.layout(document, fields, clauses),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def template_folder(templates_dir: Path, template_id: str, version: str) -> Path:
    return templates_dir / template_id / f"v{version}"


def load_template(templates_dir: Path, template_id: str, version: str) -> ContractTemplate:
    """Load and validate a template version without checking its approval.

    Raises :class:`TemplateNotFound`, or :class:`TemplateMalformed` when the file cannot
    be read or fails validation. The kiosk loads templates through
    :func:`kiosk.contracts.approval.load_approved_template` instead.
    """
    path = template_folder(templates_dir, template_id, version) / TEMPLATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateNotFound(template_id, version, path) from None
    except OSError as error:
        raise TemplateMalformed(template_id, version, f"{path} cannot be read: {error.strerror}") from error
    return parse_template(raw, str(path), template_id, version)


def read_template_file(path: Path) -> tuple[ContractTemplate, Path]:
    """Load the template at ``path``, a ``template.json`` or the folder containing one.

    Returns the template and its folder. The folder's name is not checked, so
    reviewers can work on drafts anywhere. Raises :class:`TemplateNotFound` or
    :class:`TemplateMalformed`.
    """
    file = path / TEMPLATE_FILE if path.is_dir() else path
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise TemplateNotFound(str(path), "?", file) from None
    except OSError as error:
        raise TemplateMalformed(str(path), "?", f"{file} cannot be read: {error.strerror}") from error
    return parse_template(raw, str(file)), file.parent
