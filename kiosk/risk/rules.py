"""The risk rules: each looks at what the branch knows of one rental and fires a warning, or not.

Every rule reads only :class:`RiskInputs`, which the caller fills from the session and
the branch's cache, so the rules decide offline and can be replayed at HQ on past data.
A fired rule is a :class:`Warning` with the configured severity and action, a reason
for the clerk, and a reason for the customer when the law lets the customer see it.
Signals of fraud (a face under two identities, a phone shared by many, several
branches within hours) are not spelled out to the customer, who is told that staff
need to check some details.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.messages import Message
from kiosk.risk.config import Action, RiskConfig, Severity

STAFF_CHECK = Message("需要工作人员核实部分信息，请稍候。", "Staff need to check some details. Please wait a moment.")


@dataclass(frozen=True)
class BlacklistEntry:
    """One entry as cached at the branch; it applies from ``starts_on`` until the day before ``expires_on``."""

    key: str
    reason: Message
    source: str
    starts_on: date
    expires_on: date | None  # None: until HQ removes it
    appeal: str = ""  # the appeal's state at HQ, if one was made

    def applies_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.expires_on is None or day < self.expires_on)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "reason": self.reason.to_json(),
            "source": self.source,
            "starts_on": self.starts_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "appeal": self.appeal,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "BlacklistEntry":
        reason = value.get("reason")
        message = Message(**reason) if isinstance(reason, dict) else Message(str(reason or "—"), str(reason or "—"))
        return cls(
            key=str(value.get("key", "")),
            reason=message,
            source=str(value.get("source", "")),
            starts_on=date.fromisoformat(value["starts_on"]),
            expires_on=date.fromisoformat(value["expires_on"]) if value.get("expires_on") else None,
            appeal=str(value.get("appeal", "")),
        )


@dataclass(frozen=True)
class BranchVisit:
    """A rental or verification of the same document at a branch, from HQ's activity feed."""

    branch_id: str
    at: datetime


@dataclass(frozen=True)
class RiskInputs:
    """Everything the rules look at for one rental; no full document number, no face."""

    now: datetime
    branch_id: str
    masked_number: str
    document_valid_to: date | None
    licence_valid_to: date | None
    licence_in_probation: bool
    pickup_at: datetime
    return_at: datetime
    vehicle_price_group: str
    completed_rentals: int | None  # None: no history known
    blacklist: tuple[BlacklistEntry, ...] = ()
    duplicate_faces: tuple[str, ...] = ()  # masked numbers of the other identities with this face
    visits: tuple[BranchVisit, ...] = ()
    phone_identities: int = 1  # identities, this one included, that gave the same phone number
    national_id_rejections: tuple[str, ...] = ()  # earlier offline approvals that HQ's re-check rejected

    def to_json(self) -> dict[str, Any]:
        """Return the inputs as kept in the decision record, so that HQ can replay the rules on them."""
        return {
            "now": self.now.isoformat(),
            "branch_id": self.branch_id,
            "masked_number": self.masked_number,
            "document_valid_to": self.document_valid_to.isoformat() if self.document_valid_to else None,
            "licence_valid_to": self.licence_valid_to.isoformat() if self.licence_valid_to else None,
            "licence_in_probation": self.licence_in_probation,
            "pickup_at": self.pickup_at.isoformat(),
            "return_at": self.return_at.isoformat(),
            "vehicle_price_group": self.vehicle_price_group,
            "completed_rentals": self.completed_rentals,
            "blacklist": [entry.to_json() for entry in self.blacklist],
            "duplicate_faces": list(self.duplicate_faces),
            "visits": [{"branch_id": visit.branch_id, "at": visit.at.isoformat()} for visit in self.visits],
            "phone_identities": self.phone_identities,
            "national_id_rejections": list(self.national_id_rejections),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "RiskInputs":
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return cls(
            now=datetime.fromisoformat(value["now"]),
            branch_id=value["branch_id"],
            masked_number=value["masked_number"],
            document_valid_to=day(value["document_valid_to"]),
            licence_valid_to=day(value["licence_valid_to"]),
            licence_in_probation=bool(value["licence_in_probation"]),
            pickup_at=datetime.fromisoformat(value["pickup_at"]),
            return_at=datetime.fromisoformat(value["return_at"]),
            vehicle_price_group=value["vehicle_price_group"],
            completed_rentals=value["completed_rentals"],
            blacklist=tuple(BlacklistEntry.from_json(entry) for entry in value["blacklist"]),
            duplicate_faces=tuple(value["duplicate_faces"]),
            visits=tuple(BranchVisit(visit["branch_id"], datetime.fromisoformat(visit["at"])) for visit in value["visits"]),
            phone_identities=int(value["phone_identities"]),
            national_id_rejections=tuple(value["national_id_rejections"]),
        )


@dataclass(frozen=True)
class Warning:
    """A fired rule: what it found, how serious, what it requires and who may read what."""

    rule: str
    severity: Severity
    action: Action
    clerk_reason: Message
    customer_reason: Message | None  # None: the customer is told only that staff need to check
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "action": self.action.value,
            "reason": self.clerk_reason.to_json(),
            "customer_reason": (self.customer_reason or STAFF_CHECK).to_json(),
            "details": self.details,
        }


def _warning(config: RiskConfig, rule: str, clerk: Message, customer: Message | None, **details: Any) -> Warning:
    settings = config.rule(rule)
    return Warning(rule, settings.severity, settings.action, clerk, customer, details)


