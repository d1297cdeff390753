"""The contract check (合同查对): every field against its source, before the customer sees it.

The check does not trust the quote in the sources: it prices the rental again from the
price list and compares every amount to the fen. Each problem names the field, the
expected value and the value found.
"""

from dataclasses import dataclass
from typing import Any

from kiosk.checks import Check, Outcome
from kiosk.contracts.drafting import ContractDraft, ContractSources, value_has_type
from kiosk.contracts.formatting import format_value
from kiosk.contracts.pricing import PriceList, make_quote
from kiosk.contracts.template import ContractTemplate
from kiosk.messages import Message


@dataclass(frozen=True)
class FieldProblem:
    """One difference between a contract and its sources.

    ``expected`` and ``found`` are the values as printed, which may include an ID
    number: they are for the clerk's screen, never for the log.
    """

    field: str
    expected: str
    found: str
    reason: str
    label: Message | None = None

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "expected": self.expected, "found": self.found, "reason": self.reason}


@dataclass(frozen=True)
class ContractCheckResult:
    problems: tuple[FieldProblem, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    def describe_for_log(self) -> str:
        """List the fields and reasons without their values, which may be personal data."""
        return "; ".join(f"{problem.field}: {problem.reason}" for problem in self.problems)

    def to_check(self) -> Check:
        """Summarise as a :class:`Check`; a failure names the first field, by its label, for the customer."""
        details = {"problems": [problem.to_json() for problem in self.problems]}
        if self.passed:
            return Check(
                "contract_check",
                Outcome.PASS,
                Message("合同各项内容核对无误。", "Every field of the contract has been checked."),
                details,
            )
        first = self.problems[0]
        label = first.label or Message(first.field, first.field)
        return Check(
            "contract_check",
            Outcome.REVIEW,
            Message(
                f"合同内容核对未通过（{label.zh}），请工作人员处理。",
                f"The contract check failed on {label.en}; a member of staff will help you.",
            ),
            details,
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_contract(
    draft: ContractDraft,
    template: ContractTemplate,
    sources: ContractSources,
    price_list: PriceList,
) -> ContractCheckResult:
    """Compare ``draft`` with its template and sources; returns every problem found."""
    problems: list[FieldProblem] = []

    if (draft.template_id, draft.template_version, draft.template_sha256) != (
        template.template_id,
        template.version,
        template.sha256,
    ):
        problems.append(
            FieldProblem(
                "template",
                f"{template.template_id} v{template.version} {template.sha256[:12]}",
                f"{draft.template_id} v{draft.template_version} {draft.template_sha256[:12]}",
                "draft was made from another template version",
            )
        )

    reservation = sources.reservation
    try:
        quote = make_quote(price_list, reservation.vehicle.price_group, reservation.pickup_at, reservation.return_at)
    except (KeyError, ValueError) as error:
        quote = None
        problems.append(FieldProblem("quote", "a price for the reservation", "none", f"cannot price: {error}"))

    for spec in template.fields:
        found = draft.values.get(spec.name)
        if spec.name not in draft.values or (spec.required and _blank(found)):
            problems.append(FieldProblem(spec.name, "a value", "blank", "required field is blank", spec.label))
            continue
        if found is not None and not value_has_type(found, spec.type):
            problems.append(
                FieldProblem(spec.name, spec.type, type(found).__name__, "value has the wrong type", spec.label)
            )
            continue

        namespace, _, attribute = spec.source.partition(".")
        if namespace == "quote":
            if quote is None:
                continue
            expected = getattr(quote, attribute)
        else:
            expected = sources.resolve(spec.source)
        if found != expected:
            problems.append(
                FieldProblem(
                    spec.name,
                    format_value(expected, spec.type),
                    format_value(found, spec.type),
                    f"differs from {spec.source}",
                    spec.label,
                )
            )

    for name in sorted(set(draft.values) - {spec.name for spec in template.fields}):
        problems.append(FieldProblem(name, "no such field", str(draft.values[name]), "field is not in the template"))

    if reservation.return_at <= reservation.pickup_at:
        problems.append(
            FieldProblem("return_at", f"after {reservation.pickup_at:%Y-%m-%d %H:%M}", f"{reservation.return_at:%Y-%m-%d %H:%M}", "return is not after pick-up")
        )

    expected_clauses = {clause.clause_id: clause.digest for clause in template.clauses}
    found_clauses = {clause.clause_id: clause.digest for clause in draft.clauses}
    for clause_id, digest in expected_clauses.items():
        if clause_id not in found_clauses:
            problems.append(FieldProblem(f"clause {clause_id}", "present", "missing", "required clause is missing"))
        elif found_clauses[clause_id] != digest:
            problems.append(
                FieldProblem(f"clause {clause_id}", digest[:12], found_clauses[clause_id][:12], "clause text was altered")
            )
    for clause_id in sorted(set(found_clauses) - set(expected_clauses)):
        problems.append(FieldProblem(f"clause {clause_id}", "absent", "present", "clause is not in the template"))

    return ContractCheckResult(tuple(problems))
