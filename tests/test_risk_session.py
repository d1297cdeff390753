"""The risk step inside a real rental session: a blacklisted customer is refused offline, with the record kept and explained."""

import json
import subprocess
import sys
import uuid

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.store.sync_store import StoreSyncAdapter
from sync.protocol import ReferenceChange

DEMO_NUMBER = "110105196108040013"


def _blacklist(store, expires_on: str | None) -> None:
    value = {
        "document_number": DEMO_NUMBER,
        "reason": {"zh": "车辆损坏未赔偿", "en": "unpaid damage to a vehicle"},
        "source": "HQ risk desk",
        "starts_on": "2026-01-01",
        "expires_on": expires_on,
    }
    StoreSyncAdapter(store).apply_reference_changes("blacklist", [ReferenceChange(key="BL-7", cursor=1, value=value)], 1)


def test_blacklisted_customer_is_refused_with_the_reason(branch_home, face_model):
    with BranchRuntime(load_config(branch_home), face_model=face_model) as runtime:
        store = runtime.services.store
        _blacklist(store, None)
        seed_demo_reservation(store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())

        assert session.decision == "refused"
        assert "车辆损坏未赔偿" in session.records[-1].reason.zh
        assert "appeal" in session.records[-1].reason.en
        risk = next(check for check in session.checks if check.name == "risk")
        assert risk.details["rules"] == ["blacklist"]
        # A refused customer is not looked up in the national service.
        assert "national_id" not in [check.name for check in session.checks]
        (event,) = store.pending_events()
        assert event.payload["risk"]["decision"] == "refuse"
        assert DEMO_NUMBER not in json.dumps(event.payload, ensure_ascii=False)


def test_expired_entry_no_longer_applies(branch_home, face_model):
    with BranchRuntime(load_config(branch_home), face_model=face_model) as runtime:
        _blacklist(runtime.services.store, runtime.clock().date().isoformat())
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.decision == "approved"


def test_demo_transaction_is_explained(branch_home, faces_dir):
    run = [sys.executable, "-m", "countersign", "--home", str(branch_home), "--faces", str(faces_dir), "--json"]
    demo = subprocess.run([*run, "demo"], capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-2000:]
    transaction_id = json.loads(demo.stdout)["transaction_id"]

    # Logs print the id as a UUID with hyphens; both forms are accepted.
    hyphenated = str(uuid.UUID(transaction_id))
    explained = subprocess.run([*run, "risk", "explain", hyphenated], capture_output=True, text=True, timeout=120)

    assert explained.returncode == 0, explained.stderr
    record = json.loads(explained.stdout)
    assert record["decision"] == "approve"
    assert record["rules"] == []
    assert record["band"] == "standard"
    assert record["config_version"]
    assert record["overrides"] == []


def test_same_document_at_another_branch_within_hours(tmp_path, provisioned_branch, faces_dir, hq_pki, hq_sqlite):
    """Branch A verifies the demo customer; branch B, after a sync, sees that and asks a supervisor."""
    import shutil

    from hq.pki import issue_kiosk
    from tests.hq_fixtures import link_branch

    homes = {}
    for branch_id in ("BJ-CY01", "SH-PD01"):
        home = tmp_path / branch_id
        shutil.copytree(provisioned_branch, home)
        profile = json.loads((home / "branch.json").read_text(encoding="utf-8"))
        (home / "branch.json").write_text(json.dumps(profile | {"branch_id": branch_id}, ensure_ascii=False), encoding="utf-8")
        kiosk = issue_kiosk(hq_pki.ca, tmp_path / "kiosks" / branch_id, branch_id, "kiosk-01")
        link_branch(home, type(hq_pki)(hq_pki.ca, hq_pki.server, kiosk), hq_sqlite.url)
        homes[branch_id] = home

    def countersign(home, *argv):
        result = subprocess.run(
            [sys.executable, "-m", "countersign", "--home", str(home), "--faces", str(faces_dir), "--json", *argv],
            capture_output=True, text=True, timeout=300,
        )
        return json.loads(result.stdout)

    assert countersign(homes["BJ-CY01"], "demo")["decision"] == "approved"
    assert countersign(homes["BJ-CY01"], "sync", "now")["status"] == "ok"
    assert countersign(homes["SH-PD01"], "sync", "now")["pulled"] >= 1

    second = countersign(homes["SH-PD01"], "demo")

    assert second["decision"] == "clerk_review"
    record = countersign(homes["SH-PD01"], "risk", "explain", second["transaction_id"])
    (rule,) = record["rules"]
    assert (rule["rule"], rule["action"], rule["details"]) == ("several_branches", "supervisor_approval", {"branches": ["BJ-CY01"]})
    assert rule["customer_reason"]["en"] == "Staff need to check some details. Please wait a moment."


def test_supervisor_overrides_a_risk_review_on_the_record(branch_home, face_model):
    """A phone shared by three identities sends the rental to review; a supervisor lets it go on, on the record."""
    from kiosk.session import Stage
    from kiosk.session.assisted import override_checks
    from kiosk.store.accounts import AccountStore, Role
    from kiosk.store.risk_cache import RiskCache

    with BranchRuntime(load_config(branch_home), face_model=face_model) as runtime:
        store = runtime.services.store
        now = runtime.clock()
        reservation = seed_demo_reservation(store, now)
        with store.database.transaction() as connection:
            for n in range(2):
                connection.execute(
                    "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, address, phone, "
                    "first_seen_at, last_seen_at) VALUES ('resident', ?, ?, '张三', '1', '1990-01-01', '', ?, ?, ?)",
                    (f"other-{n}", f"11010119900101{n:04d}", reservation.phone, now.isoformat(), now.isoformat()),
                )
        accounts = AccountStore(store.database)
        it = accounts.add_account(None, "it.li", "Li", Role.BRANCH_IT, "204817", now)
        actor_it = accounts.authenticate("it.li", "204817", now)
        accounts.add_account(actor_it, "clerk.wu", "Wu", Role.CLERK, "318642", now)
        accounts.add_account(actor_it, "sup.zhao", "Zhao", Role.SUPERVISOR, "746251", now)
        assert it.role is Role.BRANCH_IT

        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.stage is Stage.CLERK_REVIEW
        assert session.risk_record.decision.value == "clerk_review"

        clerk = accounts.authenticate("clerk.wu", "318642", now)
        record = override_checks(session, accounts, clerk, "sup.zhao", "746251", "phone is the family's shared number, checked")

        assert session.stage is Stage.CONTRACT, record
        stored = RiskCache(store).decision(session.verification_id)
        assert stored["decision"] == "approve"
        assert [rule["rule"] for rule in stored["rules"]] == ["shared_phone"]
        (override,) = stored["overrides"]
        assert (override["rule"], override["account_id"], override["approved_by"]) == ("shared_phone", "clerk.wu", "sup.zhao")
