"""Factories of the operations the counter terminal starts; each runs on the worker and touches no widget."""

from dataclasses import dataclass
from datetime import datetime

from countersign.runtime import BranchRuntime
from countersign.training import DemoCustomer, TrainingBranch
from devices.errors import DeviceError
from devices.idcard import ga467
from devices.idcard.serial_reader import SerialIdCardReader
from kiosk.errors import user_message
from kiosk.identity.licence import DrivingLicence
from kiosk.messages import Message
from kiosk.session import RentalSession
from kiosk.session.assisted import override_checks, use_typed_licence
from kiosk.store.accounts import AccessSettings, AccountStore, Actor
from kiosk.store.contract_search import ContractHit, SearchBy, search_contracts
from kiosk.store.personal_data import CustomerProfile, PersonalDataAccess
from kiosk.store.review_queue import ReviewItem, decide_review, review_queue
from kiosk.store.sync_store import LAST_SUCCESS, StoreSyncAdapter
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.operations import Operation


def open_accounts(context: CounterContext) -> Operation:
    """Create the account store on the worker (and the training accounts in training mode). Succeeds with ``None``."""
    runtime = context.runtime

    def work() -> None:
        assert runtime.database is not None
        accounts = AccountStore(runtime.database, context.access_settings or AccessSettings())
        if context.training is not None:
            context.training.create_accounts(accounts, runtime.clock())
        context.accounts = accounts

    return Operation("open_accounts", "counter.busy.starting", work)


def sign_in(context: CounterContext, account_id: str, pin: str) -> Operation:
    """Check the account and PIN. Succeeds with the :class:`Actor`; fails with the sign-in errors."""
    runtime = context.runtime

    def work() -> Actor:
        assert context.accounts is not None
        return context.accounts.authenticate(account_id, pin, runtime.clock())

    return Operation("sign_in", "counter.busy.signing_in", work)


def begin_session(context: CounterContext, customer: DemoCustomer | None) -> Operation:
    """Create a session and take its first step. Succeeds with the session."""
    runtime = context.runtime
    training: TrainingBranch | None = context.training

    def work() -> RentalSession:
        if training is not None and customer is not None:
            session = training.prepare(runtime, customer)
        else:
            if context.prepare_session is not None:
                context.prepare_session(runtime)
            session = runtime.new_session()
        session.start()
        return session

    return Operation("begin_session", "busy.beginning", work)


def type_licence(session: RentalSession, licence: DrivingLicence, clerk: Actor) -> Operation:
    """Use the licence the clerk typed; succeeds with ``None``."""
    return Operation("type_licence", "counter.busy.saving", lambda: use_typed_licence(session, licence, clerk), session.session_id)


def override(context: CounterContext, session: RentalSession, supervisor_id: str, pin: str, reason: str) -> Operation:
    """Override the session's face checks with a supervisor's approval. Succeeds with the stage record."""
    clerk = context.require_actor()

    def work():
        assert context.accounts is not None
        return override_checks(session, context.accounts, clerk, supervisor_id, pin, reason)

    return Operation("override", "counter.busy.saving", work, session.session_id)


def load_review_queue(context: CounterContext) -> Operation:
    """Succeeds with the list of :class:`ReviewItem`, oldest first."""
    actor = context.require_actor()
    runtime = context.runtime

    def work() -> list[ReviewItem]:
        assert runtime.services is not None
        return review_queue(runtime.services.store, actor, runtime.clock())

    return Operation("review_queue", "counter.busy.loading", work)


def decide(context: CounterContext, verification_id: str, approve: bool, reason: str) -> Operation:
    """Record the clerk's decision on a review item. Succeeds with ``None``."""
    actor = context.require_actor()
    runtime = context.runtime

    def work() -> None:
        assert runtime.services is not None
        decide_review(runtime.services.store, actor, verification_id, approve, reason, runtime.clock())

    return Operation("decide_review", "counter.busy.saving", work)


def search(context: CounterContext, by: SearchBy, query: str) -> Operation:
    """Succeeds with the list of :class:`ContractHit`."""
    actor = context.require_actor()
    runtime = context.runtime

    def work() -> list[ContractHit]:
        assert runtime.services is not None
        return search_contracts(runtime.services.store, actor, by, query, runtime.clock())

    return Operation("search_contracts", "counter.busy.searching", work)


def open_contract(context: CounterContext, hit: ContractHit, purpose: str) -> Operation:
    """Read a contract's customer profile and PDF, each an audited read. Succeeds with ``(profile, pdf)``."""
    actor = context.require_actor()
    runtime = context.runtime

    def work() -> tuple[CustomerProfile, bytes]:
        assert runtime.services is not None
        access = PersonalDataAccess(runtime.services.store)
        at: datetime = runtime.clock()
        profile = access.customer_profile(actor, hit.customer_id, purpose, at)
        pdf = access.contract_pdf(actor, hit.contract_no, purpose, at)
        return profile, pdf

    return Operation("open_contract", "counter.busy.loading", work)


@dataclass(frozen=True)
class DeviceReport:
    """What the device panel shows from the worker's side: the reader's status and the outbox.

    ``reader_ok`` is ``None`` when the reader cannot be probed (a vendor library reader);
    ``reader_error`` is the sentence for a reader that failed. ``last_sync`` is the
    finish time of the last successful sync kept in the store, if any.
    """

    reader_ok: bool | None
    card_present: bool | None
    reader_error: Message | None
    pending: int
    failed: int
    last_sync: datetime | None


def probe_devices(context: CounterContext) -> Operation:
    """Ask the reader for its SAM status and a card, and count the outbox. Succeeds with a :class:`DeviceReport`."""
    runtime = context.runtime

    def work() -> DeviceReport:
        assert runtime.services is not None
        reader = runtime.services.reader
        reader_ok: bool | None = None
        card_present: bool | None = None
        reader_error: Message | None = None
        if isinstance(reader, SerialIdCardReader):
            try:
                reader_ok = reader.sam_status().sw3 == ga467.Status.SUCCESS
                card_present = reader.find_card() if reader_ok else None
            except DeviceError as error:
                reader_ok, reader_error = False, user_message(error)

        adapter = StoreSyncAdapter(runtime.services.store)
        success = adapter.last_run(LAST_SUCCESS)
        finished = success.get("finished_at") if success else None
        return DeviceReport(
            reader_ok, card_present, reader_error, adapter.count_pending(), adapter.count_failed(),
            datetime.fromisoformat(finished) if finished else None,
        )

    return Operation("probe_devices", "counter.busy.probing", work)


def sync_now(context: CounterContext) -> Operation:
    """Ask the branch's sync scheduler for a run now; the report arrives through the sync listeners."""
    runtime = context.runtime

    def work() -> None:
        if runtime.sync is not None:
            runtime.sync.scheduler.run_now()

    return Operation("sync_now", "counter.busy.syncing", work)
