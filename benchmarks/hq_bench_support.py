"""Shared parts of the HQ benchmarks: a PostgreSQL server, an ``hq serve`` process, events and the machine line.

The PostgreSQL server and the HQ process are the ones the tests use
(:class:`tests.pg_fixtures.PostgresServer`, :class:`tests.hq_fixtures.HqProcess`), so a
benchmark measures the same setup that the tests check.
"""

import base64
import hashlib
import secrets
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from machine import describe_machine  # noqa: E402

from sync.protocol import Event  # noqa: E402
from tests.hq_fixtures import BRANCH_ID, HqPki, HqProcess, free_port, make_pki, write_hq_config  # noqa: E402
from tests.pg_fixtures import PostgresServer  # noqa: E402

__all__ = ["BRANCH_ID", "HqPki", "PostgresServer", "describe_machine", "start_hq", "synthetic_events"]

FIRST_EVENT_AT = datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def start_hq(folder: Path, database_url: str, pki: HqPki | None = None) -> tuple[HqProcess, HqPki]:
    """Start ``countersign hq serve`` on a free loopback port over ``database_url``; the caller stops it."""
    folder.mkdir(parents=True, exist_ok=True)
    pki = pki or make_pki(folder / "pki")
    port = free_port()
    server = HqProcess(write_hq_config(folder, pki, database_url, port), port, folder / "hq.log")
    return server.start(timeout=60), pki


def _verification_payload(number: int) -> dict:
    """Return a payload shaped like ``RentalStore.record_verification``'s, about 1.4 KB as JSON."""
    checks = [
        {"check": name, "outcome": "passed", "reason": {"zh": "核验通过。", "en": f"The {name} check passed."}, "detail": {"score": 0.42}}
        for name in ("document", "id_number", "face_match", "liveness", "blacklist", "credit", "licence_class", "licence_validity")
    ]
    return {
        "branch_id": BRANCH_ID,
        "session_id": f"S-{number:08d}",
        "reservation_no": f"R{number:08d}",
        "document_index": hashlib.sha256(f"document {number}".encode()).hexdigest(),
        "consent": {"id_processing": {"version": "id-2026-01", "given": True}, "decided_at": FIRST_EVENT_AT.isoformat()},
        "verification": {"decision": "approved", "checks": checks},
    }


def synthetic_events(count: int, contract_every: int = 0, pdf_bytes: int = 90 * 1024) -> list[Event]:
    """Return ``count`` protocol events: verifications, and every ``contract_every``-th a signed contract.

    Each contract carries its own random PDF of ``pdf_bytes`` bytes (random bytes do not
    compress, as a sealed PDF's streams barely do). ``contract_every`` 0 means none.
    """
    events = []
    for number in range(count):
        created_at = FIRST_EVENT_AT + timedelta(seconds=number)
        if contract_every and number % contract_every == contract_every - 1:
            pdf = b"%PDF-1.7\n" + secrets.token_bytes(pdf_bytes - 9)
            contract_no = f"{BRANCH_ID}-{created_at:%Y%m%d}-{number:06d}"
            payload = {
                "branch_id": BRANCH_ID,
                "contract_no": contract_no,
                "reservation_no": f"R{number:08d}",
                "verification_id": f"V-{number:08d}",
                "template": "rental-standard/v3",
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                "pades_level": "B-B",
                "signed_at": created_at.isoformat(),
            }
            events.append(
                Event(
                    event_id=str(uuid.uuid4()),
                    event_type="contract.signed",
                    aggregate_id=contract_no,
                    created_at=created_at,
                    payload=payload,
                    attachments={"pdf": base64.b64encode(pdf).decode("ascii")},
                )
            )
        else:
            events.append(
                Event(
                    event_id=str(uuid.uuid4()),
                    event_type="verification.recorded",
                    aggregate_id=f"V-{number:08d}",
                    created_at=created_at,
                    payload=_verification_payload(number),
                )
            )
    return events
