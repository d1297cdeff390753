"""HQ's contract archive: sealed contracts reach a real HQ and are upgraded to PAdES B-LTA.

The timestamp authority, OCSP responder and CRL endpoint are openssl's, on 127.0.0.1
(:mod:`tests.pki.servers`). Each contract is sealed the way a branch seals it, with the
test authority's seal certificate, which names that OCSP responder and CRL.
"""

import base64
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from hq.archive import archived_pdf, search, upgrade_pending
from hq.database import connect, migrate
from hq.ingest import Sender, ingest_batch
from hq.schema import alerts, contracts
from hq.server import HqSettings
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.render import Acknowledgement, render_contract
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import ContractTimestamper
from kiosk.contracts.validation import verify_contract_pdf
from sync.client import HqClient
from sync.protocol import Event, Outcome, UploadRequest
from sync.tls import client_context
from tests import contract_fixtures as fx
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, HqProcess, free_port, write_hq_config
from tests.pki.fixtures import (  # noqa: F401 - fixtures are found by name
    SEAL_PASSPHRASE,
    authority,
    nss_db,
    pdfsig,
    pdfsig_signatures,
    pki_server,
    seal,
    seal_pkcs12,
    signature_png,
    trust_roots,
)
from tests.pki.servers import closed_port_url

SIGNED_AT = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)


@dataclasses.dataclass(frozen=True)
class SealedContract:
    contract_no: str
    pdf: bytes
    pades_level: str
    signed_at: datetime


def _seal(contract_no: str, seal_pkcs12: Path, signature_png: bytes, tsa_url: str | None, signed_at: datetime = SIGNED_AT) -> SealedContract:
    """Render and seal a contract numbered ``contract_no``; B-T with ``tsa_url``, B-B without."""
    template = fx.template()
    sources = dataclasses.replace(fx.sources(), contract_number=contract_no)
    acknowledgements = [Acknowledgement(clause.clause_id, signed_at) for clause in template.clauses if clause.must_acknowledge]
    rendered = render_contract(draft_contract(template, sources), template, sources.branch, acknowledgements, signed_at)
    timestamper = ContractTimestamper(tsa_url) if tsa_url else None
    sealed = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京", timestamper).seal(rendered, signature_png, reason="rental")
    return SealedContract(contract_no, sealed.pdf, sealed.pades_level, signed_at)


@pytest.fixture(scope="module")
def sealed_b_t(pki_server, seal_pkcs12, signature_png) -> SealedContract:
    return _seal("BJ-CY01-20261205-0001", seal_pkcs12, signature_png, pki_server.tsa_url)


@pytest.fixture(scope="module")
def sealed_b_b(seal_pkcs12, signature_png) -> SealedContract:
    return _seal("BJ-CY01-20261205-0002", seal_pkcs12, signature_png, None)


def _event(contract: SealedContract, pdf: bytes | None = None) -> Event:
    """Return the branch's ``contract.signed`` event; ``pdf`` replaces the file and its hash."""
    pdf = contract.pdf if pdf is None else pdf
    return Event(
        event_id=str(uuid.uuid4()),
        event_type="contract.signed",
        aggregate_id=contract.contract_no,
        created_at=contract.signed_at,
        payload={
            "contract_no": contract.contract_no,
            "reservation_no": "R1",
            "template": "rental-agreement/v1",
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
            "pades_level": contract.pades_level,
            "signed_at": contract.signed_at.isoformat(),
        },
        attachments={"pdf": base64.b64encode(pdf).decode("ascii")},
    )


def _ingest(engine, *events: Event, branch_id: str = BRANCH_ID) -> None:
    request = UploadRequest(branch_id=branch_id, kiosk_id=KIOSK_ID, events=list(events))
    results = ingest_batch(engine, request, Sender(branch_id, KIOSK_ID)).results
    assert [result.outcome for result in results] == [Outcome.ACCEPTED] * len(events)


def _archive_config(folder: Path, hq_pki, database: Path, tsa_url: str, authority) -> Path:
    extra = f'tsa_url = "{tsa_url}"\ntsa_timeout = 3\nrevocation_timeout = 3\ntrust_roots = ["{authority.root.certificate_path}"]\n'
    folder.mkdir(exist_ok=True)
    return write_hq_config(folder, hq_pki, f"sqlite:///{database}", free_port(), extra)


@pytest.fixture
def hq_database(tmp_path):
    path = tmp_path / "hq.db"
    engine = connect(f"sqlite:///{path}")
    migrate(engine)
    return path, engine


def _cli(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(tmp_path / "home"), "--json", "hq", "archive", *argv],
        capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def _row(engine, contract_no: str):
    with engine.connect() as connection:
        return connection.execute(select(contracts).where(contracts.c.contract_no == contract_no)).one()


