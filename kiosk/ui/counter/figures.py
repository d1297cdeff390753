"""The figures column of the clerk's checks table: each check's scores, thresholds and dates as a translated line.

Every check kind that a rental session records has its own line, built from the
``details`` its producer writes (kiosk/identity, kiosk/session, kiosk/contracts). A
detail that no line covers is shown by :func:`describe_details`, in words and never as
a Python value.
"""

from collections.abc import Callable, Iterable, Mapping

from kiosk.checks import Check
from kiosk.identity.documents import DocumentType
from kiosk.identity.liveness import LivenessAttempts
from kiosk.messages import Message
from kiosk.ui import strings

# Parts of one line are joined by these, in each language.
_SEPARATOR = Message("；", "; ")
_LIST_SEPARATOR = Message("、", ", ")
# Keys that other columns already show, or that only the stored record needs.
_NOT_SHOWN = frozenset({"clerk_reason", "clerk_reasons", "frames"})
_DETAILS_SHOWN_BY_KIND = {
    "face_match": {"distance", "threshold"},
    "face_duplicate": {"templates", "threshold", "duplicates"},
    "document_number": {"number", "document_type", "warnings"},
    "document_validity": {"valid_to", "return_date", "margin_months", "needed_until"},
    "customer_age": {"age", "minimum_age"},
    "licence_class": {"licence_class", "vehicle_class"},
    "licence_validity": {"valid_from", "valid_to", "return_date", "in_probation"},
    "licence_probation": {"first_issue_date", "in_probation", "policy"},
    "liveness": {"challenge", "cues", "attempt", "failures", "max_attempts", "attempt_outcomes"},
    "risk": {"decision", "band", "score", "conditions", "rules", "config_version"},
    "national_id": {"outcome", "photo_checked", "approved_offline", "detail", "document_type"},
    "contract_check": {"problems"},
    "id_consent": {"reason"},
    "face_consent": {"reason"},
}
_OVERRIDE_KEYS = {"overridden_outcome", "overridden_by"}


def _join(parts: Iterable[Message], separator: Message = _SEPARATOR) -> Message:
    parts = [part for part in parts if part.zh or part.en]
    return Message(separator.zh.join(part.zh for part in parts), separator.en.join(part.en for part in parts))


def _word(prefix: str, value: object) -> Message:
    """Return the catalogue word ``prefix + value`` (``prefix`` ends with a dot), or the value itself when the catalogue has none (a name set by HQ)."""
    key = f"{prefix}{value}"
    if strings.has(key):
        return strings.message(key)
    text = str(value)
    return Message(text, text)


def describe_value(value: object) -> Message:
    """Return ``value`` in words: yes or no for a boolean, "none" for ``None``, lists joined, numbers as written."""
    if value is None:
        return strings.message("counter.figure.none")
    if isinstance(value, bool):
        return strings.message("counter.figure.yes" if value else "counter.figure.no")
    if isinstance(value, float):
        text = f"{value:.4g}"
        return Message(text, text)
    if isinstance(value, (list, tuple)):
        if not value:
            return strings.message("counter.figure.none")
        return _join((describe_value(item) for item in value), _LIST_SEPARATOR)
    if isinstance(value, Mapping):
        return _join(_join((Message(str(name), str(name)), describe_value(item)), Message("：", ": ")) for name, item in value.items())
    text = str(value)
    return Message(text, text)


def describe_details(details: Mapping[str, object]) -> Message:
    """Return ``details`` as "name: value" parts, with spaces for the underscores of names and values in words."""
    parts = []
    for name, value in details.items():
        label = name.replace("_", " ")
        parts.append(_join((Message(label, label), describe_value(value)), Message("：", ": ")))
    return _join(parts)


def _date(value: object) -> Message:
    if value == "long-term":
        return strings.message("counter.figure.long_term")
    return describe_value(value)


def _document_number(details: Mapping) -> Message:
    kind = details.get("document_type")
    label = DocumentType(kind).label if kind in {member.value for member in DocumentType} else describe_value(kind)
    line = _format("counter.figure.document_number", document_type=label, number=describe_value(details.get("number")))
    warnings = details.get("warnings") or []
    if not warnings:
        return line
    return _join((line, strings.message("counter.figure.document_warnings").format(count=len(warnings))))


def _document_validity(details: Mapping) -> Message:
    return _format(
        "counter.figure.document_validity",
        valid_to=_date(details.get("valid_to")),
        return_date=_date(details.get("return_date")),
        needed_until=_date(details.get("needed_until")),
        margin_months=describe_value(details.get("margin_months")),
    )


def _customer_age(details: Mapping) -> Message:
    return _format("counter.figure.customer_age", age=describe_value(details.get("age")), minimum_age=describe_value(details.get("minimum_age")))


def _licence_class(details: Mapping) -> Message:
    licence_class = describe_value(details.get("licence_class"))
    if "vehicle_class" not in details:
        return _format("counter.figure.licence_class_only", licence_class=licence_class)
    return _format("counter.figure.licence_class", licence_class=licence_class, vehicle_class=describe_value(details["vehicle_class"]))


def _licence_validity(details: Mapping) -> Message:
    # The probationary year has its own row, so its flag is not repeated here.
    return _format(
        "counter.figure.licence_validity",
        valid_from=_date(details.get("valid_from")),
        valid_to=_date(details.get("valid_to")),
        return_date=_date(details.get("return_date")),
    )


def _licence_probation(details: Mapping) -> Message:
    return _format(
        "counter.figure.licence_probation",
        first_issue_date=_date(details.get("first_issue_date")),
        in_probation=describe_value(details.get("in_probation")),
        policy=_word("counter.figure.policy.", details.get("policy")),
    )


