"""Evidence records: written with each contract, chained per branch, and the reading data with them.

The contracts carry a real sealed PDF from a demo session, stored in a real SQLCipher
store; the chain is checked by reading the rows back, not by trusting the writer.
"""

import hashlib
import json
import math
import shutil
import threading
from dataclasses import replace
from datetime import datetime

import pytest
import sqlcipher3

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.checks import Outcome
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.render import Acknowledgement
from kiosk.contracts.validation import load_trust_roots
from kiosk.errors import ReservationTaken
from kiosk.identity.verification import VerificationResult, check_document_number
from kiosk.session import Stage
from kiosk.store.archive import verify_archive
from kiosk.store.database import Database
from kiosk.store.evidence import (
    GENESIS_HASH,
    ContractReading,
    digest_material,
    load_material,
    read_chain_head,
    read_evidence,
)
from kiosk.store.keys import create_key_file
from kiosk.store.migrations import MIGRATIONS
from kiosk.store.rentals import RentalStore
from tests import contract_fixtures as fx

BRANCH = "BJ-CY01"
AT = datetime(2026, 12, 5, 10, 5, tzinfo=fx.ZONE)
DEMO_ID_NUMBER = "110105196108040013"


@pytest.fixture(scope="module")
def demo_seal(provisioned_branch, tmp_path_factory, face_model):
    """One contract PDF sealed by a whole demo session, with its signer and the branch's trust roots."""
    home = tmp_path_factory.mktemp("evidence-demo") / "branch"
    shutil.copytree(provisioned_branch, home)
    config = load_config(home)
    with BranchRuntime(config, face_model=face_model) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.stage is Stage.DONE, session.records[-1]
        pdf = session.signed.pdf
        signer = runtime.services.sealer.signer_subject
    return pdf, signer, load_trust_roots(list(config.trust_roots))


@pytest.fixture
def store_path(tmp_path):
    key = create_key_file(tmp_path / "keys" / "store.key")
    path = tmp_path / "store.db"
    database = Database.open(path, key, create=True)
    store = RentalStore(database)
    sources = fx.sources()
    store.put_vehicle(sources.reservation.vehicle)
    store.put_price_list(fx.price_list())
    database.close()
    return path, key


def save_contract(store: RentalStore, number: str, demo_seal, reading: ContractReading | None = None):
    """Store a verification, a reservation and a signed contract numbered ``number``."""
    pdf, signer, _ = demo_seal
    sources = fx.sources()
    reservation = replace(sources.reservation, reservation_no=f"R-{number}")
    store.put_reservation(reservation)
    verification_id = f"v-{number}"
    result = VerificationResult((check_document_number(sources.identity),))
    store.record_verification(verification_id, "s", BRANCH, sources.identity, reservation, result, AT)
    draft = replace(draft_contract(fx.template(), sources), contract_number=number)
    acknowledgements = [Acknowledgement(clause, AT) for clause in ("deposit", "damage")]
    strokes = SimulatedSignaturePad().capture().to_json()
    return store.save_signed_contract(
        BRANCH, verification_id, sources.identity, reservation, draft, acknowledgements, strokes, pdf, signer, AT, reading=reading
    )


def chain(connection) -> list[tuple]:
    return connection.execute(
        "SELECT sequence, contract_no, previous_contract_no, previous_hash, record_hash FROM contract_evidence "
        "WHERE branch_id = ? ORDER BY sequence",
        (BRANCH,),
    ).fetchall()


# The chain ----------------------------------------------------------------------


def test_each_contract_gets_a_chained_record(store_path, demo_seal):
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database)
        numbers = [f"{BRANCH}-20261205-000{n}" for n in (1, 2, 3)]
        for number in numbers:
            save_contract(store, number, demo_seal)
        connection = database.connection

        links = chain(connection)
        assert [link[0] for link in links] == [1, 2, 3]
        assert [link[1] for link in links] == numbers
        assert [link[2] for link in links] == [None, numbers[0], numbers[1]]
        assert links[0][3] == GENESIS_HASH
        assert links[1][3] == links[0][4]
        assert links[2][3] == links[1][4]
        assert len({link[4] for link in links}) == 3

        head = read_chain_head(connection, BRANCH)
        assert (head.sequence, head.contract_no, head.record_hash) == (3, numbers[2], links[2][4])
    finally:
        database.close()


