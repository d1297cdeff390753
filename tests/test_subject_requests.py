"""Data-subject requests on a real SQLCipher store: the export bundle and deletion within retention limits."""

import base64
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from argon2 import profiles

from kiosk.contracts.drafting import draft_contract
from kiosk.identity.verification import VerificationResult, check_document_number
from kiosk.store.accounts import AccessDenied, AccessSettings, AccountStore, Role
from kiosk.store.audit import read_audit_entries, verify_audit_chain
from kiosk.store.database import Database
from kiosk.store.evidence import read_chain_head
from kiosk.store.keys import create_key_file
from kiosk.store.rentals import RentalStore
from kiosk.store.subject_requests import delete_subject_data, export_subject_data
from tests import contract_fixtures as fx

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.7 signed contract bytes"
OTHER_NUMBER = "11010119900307451X"


@pytest.fixture
def store(tmp_path):
    key = create_key_file(tmp_path / "keys" / "store.key")
    database = Database.open(tmp_path / "store.db", key, create=True)
    store = RentalStore(database)
    sources = fx.sources()
    identity, reservation = sources.identity, sources.reservation
    approved = VerificationResult((check_document_number(identity),))

    store.put_vehicle(reservation.vehicle)
    store.put_price_list(fx.price_list())
    store.put_reservation(reservation)
    store.put_reservation(replace(reservation, reservation_no="R2"))
    store.record_verification("v-declined", "s0", "BJ", identity, None, VerificationResult(()), NOW)
    store.record_verification("v1", "s1", "BJ", identity, reservation, approved, NOW)
    store.save_face_template(identity, np.linspace(0, 1, 128), "v1", NOW)
    store.save_signed_contract("BJ", "v1", identity, reservation, draft_contract(fx.template(), sources), [], {"strokes": []}, PDF, "seal", NOW)

    other = replace(identity, number=OTHER_NUMBER, name="李小梅")
    store.put_reservation(replace(reservation, reservation_no="RB", document_number=OTHER_NUMBER, customer_name="李小梅"))
    store.record_verification("vB", "sB", "BJ", other, None, VerificationResult((check_document_number(other),)), NOW)
    store.save_face_template(other, np.linspace(1, 2, 128), "vB", NOW)
    yield store
    database.close()


@pytest.fixture
def supervisor(store):
    accounts = AccountStore(store.database, AccessSettings(pin_hash=profiles.CHEAPEST))
    accounts.add_account(None, "it.li", "Li", Role.BRANCH_IT, "204817", NOW)
    it = accounts.authenticate("it.li", "204817", NOW)
    accounts.add_account(it, "sup.zhao", "Zhao", Role.SUPERVISOR, "746251", NOW)
    accounts.add_account(it, "clerk.wang", "Wang", Role.CLERK, "583920", NOW)
    return accounts.authenticate("sup.zhao", "746251", NOW)


def test_export_holds_everything_about_the_customer(store, supervisor):
    export = export_subject_data(store, supervisor, "110105196108040013", "access request", NOW)
    bundle = export.bundle
    assert bundle["customer"]["name"] == "王建国"
    assert sorted(r["reservation_no"] for r in bundle["reservations"]) == ["R1", "R2"]
    assert sorted(v["verification_id"] for v in bundle["verifications"]) == ["v-declined", "v1"]
    assert [t["verification_id"] for t in bundle["face_templates"]] == ["v1"]
    (contract,) = bundle["contracts"]
    assert base64.b64decode(contract["pdf_base64"]) == PDF
    assert contract["signature_strokes"] == {"strokes": []}


def test_export_holds_no_other_customer(store, supervisor):
    export = export_subject_data(store, supervisor, "110105196108040013", "access request", NOW)
    text = str(export.bundle)
    assert OTHER_NUMBER not in text
    assert "李小梅" not in text
    assert "RB" not in [r["reservation_no"] for r in export.bundle["reservations"]]
    assert "vB" not in [v["verification_id"] for v in export.bundle["verifications"]]


def test_export_is_audited_without_the_number(store, supervisor):
    export_subject_data(store, supervisor, "110105196108040013", "access request", NOW)
    last = read_audit_entries(store.database.connection)[-1]
    assert (last.actor_id, last.action, last.outcome) == ("sup.zhao", "subject_export", "exported")
    assert last.details["contracts"] == 1
    assert "110105196108040013" not in str(last.to_json())


def test_export_of_unknown_customer_finds_nothing(store, supervisor):
    export = export_subject_data(store, supervisor, "110101200001010012", "access request", NOW)
    assert not export.found
    assert read_audit_entries(store.database.connection)[-1].outcome == "not_found"


def test_deletion_keeps_contracts_and_removes_the_rest(store, supervisor):
    connection = store.database.connection
    head_before = read_chain_head(connection, "BJ")
    result = delete_subject_data(store, supervisor, "110105196108040013", NOW)

    assert result.outcome == "partial"
    assert result.deleted == {"face_templates": 1, "verifications": 1, "reservations": 1}
    assert result.kept_contracts == ["BJ-CY01-20261205-0001"]
    assert not result.customer_row_deleted
    assert "第四十七条" in result.to_json()["kept"]["reason"]["zh"]
    assert connection.execute("SELECT count(*) FROM contracts").fetchone()[0] == 1
    assert connection.execute("SELECT verification_id FROM verifications WHERE verification_id IN ('v1', 'v-declined')").fetchall() == [("v1",)]
    assert read_chain_head(connection, "BJ") == head_before
    assert connection.execute("SELECT count(*) FROM face_templates").fetchone()[0] == 1  # the other customer's


def test_deletion_without_contract_removes_the_customer(store, supervisor):
    result = delete_subject_data(store, supervisor, OTHER_NUMBER, NOW)
    assert result.outcome == "deleted"
    assert result.customer_row_deleted
    assert result.deleted == {"face_templates": 1, "verifications": 1, "reservations": 1}
    index = store.document_index(OTHER_NUMBER)
    assert store.database.connection.execute("SELECT count(*) FROM customers WHERE document_index = ?", (index,)).fetchone()[0] == 0
    remaining = export_subject_data(store, supervisor, "110105196108040013", "check", NOW)
    assert remaining.summary()["contracts"] == 1


def test_deletion_is_audited_and_chain_stays_intact(store, supervisor):
    delete_subject_data(store, supervisor, OTHER_NUMBER, NOW)
    last = read_audit_entries(store.database.connection)[-1]
    assert (last.actor_id, last.action, last.outcome) == ("sup.zhao", "subject_delete", "deleted")
    assert verify_audit_chain(store.database.connection).ok


def test_clerk_cannot_handle_subject_requests(store, supervisor):
    clerk = AccountStore(store.database, AccessSettings(pin_hash=profiles.CHEAPEST)).authenticate("clerk.wang", "583920", NOW)
    with pytest.raises(AccessDenied):
        delete_subject_data(store, clerk, OTHER_NUMBER, NOW)
    assert store.database.connection.execute("SELECT count(*) FROM face_templates").fetchone()[0] == 2
