"""Reading a customer's personal data for a signed-in person, each read audited with its purpose.

Screens and tools that show a customer's profile or contract to staff read it here,
so that every such read is in the audit log with who read it and why. The read and
its audit entry are written in one transaction: there is no read without an entry.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from kiosk.errors import CounterSignError
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import append_audit
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)


class RecordNotFound(CounterSignError):
    message = Message("没有找到该记录。", "The record was not found.")


class PurposeMissing(CounterSignError):
    message = Message("请说明查看客户信息的目的。", "Please state why you need the customer's data.")


@dataclass(frozen=True)
class CustomerProfile:
    """The customer row as stored: identity fields, phone and when the branch saw them."""

    customer_id: int
    document_type: str
    document_number: str
    name: str
    sex: str
    birth_date: str
    address: str
    phone: str
    first_seen_at: str
    last_seen_at: str

    @property
    def masked_number(self) -> str:
        return mask_id_number(self.document_number)

    def to_json(self) -> dict:
        return dict(self.__dict__)


CUSTOMER_COLUMNS = (
    "customer_id, document_type, document_number, name, sex, birth_date, address, phone, first_seen_at, last_seen_at"
)


class PersonalDataAccess:
    """The audited way in to customers' personal data; callers need READ_PERSONAL_DATA."""

    def __init__(self, store: RentalStore) -> None:
        self.store = store
        self.database = store.database

    def customer_profile(self, actor: Actor, customer_id: int, purpose: str, at: datetime) -> CustomerProfile:
        """Return one customer's profile and audit the read.

        Raises :class:`PurposeMissing`, :class:`~kiosk.store.accounts.AccessDenied` or
        :class:`RecordNotFound`.
        """
        subject = f"customer:{customer_id}"
        self._check(actor, purpose, at, subject)
        with self.database.transaction() as connection:
            row = connection.execute(f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE customer_id = ?", (customer_id,)).fetchone()
            if row is None:
                raise RecordNotFound(f"no customer {customer_id}")
            append_audit(connection, at, actor.account_id, actor.role.value, "read_customer_profile", subject, purpose.strip())
        log.info("account %s read the profile of customer %d", actor.account_id, customer_id)
        return CustomerProfile(*row)

    def contract_pdf(self, actor: Actor, contract_no: str, purpose: str, at: datetime) -> bytes:
        """Return a signed contract's PDF and audit the read; raises as :meth:`customer_profile`."""
        subject = f"contract:{contract_no}"
        self._check(actor, purpose, at, subject)
        with self.database.transaction() as connection:
            row = connection.execute("SELECT pdf FROM contracts WHERE contract_no = ?", (contract_no,)).fetchone()
            if row is None:
                raise RecordNotFound(f"no contract {contract_no}")
            append_audit(connection, at, actor.account_id, actor.role.value, "read_contract_pdf", subject, purpose.strip())
        log.info("account %s read the PDF of contract %s", actor.account_id, contract_no)
        return bytes(row[0])

    def _check(self, actor: Actor, purpose: str, at: datetime, subject: str) -> None:
        self.database.owner.check()
        if not purpose.strip():
            raise PurposeMissing(f"a read of {subject} needs a purpose")
        require_permission(self.database, actor, Permission.READ_PERSONAL_DATA, at, subject)