def test_record_digests_match_stored_parts(store_path, demo_seal):
    pdf, _, _ = demo_seal
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database)
        number = f"{BRANCH}-20261205-0001"
        save_contract(store, number, demo_seal)
        connection = database.connection
        record = read_evidence(connection, number)
        strokes, checks, template_sha256 = connection.execute(
            "SELECT c.signature_strokes, v.checks, c.template_sha256 FROM contracts c "
            "JOIN verifications v USING (verification_id) WHERE c.contract_no = ?",
            (number,),
        ).fetchone()

        assert record.digests.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        assert record.digests.strokes_sha256 == hashlib.sha256(strokes.encode()).hexdigest()
        assert record.digests.verification_sha256 == hashlib.sha256(checks.encode()).hexdigest()
        assert record.digests.template_sha256 == template_sha256 == fx.template().sha256
        assert record.computed_hash() == record.record_hash

        (event,) = [e for e in store.pending_events() if e.event_type == "contract.signed"]
        assert event.payload["evidence"] == {"sequence": 1, "previous_hash": GENESIS_HASH, "record_hash": record.record_hash}
        assert DEMO_ID_NUMBER not in event.payload_json()
    finally:
        database.close()


def test_failed_contract_write_leaves_no_record(store_path, demo_seal):
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database)
        first = f"{BRANCH}-20261205-0001"
        save_contract(store, first, demo_seal)
        pdf, signer, _ = demo_seal
        sources = fx.sources()
        taken = replace(sources.reservation, reservation_no=f"R-{first}")
        draft = replace(draft_contract(fx.template(), sources), contract_number=f"{BRANCH}-20261205-0002")

        with pytest.raises(ReservationTaken):
            store.save_signed_contract(BRANCH, f"v-{first}", sources.identity, taken, draft, [], {}, pdf, signer, AT)

        assert [link[1] for link in chain(database.connection)] == [first]
        assert read_chain_head(database.connection, BRANCH).contract_no == first
    finally:
        database.close()


def test_two_connections_build_one_chain(store_path, demo_seal):
    path, key = store_path
    errors: list[BaseException] = []

    def save_many(worker: int) -> None:
        database = Database.open(path, key)
        try:
            store = RentalStore(database)
            for n in range(8):
                save_contract(store, f"{BRANCH}-20261205-{worker}{n:03d}", demo_seal)
        except BaseException as error:
            errors.append(error)
        finally:
            database.close()

    workers = [threading.Thread(target=save_many, args=(worker,)) for worker in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []

    database = Database.open(path, key)
    try:
        links = chain(database.connection)
        assert [link[0] for link in links] == list(range(1, 17))
        for previous, link in zip(links, links[1:]):
            assert link[2] == previous[1]
            assert link[3] == previous[4]
        _, _, trust_roots = demo_seal
        report = verify_archive(database, trust_roots)
        assert report.problems == []
        assert report.contracts == 16
    finally:
        database.close()


# Reading time and acknowledgements ---------------------------------------------------


def test_reading_time_is_stored_and_hashed(store_path, demo_seal):
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database)
        number = f"{BRANCH}-20261205-0001"
        reading = ContractReading(93.5, {"deposit": 20.25, "damage": 41.0})
        save_contract(store, number, demo_seal, reading)
        connection = database.connection

        seconds, acknowledgements = connection.execute(
            "SELECT reading_seconds, acknowledgements FROM contracts WHERE contract_no = ?", (number,)
        ).fetchone()
        assert seconds == 93.5
        assert json.loads(acknowledgements) == [
            {"clause": "deposit", "at": AT.isoformat(), "ticked_after_seconds": 20.25},
            {"clause": "damage", "at": AT.isoformat(), "ticked_after_seconds": 41.0},
        ]

        material = load_material(connection, number)
        stored = read_evidence(connection, number).digests
        assert digest_material(material) == stored
        shorter = digest_material(replace(material, reading_seconds=3.0))
        assert shorter.acknowledgements_sha256 != stored.acknowledgements_sha256
        assert shorter.contract_sha256 == stored.contract_sha256
    finally:
        database.close()


def test_contract_without_reading_stores_nulls(store_path, demo_seal):
    path, key = store_path
    database = Database.open(path, key)
    try:
        number = f"{BRANCH}-20261205-0001"
        save_contract(RentalStore(database), number, demo_seal)
        seconds, acknowledgements = database.connection.execute(
            "SELECT reading_seconds, acknowledgements FROM contracts WHERE contract_no = ?", (number,)
        ).fetchone()
        assert seconds is None
        assert [entry["ticked_after_seconds"] for entry in json.loads(acknowledgements)] == [None, None]
    finally:
        database.close()