def test_contracts_from_a_branch_reach_b_lta(tmp_path, hq_pki, pki_server, authority, trust_roots, nss_db, sealed_b_t, sealed_b_b):
    database = tmp_path / "hq.db"
    config = _archive_config(tmp_path / "hq", hq_pki, database, pki_server.tsa_url, authority)
    port = HqSettings.load(config).port
    server = HqProcess(config, port, tmp_path / "hq.log").start()
    try:
        context = client_context(hq_pki.ca.certificate, hq_pki.kiosk.certificate, hq_pki.kiosk.private_key)
        with HqClient(server.url, context) as client:
            response = client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=[_event(sealed_b_t), _event(sealed_b_b)]))
        assert [result.outcome for result in response.results] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    finally:
        server.stop()

    status, report = _cli(tmp_path, "upgrade", "--config", str(config))

    assert status == 0, report
    assert (report["upgraded"], report["failed"], report["pending"]) == (2, 0, 0)
    engine = connect(f"sqlite:///{database}")
    for sealed in (sealed_b_t, sealed_b_b):
        row = _row(engine, sealed.contract_no)
        assert row.upgrade_state == "done", row.upgrade_detail
        assert row.archived_pades_level == "B-LTA"
        assert row.pades_level == sealed.pades_level
        assert row.pdf == sealed.pdf  # the branch's file is kept as it came
        assert row.archived_pdf.startswith(sealed.pdf)
        assert row.upgraded_at is not None

        result = verify_contract_pdf(row.archived_pdf, trust_roots)
        assert result.status == "valid", result.to_json()
        assert result.pades_level == "B-LTA"
        assert result.signatures[-1].kind == "document_timestamp"

        blocks = pdfsig_signatures(pdfsig(row.archived_pdf, nss_db, tmp_path))
        assert "Signature is Valid." in blocks[0]
        assert "Certificate is Trusted." in blocks[0]
        assert "CounterSign Test Timestamp Authority" in blocks[-1]
    assert [level for level in (sealed_b_t.pades_level, sealed_b_b.pades_level)] == ["B-T", "B-B"]

    out = tmp_path / "export" / "contract.pdf"
    status, exported = _cli(tmp_path, "export", sealed_b_t.contract_no, "--config", str(config), "--out", str(out))
    assert status == 0, exported
    assert out.read_bytes() == _row(engine, sealed_b_t.contract_no).archived_pdf
    assert out.stat().st_mode & 0o777 == 0o600


