"""Filling a contract template from the verified identity, reservation, vehicle and quote."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.contracts.pricing import Quote
from kiosk.contracts.template import ClauseSpec, ContractTemplate
from kiosk.identity.documents import Identity
from kiosk.identity.licence import DrivingLicence
from kiosk.rental import Branch, Reservation

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "integer": (int,),
    "money": (int,),
    "date": (date,),
    "datetime": (datetime,),
}


@dataclass(frozen=True)
class ContractSources:
    """Everything a contract field may come from, named as template sources name it.

    ``customer_band`` selects the price list's band discounts. NOTE: reservations carry
    no customer band yet, so the session leaves it ``None`` and only discounts for a
    rental length apply there.
    """

    contract_number: str
    branch: Branch
    identity: Identity
    licence: DrivingLicence
    reservation: Reservation
    quote: Quote
    customer_band: str | None = None

    def resolve(self, source: str) -> Any:
        """Return the value at a dotted source such as ``identity.name``; raises ``KeyError``."""
        namespace, _, attribute = source.partition(".")
        objects: dict[str, Any] = {
            "branch": self.branch,
            "identity": self.identity,
            "licence": self.licence,
            "reservation": self.reservation,
            "vehicle": self.reservation.vehicle,
            "quote": self.quote,
        }
        if namespace == "contract" and attribute == "number":
            return self.contract_number
        if namespace not in objects or not hasattr(objects[namespace], attribute):
            raise KeyError(source)
        return getattr(objects[namespace], attribute)


@dataclass(frozen=True)
class ContractDraft:
    """A filled contract: typed field values and the clauses, tied to one template version."""

    template_id: str
    template_version: str
    template_sha256: str
    contract_number: str
    values: dict[str, Any]
    clauses: tuple[ClauseSpec, ...]

    def fields_json(self) -> dict[str, Any]:
        """Return the values with dates as ISO strings, for storage and the outbox."""
        return {
            name: value.isoformat() if isinstance(value, (date, datetime)) else value
            for name, value in self.values.items()
        }


def value_has_type(value: Any, field_type: str) -> bool:
    """Return whether ``value`` has the Python type a template field type needs."""
    if isinstance(value, bool):
        return False
    return isinstance(value, _PYTHON_TYPES[field_type])


def draft_contract(template: ContractTemplate, sources: ContractSources) -> ContractDraft:
    """Fill every field of ``template`` from ``sources``; raises ``KeyError`` on an unknown source."""
    values = {spec.name: sources.resolve(spec.source) for spec in template.fields}
    return ContractDraft(
        template_id=template.template_id,
        template_version=template.version,
        template_sha256=template.sha256,
        contract_number=sources.contract_number,
        values=values,
        clauses=template.clauses,
    )