def blacklisted(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    today = inputs.now.date()
    active = [entry for entry in inputs.blacklist if entry.applies_on(today)]
    if not active:
        return None
    entry = active[0]
    until = entry.expires_on.isoformat() if entry.expires_on else "—"
    return _warning(
        config,
        "blacklist",
        Message(
            f"黑名单：{entry.reason.zh}（来源 {entry.source}，{entry.starts_on} 至 {until}）",
            f"Blacklisted: {entry.reason.en} (source {entry.source}, {entry.starts_on} to {until})",
        ),
        Message(
            f"您目前无法租车，原因：{entry.reason.zh}。如有异议，可向客服提出申诉。",
            f"You cannot rent at present. Reason: {entry.reason.en}. You may appeal through customer service.",
        ),
        entries=[e.key for e in active],
        expires_on=entry.expires_on.isoformat() if entry.expires_on else None,
    )


def duplicate_face(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    if not inputs.duplicate_faces:
        return None
    others = "、".join(inputs.duplicate_faces)
    return _warning(
        config,
        "duplicate_face",
        Message(f"同一张脸曾以其他身份出现：{others}", f"The same face was seen under another identity: {', '.join(inputs.duplicate_faces)}"),
        None,
        other_identities=list(inputs.duplicate_faces),
    )


def several_branches(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    settings = config.rule("several_branches")
    window = timedelta(hours=float(settings.parameters.get("window_hours", 6)))
    recent = {visit.branch_id for visit in inputs.visits if abs(inputs.now - visit.at) <= window and visit.branch_id != inputs.branch_id}
    if len(recent) + 1 < int(settings.parameters.get("minimum_branches", 2)):
        return None
    return _warning(
        config,
        "several_branches",
        Message(
            f"该证件在 {window.total_seconds() / 3600:.0f} 小时内于其他门店使用：{', '.join(sorted(recent))}",
            f"This document was used at other branches within {window.total_seconds() / 3600:.0f} hours: {', '.join(sorted(recent))}",
        ),
        None,
        branches=sorted(recent),
    )


def document_expires(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    valid_to = inputs.document_valid_to
    if valid_to is None or valid_to >= inputs.return_at.date():
        return None
    return _warning(
        config,
        "document_expires_during_rental",
        Message(f"证件于 {valid_to} 到期，早于还车日 {inputs.return_at.date()}", f"The document expires on {valid_to}, before the return on {inputs.return_at.date()}"),
        Message(f"您的证件将于 {valid_to} 到期，早于还车日期。", f"Your document expires on {valid_to}, before the return date."),
        valid_to=valid_to.isoformat(),
    )


def licence_expires(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    valid_to = inputs.licence_valid_to
    if valid_to is None or valid_to >= inputs.return_at.date():
        return None
    return _warning(
        config,
        "licence_expires_during_rental",
        Message(f"驾驶证于 {valid_to} 到期，早于还车日 {inputs.return_at.date()}", f"The licence expires on {valid_to}, before the return on {inputs.return_at.date()}"),
        Message(f"您的驾驶证将于 {valid_to} 到期，早于还车日期。", f"Your driving licence expires on {valid_to}, before the return date."),
        valid_to=valid_to.isoformat(),
    )


def probation_restricted(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    groups = set(config.rule("probation_restricted_vehicle").parameters.get("price_groups", []))
    if not inputs.licence_in_probation or inputs.vehicle_price_group not in groups:
        return None
    return _warning(
        config,
        "probation_restricted_vehicle",
        Message(f"实习期驾驶人预订了本店限制的车型（{inputs.vehicle_price_group}）", f"A probationary driver booked a restricted vehicle group ({inputs.vehicle_price_group})"),
        Message("实习期内的驾驶人不能租用该车型，请到柜台更换车型。", "Drivers in their probationary year cannot rent this vehicle group. Please change it at the counter."),
        price_group=inputs.vehicle_price_group,
    )


def first_high_value(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    groups = set(config.rule("first_high_value_rental").parameters.get("price_groups", []))
    if inputs.vehicle_price_group not in groups or (inputs.completed_rentals or 0) > 0:
        return None
    return _warning(
        config,
        "first_high_value_rental",
        Message(f"首次租车即租用高价值车型（{inputs.vehicle_price_group}）", f"First rental, of a high-value vehicle ({inputs.vehicle_price_group})"),
        Message("首次租用该车型需要主管确认。", "A first rental of this vehicle group needs a supervisor's approval."),
        price_group=inputs.vehicle_price_group,
    )


def shared_phone(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    minimum = int(config.rule("shared_phone").parameters.get("minimum_identities", 3))
    if inputs.phone_identities < minimum:
        return None
    return _warning(
        config,
        "shared_phone",
        Message(f"该手机号被 {inputs.phone_identities} 个身份使用", f"This phone number was given by {inputs.phone_identities} identities"),
        None,
        identities=inputs.phone_identities,
    )


def national_id_rejected(inputs: RiskInputs, config: RiskConfig) -> Warning | None:
    if not inputs.national_id_rejections:
        return None
    return _warning(
        config,
        "national_id_rejected",
        Message(
            f"此前的离线核验被全国身份核查否定（{len(inputs.national_id_rejections)} 次）",
            f"An earlier offline approval was rejected by the national ID check ({len(inputs.national_id_rejections)} time(s))",
        ),
        Message("您的身份信息需要核实，请到柜台办理。", "Your identity needs to be checked. Please go to the counter."),
        verifications=list(inputs.national_id_rejections),
    )


RULES = (
    blacklisted,
    national_id_rejected,
    duplicate_face,
    several_branches,
    document_expires,
    licence_expires,
    probation_restricted,
    first_high_value,
    shared_phone,
)


def fire_rules(inputs: RiskInputs, config: RiskConfig) -> list[Warning]:
    """Run every rule and return the warnings that fired, in the order of :data:`RULES`."""
    return [warning for rule in RULES if (warning := rule(inputs, config)) is not None]
