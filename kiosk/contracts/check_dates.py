"""The date part of the contract check: pick-up before return, inside the validity of licence and identity document.

The identity document must stay valid for a margin of months after the return date,
by the same rule as the licence stage of the session
(:func:`kiosk.identity.verification.check_document_validity`).
"""

from collections.abc import Mapping
from datetime import date

from kiosk.contracts.drafting import ContractSources
from kiosk.contracts.field_problem import FieldProblem
from kiosk.contracts.template import ContractTemplate
from kiosk.identity.dates import add_months
from kiosk.identity.documents import DocumentType
from kiosk.identity.verification import DEFAULT_VALIDITY_MARGIN_MONTHS
from kiosk.messages import Message

_LICENCE_VALIDITY = Message("驾驶证有效期", "driving licence validity")
_DOCUMENT_VALIDITY = Message("证件有效期", "identity document validity")


def _contract_field(template: ContractTemplate, source: str) -> tuple[str, Message | None]:
    """Return the name and label of the contract field showing ``source``, else the source itself."""
    specs = template.fields_from(source)
    return (specs[0].name, specs[0].label) if specs else (source, None)


def _needed_until(return_day: date, margin_months: int) -> tuple[date, str]:
    """Return the last day a document must cover, and how that day was found, for the clerk."""
    needed = add_months(return_day, margin_months)
    if margin_months == 0:
        return needed, f"{needed:%Y-%m-%d} or later (the return date)"
    return needed, f"{needed:%Y-%m-%d} or later (return date {return_day:%Y-%m-%d} + {margin_months} month(s))"


def check_dates(
    template: ContractTemplate,
    sources: ContractSources,
    validity_margin_months: Mapping[DocumentType, int] | None,
    licence_margin_months: int,
) -> list[FieldProblem]:
    """Return the date problems of a contract: order of pick-up and return, licence and document validity.

    ``validity_margin_months`` maps document kinds to their margin after the return
    date; a kind it lacks takes the default of
    :data:`kiosk.identity.verification.DEFAULT_VALIDITY_MARGIN_MONTHS`.
    """
    reservation, licence, identity = sources.reservation, sources.licence, sources.identity
    pickup_day, return_day = reservation.pickup_at.date(), reservation.return_at.date()
    problems = []

    if reservation.return_at <= reservation.pickup_at:
        name, label = _contract_field(template, "reservation.return_at")
        problems.append(
            FieldProblem(
                name,
                f"after {reservation.pickup_at:%Y-%m-%d %H:%M}",
                f"{reservation.return_at:%Y-%m-%d %H:%M}",
                "return is not after pick-up",
                label,
            )
        )

    if licence.valid_from > pickup_day:
        problems.append(
            FieldProblem(
                "licence.valid_from",
                f"{pickup_day:%Y-%m-%d} or earlier (the pick-up date)",
                f"{licence.valid_from:%Y-%m-%d}",
                "licence is not yet valid at pick-up",
                _LICENCE_VALIDITY,
            )
        )
    licence_needed, licence_expected = _needed_until(return_day, licence_margin_months)
    if licence.valid_to is not None and licence.valid_to < licence_needed:
        problems.append(
            FieldProblem(
                "licence.valid_to",
                licence_expected,
                f"{licence.valid_to:%Y-%m-%d}",
                "licence expires before the return date and its margin",
                _LICENCE_VALIDITY,
            )
        )

    if identity.valid_from > pickup_day:
        problems.append(
            FieldProblem(
                "identity.valid_from",
                f"{pickup_day:%Y-%m-%d} or earlier (the pick-up date)",
                f"{identity.valid_from:%Y-%m-%d}",
                "identity document is not yet valid at pick-up",
                _DOCUMENT_VALIDITY,
            )
        )
    margins = validity_margin_months or {}
    margin = margins.get(identity.document_type, DEFAULT_VALIDITY_MARGIN_MONTHS[identity.document_type])
    document_needed, document_expected = _needed_until(return_day, margin)
    if not identity.valid_through(document_needed):
        assert identity.valid_to is not None
        problems.append(
            FieldProblem(
                "identity.valid_to",
                document_expected,
                f"{identity.valid_to:%Y-%m-%d}",
                "identity document expires before the return date and its margin",
                _DOCUMENT_VALIDITY,
            )
        )
    return problems
