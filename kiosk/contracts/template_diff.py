"""What changed between two template versions, for headquarters' legal reviewer.

Fields are matched by name, clauses by id and layout sections by id. A change lists
each attribute that differs with its old and new value; clause texts are compared in
both languages. Formatting of the JSON file does not count: two files with the same
declarations and different whitespace show no difference, but different hashes.
"""

from dataclasses import dataclass
from typing import Any

from kiosk.contracts.template import ClauseSpec, ContractTemplate, FieldSpec, LayoutSection


def field_json(spec: FieldSpec) -> dict[str, Any]:
    return {"name": spec.name, "label": spec.label.to_json(), "type": spec.type, "source": spec.source, "required": spec.required}


def clause_json(clause: ClauseSpec) -> dict[str, Any]:
    return {
        "id": clause.clause_id,
        "title": clause.title.to_json(),
        "text": clause.text.to_json(),
        "must_acknowledge": clause.must_acknowledge,
    }


def section_json(section: LayoutSection) -> dict[str, Any]:
    document: dict[str, Any] = {"id": section.section_id, "title": section.title.to_json()}
    if section.fields:
        document["fields"] = list(section.fields)
    else:
        document["clauses"] = list(section.clauses)
    return document


@dataclass(frozen=True)
class ItemChange:
    """An item present in both versions; ``changes`` maps each attribute that differs to ``(old, new)``."""

    name: str
    changes: dict[str, tuple[Any, Any]]

    def to_json(self, key: str) -> dict[str, Any]:
        return {key: self.name, "changes": {attribute: {"old": old, "new": new} for attribute, (old, new) in self.changes.items()}}


@dataclass(frozen=True)
class ItemsDiff:
    """Items added, removed and changed, as JSON-ready dictionaries, and the order when it changed."""

    added: tuple[dict[str, Any], ...]
    removed: tuple[dict[str, Any], ...]
    changed: tuple[ItemChange, ...]
    order: tuple[list[str], list[str]] | None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.order)

    def to_json(self, key: str) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [change.to_json(key) for change in self.changed],
            "order": {"old": self.order[0], "new": self.order[1]} if self.order else None,
        }


def _diff_items(old: list[dict[str, Any]], new: list[dict[str, Any]], key: str) -> ItemsDiff:
    old_by_name = {item[key]: item for item in old}
    new_by_name = {item[key]: item for item in new}
    changed = []
    for name, old_item in old_by_name.items():
        new_item = new_by_name.get(name)
        if new_item is None:
            continue
        attributes = [attribute for attribute in new_item if attribute != key] + [
            attribute for attribute in old_item if attribute not in new_item
        ]
        changes = {
            attribute: (old_item.get(attribute), new_item.get(attribute))
            for attribute in attributes
            if old_item.get(attribute) != new_item.get(attribute)
        }
        if changes:
            changed.append(ItemChange(name, changes))

    # The order matters only among the items both versions have.
    old_common = [item[key] for item in old if item[key] in new_by_name]
    new_common = [item[key] for item in new if item[key] in old_by_name]
    return ItemsDiff(
        added=tuple(item for item in new if item[key] not in old_by_name),
        removed=tuple(item for item in old if item[key] not in new_by_name),
        changed=tuple(changed),
        order=(old_common, new_common) if old_common != new_common else None,
    )


@dataclass(frozen=True)
class TemplateDiff:
    old: ContractTemplate
    new: ContractTemplate
    title: tuple[dict[str, str], dict[str, str]] | None
    fields: ItemsDiff
    clauses: ItemsDiff
    layout: ItemsDiff

    @property
    def identical(self) -> bool:
        """Return whether the declarations are the same; the template id and version are not compared."""
        return self.title is None and self.fields.empty and self.clauses.empty and self.layout.empty

    def to_json(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "old": {"template_id": self.old.template_id, "version": self.old.version, "sha256": self.old.sha256},
            "new": {"template_id": self.new.template_id, "version": self.new.version, "sha256": self.new.sha256},
            "title": {"old": self.title[0], "new": self.title[1]} if self.title else None,
            "fields": self.fields.to_json("name"),
            "clauses": self.clauses.to_json("id"),
            "layout": self.layout.to_json("id"),
        }


def diff_templates(old: ContractTemplate, new: ContractTemplate) -> TemplateDiff:
    """Compare two parsed templates; the result lists every declaration that differs."""
    title = (old.title.to_json(), new.title.to_json()) if old.title != new.title else None
    return TemplateDiff(
        old=old,
        new=new,
        title=title,
        fields=_diff_items([field_json(spec) for spec in old.fields], [field_json(spec) for spec in new.fields], "name"),
        clauses=_diff_items([clause_json(c) for c in old.clauses], [clause_json(c) for c in new.clauses], "id"),
        layout=_diff_items([section_json(s) for s in old.layout], [section_json(s) for s in new.layout], "id"),
    )
