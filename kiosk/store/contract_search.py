"""Finding signed contracts in the branch archive by ID number, phone or contract number.

A full ID number is looked up through the store's keyed hash. A masked number such as
``110105********002X`` (or ``110105*002X``, ``*002X``) matches on the parts a masked
number shows: at most the first six and the last four characters, so that a search
never reveals the hidden digits. Results show masked numbers only. Every search is
audited with what it searched by and how many contracts it found, never the query.
"""

import enum
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from kiosk.errors import CounterSignError
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import append_audit
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)

SEARCH_PURPOSE = "contract archive search"
MASKED_PREFIX_MAX = 6
MASKED_SUFFIX_MAX = 4
PHONE_MIN_DIGITS = 7
CONTRACT_PREFIX_MIN = 4
RESULT_LIMIT = 100

_FULL_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_MASKED = re.compile(r"([0-9]{0,6})\*+([0-9]{0,3}[0-9X]?)")


class SearchBy(enum.Enum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    CONTRACT_NO = "contract_no"


class SearchQueryInvalid(CounterSignError):
    message = Message(
        "查询条件无效：身份证号请输入完整号码，或如 110105********002X 的打码号码（最多前 6 位和后 4 位）；"
        "手机号至少 7 位数字；合同编号至少 4 个字符。",
        "The search is not valid: give a full ID number or a masked one such as 110105********002X "
        "(at most the first 6 and last 4 characters), a phone number of at least 7 digits, "
        "or at least 4 characters of a contract number.",
    )


# The form a query of each kind must have, shown to a clerk whose query does not have it.
_ID_NUMBER_FORM = Message(
    "身份证号请输入完整号码，或如 110105********002X 的打码号码（最多前 6 位和后 4 位）。",
    "Give a full ID number or a masked one such as 110105********002X (at most the first 6 and last 4 characters).",
)
_PHONE_FORM = Message(
    f"手机号请至少输入 {PHONE_MIN_DIGITS} 位数字。", f"Give at least {PHONE_MIN_DIGITS} digits of the phone number."
)
_CONTRACT_FORM = Message(
    f"合同编号请至少输入前 {CONTRACT_PREFIX_MIN} 个字符，不含 % 或 _。",
    f"Give at least the first {CONTRACT_PREFIX_MIN} characters of the contract number, without % or _.",
)


@dataclass(frozen=True)
class ContractHit:
    """A contract found: its number, its customer's id and masked number, and when it was signed."""

    contract_no: str
    customer_id: int
    masked_number: str
    reservation_no: str
    signed_at: datetime


_SELECT = (
    "SELECT k.contract_no, k.customer_id, c.document_number, k.reservation_no, k.signed_at "
    "FROM contracts k JOIN customers c USING (customer_id) "
)


def _id_number_clause(store: RentalStore, query: str) -> tuple[str, tuple]:
    number = query.replace(" ", "").upper()
    if _FULL_NUMBER.fullmatch(number):
        return "WHERE c.document_index = ?", (store.document_index(number),)
    match = _MASKED.fullmatch(number)
    if match is None or not (match[1] or match[2]):
        raise SearchQueryInvalid(f"masked ID number search {mask_id_number(number)!r} has the wrong form", _ID_NUMBER_FORM)
    prefix, suffix = match[1], match[2]
    clauses, values = [], []
    if prefix:
        clauses.append("substr(c.document_number, 1, ?) = ?")
        values += [len(prefix), prefix]
    if suffix:
        clauses.append("substr(c.document_number, ?) = ?")
        values += [-len(suffix), suffix]
    return "WHERE " + " AND ".join(clauses), tuple(values)


def _phone_clause(query: str) -> tuple[str, tuple]:
    digits = re.sub(r"[^0-9]", "", query)
    if len(digits) < PHONE_MIN_DIGITS:
        raise SearchQueryInvalid(f"phone search has {len(digits)} digits, fewer than {PHONE_MIN_DIGITS}", _PHONE_FORM)
    return "WHERE replace(replace(replace(c.phone, ' ', ''), '-', ''), '+', '') LIKE '%' || ?", (digits,)


def _contract_clause(query: str) -> tuple[str, tuple]:
    prefix = query.strip().upper()
    if len(prefix) < CONTRACT_PREFIX_MIN or "%" in prefix or "_" in prefix:
        raise SearchQueryInvalid(f"contract number search {prefix!r} is too short or contains a wildcard", _CONTRACT_FORM)
    return "WHERE upper(k.contract_no) LIKE ? || '%'", (prefix,)


def search_contracts(store: RentalStore, actor: Actor, by: SearchBy, query: str, at: datetime) -> list[ContractHit]:
    """Return up to RESULT_LIMIT contracts matching ``query``, newest first, and audit the search.

    ``actor`` needs READ_PERSONAL_DATA. Raises :class:`SearchQueryInvalid` for a query
    of the wrong form and :class:`~kiosk.store.accounts.AccessDenied`.
    """
    database = store.database
    if by is SearchBy.ID_NUMBER:
        where, values = _id_number_clause(store, query)
    elif by is SearchBy.PHONE:
        where, values = _phone_clause(query)
    else:
        where, values = _contract_clause(query)
    require_permission(database, actor, Permission.READ_PERSONAL_DATA, at, "contract_archive")

    with database.transaction() as connection:
        rows = connection.execute(
            _SELECT + where + " ORDER BY julianday(k.signed_at) DESC LIMIT ?", (*values, RESULT_LIMIT)
        ).fetchall()
        append_audit(
            connection, at, actor.account_id, actor.role.value, "search_contracts", "contract_archive", SEARCH_PURPOSE,
            details={"by": by.value, "results": len(rows)},
        )
    log.info("account %s searched the contract archive by %s: %d found", actor.account_id, by.value, len(rows))
    return [
        ContractHit(contract_no, customer_id, mask_id_number(number), reservation_no, datetime.fromisoformat(signed_at))
        for contract_no, customer_id, number, reservation_no, signed_at in rows
    ]
