"""The contract check (合同查对): every field, date, amount and clause, before showing and before signing.

The check trusts neither the draft nor the quote in the sources. It reads every field
again from its source, prices the rental again from the price list (discount included)
and compares every amount to the fen. It checks that the dates fit together and lie
inside the validity of the licence and of the identity document, and that every clause
is the approved text, and that the contract fonts can print every character of it.
Each problem names the field, the expected value and the value found.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.checks import Check, Outcome
from kiosk.contracts.check_dates import check_dates
from kiosk.contracts.drafting import ContractDraft, ContractSources, value_has_type
from kiosk.contracts.fonts import FontChain, GlyphMissing, code_point, contract_fonts
from kiosk.contracts.formatting import format_value
from kiosk.contracts.pricing import PriceList, Quote, make_quote
from kiosk.contracts.field_problem import FieldProblem
from kiosk.contracts.template import ContractTemplate
from kiosk.identity.documents import DocumentType
from kiosk.messages import Message

__all__ = ["ContractCheckResult", "FieldProblem", "check_contract", "check_glyphs"]


@dataclass(frozen=True)
class ContractCheckResult:
    """Every problem found. ``glyphs_missing`` is set when the contract fonts cannot print a character."""

    problems: tuple[FieldProblem, ...]
    glyphs_missing: GlyphMissing | None = None

    @property
    def passed(self) -> bool:
        return not self.problems

    def describe_for_log(self) -> str:
        """List the fields and reasons without their values, which may be personal data."""
        return "; ".join(f"{problem.field}: {problem.reason}" for problem in self.problems)

    def to_check(self) -> Check:
        """Summarise as a :class:`Check` whose reason is for the customer.

        A failure names the characters that cannot be printed when there are any, because
        the clerk needs them to correct the name or address. Otherwise it names the first
        field with a problem, by its label.
        """
        details = {"problems": [problem.to_json() for problem in self.problems]}
        if self.passed:
            return Check(
                "contract_check",
                Outcome.PASS,
                Message("合同各项内容核对无误。", "Every field of the contract has been checked."),
                details,
            )
        if self.glyphs_missing is not None:
            return Check("contract_check", Outcome.REVIEW, self.glyphs_missing.message, details)
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


def _check_template(draft: ContractDraft, template: ContractTemplate) -> list[FieldProblem]:
    problems = []
    if template.approval is None:
        problems.append(
            FieldProblem(
                "template",
                "approved by headquarters",
                "not approved",
                "template was not loaded through its approval",
                Message("合同模板审批", "contract template approval"),
            )
        )
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
    return problems


def _price_again(sources: ContractSources, price_list: PriceList) -> tuple[Quote | None, list[FieldProblem]]:
    """Price the reservation from ``price_list``; returns no quote, with the problem, when it cannot."""
    reservation = sources.reservation
    problems = []
    if price_list.version != reservation.price_list_version:
        problems.append(
            FieldProblem(
                "price_list",
                reservation.price_list_version,
                price_list.version,
                "price list is not the reservation's",
                Message("价目表版本", "price list version"),
            )
        )
    try:
        quote = make_quote(
            price_list, reservation.vehicle.price_group, reservation.pickup_at, reservation.return_at, sources.customer_band
        )
    except (KeyError, ValueError) as error:
        problems.append(FieldProblem("quote", "a price for the reservation", "none", f"cannot price: {error}"))
        return None, problems
    return quote, problems


def _check_fields(
    draft: ContractDraft, template: ContractTemplate, sources: ContractSources, quote: Quote | None
) -> list[FieldProblem]:
    problems = []
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
            try:
                expected = sources.resolve(spec.source)
            except KeyError:
                problems.append(FieldProblem(spec.name, spec.source, "no such source", "source cannot be read", spec.label))
                continue
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
    return problems


def _check_parties(sources: ContractSources) -> list[FieldProblem]:
    """Check that the reservation and the licence belong to the person identified."""
    identity, reservation = sources.identity, sources.reservation
    label = Message("预订人", "reservation holder")
    problems = []
    if reservation.document_number != identity.number:
        problems.append(
            FieldProblem(
                "reservation.document_number", identity.number, reservation.document_number, "reservation is for another document", label
            )
        )
    if reservation.customer_name != identity.name:
        problems.append(
            FieldProblem("reservation.customer_name", identity.name, reservation.customer_name, "reservation is in another name", label)
        )
    if sources.licence.name != identity.name:
        problems.append(
            FieldProblem(
                "licence.name",
                identity.name,
                sources.licence.name,
                "licence holder is not the person identified",
                Message("驾驶证持有人", "licence holder"),
            )
        )
    if sources.licence != reservation.licence:
        problems.append(
            FieldProblem(
                "licence",
                reservation.licence.number,
                sources.licence.number,
                "licence is not the one on the reservation",
                Message("驾驶证", "driving licence"),
            )
        )
    return problems


def _check_clauses(draft: ContractDraft, template: ContractTemplate) -> list[FieldProblem]:
    problems = []
    found_clauses = {clause.clause_id: clause for clause in draft.clauses}
    for clause in template.clauses:
        name = f"clause {clause.clause_id}"
        found = found_clauses.get(clause.clause_id)
        if found is None:
            problems.append(FieldProblem(name, "present", "missing", "required clause is missing", clause.title))
            continue
        for part in ("title", "text"):
            for language in ("zh", "en"):
                expected_text = getattr(getattr(clause, part), language)
                found_text = getattr(getattr(found, part), language)
                if expected_text != found_text:
                    problems.append(
                        FieldProblem(name, expected_text, found_text, f"clause {part} ({language}) was altered", clause.title)
                    )
        if found.must_acknowledge != clause.must_acknowledge:
            problems.append(
                FieldProblem(
                    name,
                    str(clause.must_acknowledge).lower(),
                    str(found.must_acknowledge).lower(),
                    "clause's must_acknowledge flag was changed",
                    clause.title,
                )
            )

    for clause_id in sorted(set(found_clauses) - {clause.clause_id for clause in template.clauses}):
        problems.append(FieldProblem(f"clause {clause_id}", "absent", "present", "clause is not in the template"))

    expected_order = [clause.clause_id for clause in template.clauses]
    found_order = [clause.clause_id for clause in draft.clauses]
    if sorted(expected_order) == sorted(found_order) and expected_order != found_order:
        problems.append(FieldProblem("clauses", ", ".join(expected_order), ", ".join(found_order), "clauses are out of order"))
    return problems


def _printed_texts(
    draft: ContractDraft, template: ContractTemplate, sources: ContractSources
) -> list[tuple[str, str, Message | None, str]]:
    """List ``(field, place, label, text)`` for every text of the draft that the PDF prints.

    ``place`` is where :func:`kiosk.contracts.render.render_contract` prints the text, in
    the renderer's words. The fixed headings and notices of the renderer are left out
    because they never change with a contract, and the renderer checks them itself.
    """
    texts: list[tuple[str, str, Message | None, str]] = []
    for language in ("zh", "en"):
        texts.append(("template title", "title", None, getattr(template.title, language)))

    for spec in template.fields:
        place = f"field {spec.name}"
        texts.append((spec.name, place, spec.label, spec.label.zh))
        texts.append((spec.name, place, spec.label, spec.label.en))
        texts.append((spec.name, place, spec.label, format_value(draft.values.get(spec.name), spec.type)))

    for clause in draft.clauses:
        place = f"clause {clause.clause_id}"
        for part in (clause.title, clause.text):
            texts.append((place, place, clause.title, part.zh))
            texts.append((place, place, clause.title, part.en))

    branch = sources.branch
    texts.append(("branch", "signature block", None, f"{branch.company_zh} {branch.company_en}"))
    texts.append(("contract_number", "footer", None, f"{draft.contract_number} {template.template_id} v{template.version}"))
    return texts


def check_glyphs(
    draft: ContractDraft, template: ContractTemplate, sources: ContractSources, fonts: FontChain
) -> tuple[list[FieldProblem], GlyphMissing | None]:
    """Find the characters of the contract that no font of ``fonts`` has a glyph for.

    Returns one :class:`FieldProblem` for each character in each place, and a
    :class:`GlyphMissing` that names every character with its code point, or ``None``
    when every character can be printed.
    """
    problems: list[FieldProblem] = []
    places: dict[str, list[str]] = {}
    for field, place, label, text in _printed_texts(draft, template, sources):
        for character in fonts.missing(text):
            where = places.setdefault(character, [])
            if place in where:
                continue
            where.append(place)
            problems.append(
                FieldProblem(
                    field,
                    "characters the contract fonts can print",
                    code_point(character),
                    f"no contract font has a glyph for {code_point(character)}",
                    label,
                )
            )

    if not places:
        return problems, None
    return problems, GlyphMissing(places, fonts.paths)


def check_contract(
    draft: ContractDraft,
    template: ContractTemplate,
    sources: ContractSources,
    price_list: PriceList,
    validity_margin_months: Mapping[DocumentType, int] | None = None,
    licence_margin_months: int = 0,
    fonts: FontChain | None = None,
) -> ContractCheckResult:
    """Compare ``draft`` with its approved template, its sources and the price list; returns every problem found.

    ``validity_margin_months`` is how many months after the return date each kind of
    identity document must stay valid (missing kinds take
    :data:`kiosk.identity.verification.DEFAULT_VALIDITY_MARGIN_MONTHS`), and
    ``licence_margin_months`` the same for the driving licence. ``fonts`` is the font
    chain that will print the contract. The default is :func:`contract_fonts`, the
    chain the renderer uses, which is registered once per process. The check raises
    nothing for bad data: every difference becomes a :class:`FieldProblem`. Without a
    CJK font, :func:`contract_fonts` raises :class:`kiosk.errors.FontMissing`.
    """
    problems = _check_template(draft, template)

    quote, pricing_problems = _price_again(sources, price_list)
    problems += pricing_problems
    problems += _check_fields(draft, template, sources, quote)
    problems += _check_parties(sources)
    problems += check_dates(template, sources, validity_margin_months, licence_margin_months)
    problems += _check_clauses(draft, template)

    glyph_problems, glyphs_missing = check_glyphs(draft, template, sources, fonts or contract_fonts())
    problems += glyph_problems
    return ContractCheckResult(tuple(problems), glyphs_missing)