def _face_match(details: Mapping) -> Message:
    return _format("counter.figure.face_match", distance=describe_value(details.get("distance")), threshold=describe_value(details.get("threshold")))


def _face_duplicate(details: Mapping) -> Message:
    duplicates = details.get("duplicates") or []
    threshold = describe_value(details.get("threshold"))
    if not duplicates:
        return _format("counter.figure.face_duplicate_none", templates=describe_value(details.get("templates")), threshold=threshold)
    closest = min(duplicate.get("distance") for duplicate in duplicates)
    return _format("counter.figure.face_duplicate", count=describe_value(len(duplicates)), distance=describe_value(closest), threshold=threshold)


def describe_liveness(details: Mapping) -> Message:
    """Return a liveness attempt's line: the attempt count with its maximum, the challenge and each cue's outcome."""
    parts = []
    if "attempt" in details and "max_attempts" in details:
        parts.append(_format("counter.figure.liveness_attempt", attempt=describe_value(details["attempt"]), max_attempts=describe_value(details["max_attempts"])))
    if "challenge" in details:
        parts.append(_format("counter.figure.liveness_challenge", challenge=_word("counter.figure.challenge.", details["challenge"])))
    cues = details.get("cues") or {}
    cue_parts = []
    for name, outcome in cues.items():
        cue_parts.append(_join((_word("counter.figure.cue.", name), _word("check.outcome.", outcome)), Message(" ", " ")))
    if cue_parts:
        parts.append(_join(cue_parts, _LIST_SEPARATOR))
    elif "challenge" in details:
        parts.append(strings.message("counter.figure.liveness_not_judged"))
    return _join(parts)


def _risk(details: Mapping) -> Message:
    score = details.get("score")
    return _format(
        "counter.figure.risk",
        decision=_word("counter.figure.decision.", details.get("decision")),
        score=strings.message("counter.figure.no_score") if score is None else describe_value(score),
        band=_word("counter.figure.band.", details.get("band")),
        conditions=_words("counter.figure.condition.", details.get("conditions")),
        rules=_words("counter.figure.rule.", details.get("rules")),
        config_version=describe_value(details.get("config_version")),
    )


def _national_id(details: Mapping) -> Message:
    outcome = details.get("outcome")
    if outcome is None:
        return strings.message("counter.figure.national_id.not_applicable")
    parts = [_word("counter.figure.national_id.", outcome)]
    if details.get("photo_checked"):
        parts.append(strings.message("counter.figure.national_id.photo_checked"))
    if details.get("approved_offline"):
        parts.append(strings.message("counter.figure.national_id.approved_offline"))
    return _join(parts)


def _contract_check(details: Mapping) -> Message:
    problems = details.get("problems") or []
    if not problems:
        return strings.message("counter.figure.contract_ok")
    return _join(
        strings.message("counter.figure.contract_problem").format(field=problem.get("field", ""), expected=problem.get("expected", ""), found=problem.get("found", ""))
        for problem in problems
    )


def _declined(details: Mapping) -> Message:
    return strings.message("counter.figure.declined")


_DESCRIBERS: dict[str, Callable[[Mapping], Message]] = {
    "document_number": _document_number,
    "document_validity": _document_validity,
    "customer_age": _customer_age,
    "licence_class": _licence_class,
    "licence_validity": _licence_validity,
    "licence_probation": _licence_probation,
    "liveness": describe_liveness,
    "face_match": _face_match,
    "face_duplicate": _face_duplicate,
    "risk": _risk,
    "national_id": _national_id,
    "contract_check": _contract_check,
    "id_consent": _declined,
    "face_consent": _declined,
}


def describe_figures(check: Check) -> Message:
    """Return the check's scores, thresholds and dates as the clerk reads them, in both languages.

    A check without details (the licence holder, liveness switched off) has an empty
    line. Details of a known kind that its line does not cover, and every detail of an
    unknown kind, follow as "name: value" parts. For an overridden check the line ends
    with the original outcome and the supervisor who approved.
    """
    details = check.details
    describer = _DESCRIBERS.get(check.name)
    parts = [describer(details)] if describer is not None and details else []
    covered = _DETAILS_SHOWN_BY_KIND.get(check.name, set()) if describer is not None else set()
    rest = {name: value for name, value in details.items() if name not in covered | _NOT_SHOWN | _OVERRIDE_KEYS}
    if rest:
        parts.append(describe_details(rest))
    if "overridden_by" in details:
        parts.append(
            _format(
                "counter.figure.overridden",
                outcome=_word("check.outcome.", details.get("overridden_outcome")),
                supervisor=describe_value(details["overridden_by"]),
            )
        )
    return _join(parts)


def liveness_in_progress(checks: Iterable[Check], attempts: LivenessAttempts) -> Check | None:
    """Return a row for the liveness attempt still in progress, or ``None`` when there is none to show.

    The session records the liveness check only when an attempt passes or the last one
    fails. Before that the clerk sees the last attempt's outcome and reason, and the
    attempt count against ``attempts.max_attempts``, from here.
    """
    if not attempts.results or any(check.name == "liveness" for check in checks):
        return None
    last = attempts.results[-1]
    details = dict(last.to_check().details, attempt=len(attempts.results), max_attempts=attempts.max_attempts)
    return Check("liveness", last.outcome, last.reason, details)


def _words(prefix: str, values: object) -> Message:
    if not values:
        return strings.message("counter.figure.none")
    return _join((_word(prefix, value) for value in values), _LIST_SEPARATOR)


def _format(key: str, **values: Message) -> Message:
    """Fill the catalogue line ``key`` with each value in the line's own language."""
    line = strings.message(key)
    return Message(line.zh.format(**{name: value.zh for name, value in values.items()}), line.en.format(**{name: value.en for name, value in values.items()}))