def test_tampered_seal_fails_with_alert(tmp_path, hq_pki, pki_server, authority, hq_database, sealed_b_t):
    path, engine = hq_database
    # Change one byte of the signed content and send the hash of the changed file, as a
    # branch (or someone on its disk) would that altered the PDF before the upload.
    pdf = bytearray(sealed_b_t.pdf)
    position = pdf.index(b"stream\n", len(pdf) // 4) + 200
    pdf[position] ^= 0x01
    tampered = bytes(pdf)
    _ingest(engine, _event(sealed_b_t, tampered))
    config = _archive_config(tmp_path / "hq", hq_pki, path, pki_server.tsa_url, authority)
    tsa_before = pki_server.count("/tsa")

    status, report = _cli(tmp_path, "upgrade", "--config", str(config))

    assert status == 1, report
    assert (report["upgraded"], report["failed"], report["pending"]) == (0, 1, 0)
    assert pki_server.count("/tsa") == tsa_before  # the seal is checked before anything is asked
    row = _row(engine, sealed_b_t.contract_no)
    assert row.upgrade_state == "failed"
    assert "seal does not verify" in row.upgrade_detail
    assert row.pdf == tampered
    assert row.archived_pdf is None
    with engine.connect() as connection:
        alert = connection.execute(select(alerts)).one()
    assert (alert.kind, alert.branch_id, alert.subject) == ("contract_seal_invalid", BRANCH_ID, sealed_b_t.contract_no)
    assert "seal does not verify" in alert.detail


def test_tsa_down_then_back(tmp_path, hq_pki, pki_server, authority, hq_database, sealed_b_t):
    path, engine = hq_database
    _ingest(engine, _event(sealed_b_t))
    down = _archive_config(tmp_path / "down", hq_pki, path, closed_port_url(), authority)
    up = _archive_config(tmp_path / "up", hq_pki, path, pki_server.tsa_url, authority)

    status, first = _cli(tmp_path, "upgrade", "--config", str(down))

    assert status == 1, first
    assert (first["upgraded"], first["failed"], first["pending"]) == (0, 0, 1)
    row = _row(engine, sealed_b_t.contract_no)
    assert row.upgrade_state == "pending"
    assert "will retry" in row.upgrade_detail
    assert "TSA" in row.upgrade_detail
    assert row.archived_pdf is None

    status, second = _cli(tmp_path, "upgrade", "--config", str(up))

    assert status == 0, second
    assert (second["upgraded"], second["failed"], second["pending"]) == (1, 0, 0)
    row = _row(engine, sealed_b_t.contract_no)
    assert (row.upgrade_state, row.archived_pades_level, row.upgrade_detail) == ("done", "B-LTA", "upgraded from B-T")


def test_parallel_runs_upgrade_each_once(tmp_path, hq_pki, pki_server, authority, hq_database, seal_pkcs12, signature_png):
    path, engine = hq_database
    numbers = [f"BJ-CY01-20261206-000{n}" for n in (1, 2)]
    _ingest(engine, *[_event(_seal(number, seal_pkcs12, signature_png, pki_server.tsa_url)) for number in numbers])
    config = _archive_config(tmp_path / "hq", hq_pki, path, pki_server.tsa_url, authority)
    tsa_before = pki_server.count("/tsa")

    command = [sys.executable, "-m", "countersign", "--home", str(tmp_path / "home"), "--json", "hq", "archive", "upgrade", "--config", str(config)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    reports = [json.loads(run.communicate(timeout=120)[0]) for run in runs]

    assert sum(report["upgraded"] for report in reports) == 2
    assert all(report["failed"] == 0 for report in reports)
    # pyHanko sends the TSA two requests per archive timestamp: a sample token to size the
    # signature, then the real one. A contract upgraded twice would show four requests.
    assert pki_server.count("/tsa") - tsa_before == 2 * len(numbers)
    assert [_row(engine, number).upgrade_state for number in numbers] == ["done", "done"]


def test_search_filters(tmp_path, hq_pki, pki_server, authority, hq_database, sealed_b_t):
    path, engine = hq_database
    early = dataclasses.replace(sealed_b_t, contract_no="BJ-CY01-20261201-0001", signed_at=datetime(2026, 12, 1, 23, 30, tzinfo=fx.ZONE))
    late = dataclasses.replace(sealed_b_t, contract_no="BJ-CY01-20261203-0001", signed_at=datetime(2026, 12, 3, 0, 15, tzinfo=fx.ZONE))
    other = dataclasses.replace(sealed_b_t, contract_no="SH-PD01-20261202-0001", signed_at=datetime(2026, 12, 2, 9, 0, tzinfo=fx.ZONE))
    _ingest(engine, _event(early), _event(late))
    _ingest(engine, _event(other), branch_id="SH-PD01")
    with engine.begin() as connection:
        connection.execute(contracts.update().where(contracts.c.contract_no == late.contract_no).values(upgrade_state="failed"))

    def numbers(**filters) -> list[str]:
        return [contract.contract_no for contract in search(engine, **filters)]

    assert numbers() == [late.contract_no, other.contract_no, early.contract_no]
    assert numbers(branch_id="SH-PD01") == [other.contract_no]
    assert numbers(contract_no=early.contract_no) == [early.contract_no]
    assert numbers(state="failed") == [late.contract_no]
    assert numbers(state="pending", branch_id=BRANCH_ID) == [early.contract_no]
    day_two = datetime(2026, 12, 2, tzinfo=fx.ZONE)
    assert numbers(signed_from=day_two) == [late.contract_no, other.contract_no]
    assert numbers(signed_to=day_two) == [early.contract_no]
    assert numbers(signed_from=day_two, signed_to=day_two + timedelta(days=1)) == [other.contract_no]
    assert numbers(signed_from=day_two.astimezone(timezone.utc), signed_to=(day_two + timedelta(days=1)).astimezone(timezone.utc)) == [other.contract_no]
    assert numbers(limit=1) == [late.contract_no]
    assert all(contract.pdf is None for contract in search(engine))
    with pytest.raises(ValueError, match="only for one contract"):
        search(engine, include_pdf=True)
    with pytest.raises(ValueError, match="unknown upgrade state"):
        search(engine, state="lost")
    with pytest.raises(ValueError, match="not upgraded"):
        archived_pdf(engine, early.contract_no)

    config = _archive_config(tmp_path / "hq", hq_pki, path, pki_server.tsa_url, authority)
    status, found = _cli(tmp_path, "search", "--config", str(config), "--branch", BRANCH_ID, "--from", "2026-12-01", "--to", "2026-12-01")
    assert status == 0, found
    assert [contract["contract_no"] for contract in found["contracts"]] == [early.contract_no]
    assert found["contracts"][0]["upgrade_state"] == "pending"
    assert datetime.fromisoformat(found["contracts"][0]["signed_at"]) == early.signed_at
    assert "pdf" not in found["contracts"][0]
    assert found["message"]["zh"] == "找到 1 份合同。"


def test_upgrade_without_tsa_is_a_config_error(tmp_path, hq_pki, hq_database):
    path, engine = hq_database
    config = write_hq_config(tmp_path, hq_pki, f"sqlite:///{path}", free_port())
    with pytest.raises(ValueError, match="tsa_url"):
        upgrade_pending(engine, HqSettings.load(config))

    status, report = _cli(tmp_path, "upgrade", "--config", str(config))
    assert status == 2
    assert "tsa_url" in report["error"]
    assert os.path.exists(path)
