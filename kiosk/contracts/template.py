"""Contract templates as data: declared fields with their sources, and clauses.

A template lives in ``resources/contracts/<template_id>/v<version>/template.json``. Its
SHA-256 over the file bytes identifies exactly what the customer was shown.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import TemplateError
from kiosk.messages import Message

FIELD_TYPES = frozenset({"text", "integer", "money", "date", "datetime"})
SOURCE_NAMESPACES = frozenset({"contract", "branch", "identity", "reservation", "licence", "vehicle", "quote"})


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
class ContractTemplate:
    template_id: str
    version: str
    title: Message
    fields: tuple[FieldSpec, ...]
    clauses: tuple[ClauseSpec, ...]
    sha256: str

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _message(value: object, where: str) -> Message:
    if not isinstance(value, dict) or not value.get("zh") or not value.get("en"):
        raise TemplateError(f"{where} needs non-empty 'zh' and 'en' text")
    return Message(str(value["zh"]), str(value["en"]))


def load_template(contracts_dir: Path, template_id: str, version: str) -> ContractTemplate:
    """Load and check a template; raises :class:`TemplateError` when it is missing or malformed."""
    path = contracts_dir / template_id / f"v{version}" / "template.json"
    try:
        raw = path.read_bytes()
        document = json.loads(raw)
    except FileNotFoundError:
        raise TemplateError(f"contract template {template_id} v{version} not found at {path}") from None
    except (OSError, json.JSONDecodeError) as error:
        raise TemplateError(f"contract template {path} cannot be read: {error}") from error

    if document.get("template_id") != template_id or str(document.get("version")) != version:
        raise TemplateError(f"{path} declares {document.get('template_id')} v{document.get('version')}")

    fields = []
    for entry in document.get("fields", []):
        name = entry.get("name", "?")
        if entry.get("type") not in FIELD_TYPES:
            raise TemplateError(f"field {name} has unknown type {entry.get('type')!r}")
        source = str(entry.get("source", ""))
        if source.partition(".")[0] not in SOURCE_NAMESPACES or "." not in source:
            raise TemplateError(f"field {name} has source {source!r} outside {sorted(SOURCE_NAMESPACES)}")
        fields.append(
            FieldSpec(name, _message(entry.get("label"), f"field {name} label"), entry["type"], source, bool(entry.get("required")))
        )

    clauses = []
    for entry in document.get("clauses", []):
        clause_id = entry.get("id", "?")
        clauses.append(
            ClauseSpec(
                clause_id,
                _message(entry.get("title"), f"clause {clause_id} title"),
                _message(entry.get("text"), f"clause {clause_id} text"),
                bool(entry.get("must_acknowledge")),
            )
        )

    names = [spec.name for spec in fields]
    if len(set(names)) != len(names) or not fields:
        raise TemplateError(f"{path} has no fields or repeats a field name")
    return ContractTemplate(
        template_id=template_id,
        version=version,
        title=_message(document.get("title"), "title"),
        fields=tuple(fields),
        clauses=tuple(clauses),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
