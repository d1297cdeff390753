"""Face templates and signature strokes: encrypted under the biometric key in a real SQLCipher store."""

import hashlib
import json
import secrets
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.drafting import draft_contract
from kiosk.identity.verification import VerificationResult, check_document_number
from kiosk.store.biometrics import TEMPLATE_PREFIX, BiometricCipher, BiometricKeyError
from kiosk.store.database import Database
from kiosk.store.evidence import digest_material, load_material, read_evidence
from kiosk.store.rentals import RentalStore
from tests import contract_fixtures as fx

BRANCH = "BJ-CY01"
AT = datetime(2026, 12, 5, 10, 5, tzinfo=fx.ZONE)


@pytest.fixture
def store_path(tmp_path):
    key = secrets.token_bytes(32)
    path = tmp_path / "store.db"
    database = Database.open(path, key, create=True)
    store = RentalStore(database)
    sources = fx.sources()
    store.put_vehicle(sources.reservation.vehicle)
    store.put_price_list(fx.price_list())
    database.close()
    return path, key


def save_contract(store: RentalStore, number: str) -> dict:
    """Store a verification, a reservation and a contract with simulated strokes; return the strokes."""
    sources = fx.sources()
    reservation = replace(sources.reservation, reservation_no=f"R-{number}")
    store.put_reservation(reservation)
    result = VerificationResult((check_document_number(sources.identity),))
    store.record_verification(f"v-{number}", "s", BRANCH, sources.identity, reservation, result, AT)
    draft = replace(draft_contract(fx.template(), sources), contract_number=number)
    strokes = SimulatedSignaturePad().capture().to_json()
    store.save_signed_contract(BRANCH, f"v-{number}", sources.identity, reservation, draft, [], strokes, b"%PDF-1.7", "seal", AT)
    return strokes


def raw_rows(path, key) -> tuple[list[bytes], list[bytes]]:
    """Read templates and strokes as stored, through a connection with no biometric key."""
    database = Database.open(path, key)
    try:
        templates = [bytes(row[0]) for row in database.connection.execute("SELECT template FROM face_templates")]
        strokes = [bytes(row[0]) for row in database.connection.execute("SELECT CAST(signature_strokes AS BLOB) FROM contracts")]
    finally:
        database.close()
    return templates, strokes


def test_stored_values_are_ciphertext(store_path):
    path, key = store_path
    cipher = BiometricCipher(secrets.token_bytes(32))
    descriptor = np.linspace(-0.2, 0.2, 128, dtype=np.float32)
    database = Database.open(path, key)
    try:
        store = RentalStore(database, cipher)
        strokes = save_contract(store, "BJ-CY01-20261205-0001")
        store.save_face_template(fx.sources().identity, descriptor, "v-BJ-CY01-20261205-0001", AT)
        known = store.face_templates()
    finally:
        database.close()

    assert np.array_equal(known.templates[0], descriptor)
    templates, stored_strokes = raw_rows(path, key)
    assert templates[0].startswith(TEMPLATE_PREFIX)
    assert descriptor.tobytes() not in templates[0]
    assert stored_strokes[0].startswith(b"csbio1:")
    assert json.dumps(strokes).encode() not in stored_strokes[0]


def test_evidence_hashes_plain_strokes(store_path):
    path, key = store_path
    number = "BJ-CY01-20261205-0002"
    database = Database.open(path, key)
    try:
        store = RentalStore(database, BiometricCipher(secrets.token_bytes(32)))
        strokes = save_contract(store, number)
        record = read_evidence(database.connection, number)
        material = load_material(database.connection, number)
    finally:
        database.close()

    assert record.digests.strokes_sha256 == hashlib.sha256(json.dumps(strokes).encode()).hexdigest()
    assert digest_material(material) == record.digests


def test_plain_rows_are_encrypted_on_first_bind(store_path):
    path, key = store_path
    descriptor = np.full(128, 0.05, dtype=np.float32)
    database = Database.open(path, key)
    try:
        plain_store = RentalStore(database)
        save_contract(plain_store, "BJ-CY01-20261205-0003")
        plain_store.save_face_template(fx.sources().identity, descriptor, "v-BJ-CY01-20261205-0003", AT)
    finally:
        database.close()
    templates, strokes = raw_rows(path, key)
    assert templates[0] == descriptor.tobytes()
    assert strokes[0].startswith(b"{")

    cipher = BiometricCipher(secrets.token_bytes(32))
    database = Database.open(path, key)
    try:
        known = RentalStore(database, cipher).face_templates()
    finally:
        database.close()
    assert np.array_equal(known.templates[0], descriptor)
    templates, strokes = raw_rows(path, key)
    assert templates[0].startswith(TEMPLATE_PREFIX)
    assert strokes[0].startswith(b"csbio1:")


def test_wrong_biometric_key_is_rejected(store_path):
    path, key = store_path
    database = Database.open(path, key)
    try:
        RentalStore(database, BiometricCipher(secrets.token_bytes(32)))
        with pytest.raises(BiometricKeyError, match="does not match this store"):
            RentalStore(database, BiometricCipher(secrets.token_bytes(32)))
    finally:
        database.close()


def test_sealed_store_rejects_plain_writes(store_path):
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database, BiometricCipher(secrets.token_bytes(32)))
        save_contract(store, "BJ-CY01-20261205-0004")
        store.save_face_template(fx.sources().identity, np.zeros(128), "v-BJ-CY01-20261205-0004", AT)
    finally:
        database.close()

    database = Database.open(path, key)
    try:
        keyless = RentalStore(database)
        with pytest.raises(BiometricKeyError, match="encrypts biometric data"):
            keyless.save_face_template(fx.sources().identity, np.zeros(128), "v-BJ-CY01-20261205-0004", AT)
        with pytest.raises(BiometricKeyError, match="biometric key"):
            keyless.face_templates()
    finally:
        database.close()
    templates, _ = raw_rows(path, key)
    assert len(templates) == 1


def test_altered_template_does_not_decrypt(store_path):
    path, key = store_path
    cipher = BiometricCipher(secrets.token_bytes(32))
    database = Database.open(path, key)
    try:
        store = RentalStore(database, cipher)
        save_contract(store, "BJ-CY01-20261205-0005")
        store.save_face_template(fx.sources().identity, np.ones(128), "v-BJ-CY01-20261205-0005", AT)
        stored = bytes(database.connection.execute("SELECT template FROM face_templates").fetchone()[0])
        altered = stored[:-1] + bytes([stored[-1] ^ 1])
        database.connection.execute("UPDATE face_templates SET template = ?", (altered,))
        with pytest.raises(BiometricKeyError, match="does not decrypt"):
            store.face_templates()
    finally:
        database.close()


def test_strokes_stay_plain_when_disabled(store_path):
    path, key = store_path
    database = Database.open(path, key)
    try:
        store = RentalStore(database, BiometricCipher(secrets.token_bytes(32), strokes=False))
        save_contract(store, "BJ-CY01-20261205-0006")
        store.save_face_template(fx.sources().identity, np.ones(128), "v-BJ-CY01-20261205-0006", AT)
    finally:
        database.close()
    templates, strokes = raw_rows(path, key)
    assert templates[0].startswith(TEMPLATE_PREFIX)
    assert strokes[0].startswith(b"{")