@pytest.mark.parametrize(
    ("reading_seconds", "ticks", "message"),
    [
        (-1.0, {}, "reading_seconds"),
        (math.nan, {}, "reading_seconds"),
        (math.inf, {}, "reading_seconds"),
        (10.0, {"deposit": -0.5}, "clause deposit"),
        (10.0, {"deposit": 10.5}, "later than the confirmation"),
    ],
)
def test_reading_rejects_impossible_times(reading_seconds, ticks, message):
    with pytest.raises(ValueError, match=message):
        ContractReading(reading_seconds, ticks)


# Older stores ------------------------------------------------------------------------


def test_contracts_before_migration_stay_unchained(tmp_path, demo_seal):
    pdf, signer, trust_roots = demo_seal
    key = create_key_file(tmp_path / "keys" / "store.key")
    path = tmp_path / "v3.db"
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for migration in MIGRATIONS[:3]:
        for statement in migration.statements:
            connection.execute(statement)
    connection.execute("PRAGMA user_version = 3")
    connection.execute("INSERT INTO verifications (verification_id, session_id, decision, checks, created_at) VALUES ('v0', 's0', 'approved', '[]', ?)", (AT.isoformat(),))
    connection.execute(
        "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, address, phone, "
        " first_seen_at, last_seen_at) VALUES ('resident_id_card', 'i', 'n', 'x', 'M', '1961-08-04', 'a', 'p', 't', 't')"
    )
    connection.execute(
        "INSERT INTO contracts VALUES ('OLD-0001', 'v0', 1, 'R0', 'rental-agreement', '1', 't', '{}', '[]', '{}', ?, ?, ?, ?)",
        (pdf, hashlib.sha256(pdf).hexdigest(), signer, AT.isoformat()),
    )
    connection.close()

    database = Database.open(path, key)
    try:
        report = verify_archive(database, trust_roots)
        assert report.problems == []
        assert (report.contracts, report.unchained) == (1, 1)

        database.connection.execute("UPDATE contracts SET pdf_sha256 = 'x' WHERE contract_no = 'OLD-0001'")
        report = verify_archive(database, trust_roots)
        assert [(p.contract_no, p.problem) for p in report.problems] == [
            ("OLD-0001", "PDF differs from the SHA-256 stored with the contract")
        ]
    finally:
        database.close()


# The session's acknowledge step ------------------------------------------------------


@pytest.fixture
def runtime(branch_home, face_model):
    with BranchRuntime(load_config(branch_home), face_model=face_model) as started:
        seed_demo_reservation(started.services.store, started.clock())
        yield started


def walk_to_contract(session) -> None:
    steps = [session.start, lambda: session.give_consent(True, True), session.read_document, session.check_licence,
             session.capture_face, session.verify, session.prepare_contract]
    for step in steps:
        record = step()
        assert record.outcome is Outcome.PASS, record
    assert session.stage is Stage.CONTRACT


def test_session_stores_reading_with_contract(runtime):
    session = runtime.new_session()
    walk_to_contract(session)
    clauses = session.clauses_to_acknowledge
    ticks = {clause: 10.0 + index for index, clause in enumerate(clauses)}

    record = session.acknowledge(clauses, reading_seconds=64.5, ticked_after_seconds=ticks)
    assert record.outcome is Outcome.PASS
    session.sign(SimulatedSignaturePad().capture())
    assert session.stage is Stage.DONE, session.records[-1]

    database = runtime.database
    seconds, acknowledgements = database.connection.execute(
        "SELECT reading_seconds, acknowledgements FROM contracts WHERE contract_no = ?", (session.signed.contract_no,)
    ).fetchone()
    assert seconds == 64.5
    assert {entry["clause"]: entry["ticked_after_seconds"] for entry in json.loads(acknowledgements)} == ticks
    record = read_evidence(database.connection, session.signed.contract_no)
    assert record.digests.pdf_sha256 == hashlib.sha256(session.signed.pdf).hexdigest()


def test_impossible_reading_goes_to_clerk(runtime):
    session = runtime.new_session()
    walk_to_contract(session)

    record = session.acknowledge(session.clauses_to_acknowledge, reading_seconds=5.0, ticked_after_seconds={"deposit": 9.0})
    assert record.outcome is Outcome.REVIEW
    assert session.stage is Stage.CLERK_REVIEW
