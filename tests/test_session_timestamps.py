"""A whole demo session with a timestamp authority: B-T when it responds, B-B and a queued upgrade when it does not.

The TSA is the local openssl one of tests/pki; a closed port on 127.0.0.1 stands for a
branch whose network is down.
"""

import logging

from countersign import cli
from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.timestamps import TIMESTAMP_PENDING_EVENT
from kiosk.contracts.validation import load_trust_roots, verify_contract_pdf
from kiosk.session import Stage
from tests.pki.fixtures import authority, pki_server  # noqa: F401 - fixtures are found by name
from tests.pki.servers import closed_port_url


def _use_tsa(home, url: str, timeout: float) -> None:
    """Point the branch's ``[signing]`` section at ``url`` with a budget of ``timeout`` seconds."""
    config_file = home / "branch.toml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace("[signing]\n", f'[signing]\ntsa_url = "{url}"\ntsa_timeout = {timeout}\n', 1), encoding="utf-8"
    )


def _sign_one(home, face_model):
    """Run one demo session to the end; return (session, stored PAdES level, unsent outbox events)."""
    config = load_config(home)
    with BranchRuntime(config, face_model=face_model) as runtime:
        store = runtime.services.store
        seed_demo_reservation(store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.stage is Stage.DONE, session.records[-1]
        (level,) = store.database.connection.execute(
            "SELECT pades_level FROM contracts WHERE contract_no = ?", (session.signed.contract_no,)
        ).fetchone()
        events = store.pending_events()
    return session, level, events, config


def test_unreachable_tsa_queues_upgrade(branch_home, face_model):
    _use_tsa(branch_home, closed_port_url(), 2.0)

    session, level, events, config = _sign_one(branch_home, face_model)

    contract_no = session.signed.contract_no
    assert level == "B-B"
    pending = [event for event in events if event.event_type == TIMESTAMP_PENDING_EVENT]
    assert [event.aggregate_id for event in pending] == [contract_no]
    signed = next(event for event in events if event.event_type == "contract.signed")
    assert pending[0].payload["pdf_sha256"] == signed.payload["pdf_sha256"]
    assert pending[0].created_at.utcoffset() == signed.created_at.utcoffset()
    assert pending[0].created_at >= signed.created_at
    assert signed.payload["pades_level"] == "B-B"

    result = verify_contract_pdf(session.signed.pdf, load_trust_roots(list(config.trust_roots)))
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-B"


def test_answering_tsa_seals_b_t(branch_home, face_model, pki_server, authority, capsys, caplog):
    _use_tsa(branch_home, pki_server.tsa_url, 5.0)

    with caplog.at_level(logging.ERROR):
        session, level, events, config = _sign_one(branch_home, face_model)

    # The branch trusts only its demo root, not the test authority behind the TSA.
    assert "does not chain to the branch's trust roots" in caplog.text

    assert level == "B-T"
    assert not [event for event in events if event.event_type == TIMESTAMP_PENDING_EVENT]
    # The seal chains to the demo root and the timestamp token to the test authority's root.
    trusted = load_trust_roots([*config.trust_roots, authority.root.certificate_path])
    result = verify_contract_pdf(session.signed.pdf, trusted)
    assert result.pades_level == "B-T"
    assert result.status == "valid", result.to_json()

    # Without the TSA's root, the file is sound but "invalid", and the verdict names the reason.
    alone = verify_contract_pdf(session.signed.pdf, load_trust_roots(list(config.trust_roots)))
    assert alone.status == "invalid"
    assert alone.untrusted
    assert any("TSA" in problem for problem in alone.to_json()["problems"])

    pdf = branch_home / "b-t.pdf"
    pdf.write_bytes(session.signed.pdf)
    assert cli.main(["--home", str(branch_home), "contract", "verify", str(pdf)]) == 1
    assert "时间戳服务的证书不在信任的根证书之下" in capsys.readouterr().out
