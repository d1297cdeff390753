"""``countersign archive verify`` on a branch store filled by real demo sessions, then tampered with.

Each test copies one archive of four sealed contracts, changes it the way someone
editing the SQLCipher store by hand would, and checks that the archive check names
the contract concerned, and no other.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.validation import load_trust_roots
from kiosk.session import Stage
from kiosk.store.archive import verify_archive
from kiosk.store.key_sources.rotation import open_keyed_store

CONTRACTS = 4
DEMO_ID_NUMBER = "110105196108040013"

RUN_CLI = "import sys; from countersign import cli; sys.exit(cli.main(sys.argv[1:]))"


@pytest.fixture(scope="module")
def archive_home(provisioned_branch, tmp_path_factory, face_model):
    """A branch whose store holds four contracts signed in demo sessions; returns (home, contract numbers)."""
    home = tmp_path_factory.mktemp("archive") / "branch"
    shutil.copytree(provisioned_branch, home)
    numbers = []
    with BranchRuntime(load_config(home), face_model=face_model) as runtime:
        for _ in range(CONTRACTS):
            seed_demo_reservation(runtime.services.store, runtime.clock())
            session = runtime.new_session()
            drive_session(session, SimulatedSignaturePad())
            assert session.stage is Stage.DONE, session.records[-1]
            numbers.append(session.signed.contract_no)
    return home, numbers


@pytest.fixture
def archive(archive_home, tmp_path):
    """A private copy of the four-contract archive; returns (home, contract numbers)."""
    home, numbers = archive_home
    copy = tmp_path / "branch"
    shutil.copytree(home, copy)
    return copy, numbers


def tamper(home, change: Callable) -> None:
    """Open the branch store with its key and run ``change(connection)`` on it."""
    config = load_config(home)
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        change(database.connection)
    finally:
        database.close()


def problems_of(home) -> list[tuple[str, str]]:
    """Run the archive check in process and return its (contract number, problem) pairs."""
    config = load_config(home)
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        report = verify_archive(database, load_trust_roots(list(config.trust_roots)))
    finally:
        database.close()
    return [(problem.contract_no, problem.problem) for problem in report.problems]


def named(problems: list[tuple[str, str]]) -> set[str]:
    return {contract_no for contract_no, _ in problems}


def run_verify(home, *options: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COUNTERSIGN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, "archive", "verify", *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


# Detection ---------------------------------------------------------------------------


def test_untouched_archive_has_no_problems(archive):
    home, _ = archive
    assert problems_of(home) == []


def test_altered_pdf_byte_is_named(archive):
    home, numbers = archive
    target = numbers[1]

    def flip_byte(connection) -> None:
        pdf = bytearray(connection.execute("SELECT pdf FROM contracts WHERE contract_no = ?", (target,)).fetchone()[0])
        pdf[2000] ^= 0x01  # inside the first signed byte range, far from the signature value
        connection.execute("UPDATE contracts SET pdf = ? WHERE contract_no = ?", (bytes(pdf), target))

    tamper(home, flip_byte)
    problems = problems_of(home)
    assert named(problems) == {target}
    texts = [text for _, text in problems]
    assert "PDF altered: its SHA-256 differs from the evidence record" in texts
    assert "seal ContractSeal broken: the signed bytes were changed" in texts


def test_pdf_replaced_by_other_file_is_named(archive):
    home, numbers = archive
    target = numbers[0]
    tamper(home, lambda c: c.execute("UPDATE contracts SET pdf = ? WHERE contract_no = ?", (b"GIF89a not a pdf", target)))
    problems = problems_of(home)
    assert named(problems) == {target}
    assert (target, "stored PDF is not a PDF: it does not start with %PDF-") in problems


def _point_startxref_early(pdf: bytes) -> bytes:
    marker = pdf.rindex(b"startxref")
    start = int(pdf[marker:].split()[1])
    return pdf[:marker] + b"startxref\n%d\n%%%%EOF\n" % (start - 40)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda pdf: pdf + b"appended junk\n", "stored PDF damaged (trailing_data): "),
        (_point_startxref_early, "stored PDF has no usable seal (broken_xref): "),
        (lambda pdf: pdf[: len(pdf) // 2], "stored PDF has no usable seal (truncated): "),
    ],
    ids=["trailing data", "broken xref", "truncated"],
)
def test_damaged_stored_pdf_names_reason(archive, damage, expected):
    home, numbers = archive
    target = numbers[2]

    def damage_pdf(connection) -> None:
        pdf = bytes(connection.execute("SELECT pdf FROM contracts WHERE contract_no = ?", (target,)).fetchone()[0])
        connection.execute("UPDATE contracts SET pdf = ? WHERE contract_no = ?", (damage(pdf), target))

    tamper(home, damage_pdf)
    problems = problems_of(home)
    assert named(problems) == {target}
    texts = [text for _, text in problems]
    assert "PDF altered: its SHA-256 differs from the evidence record" in texts
    assert [text for text in texts if text.startswith(expected)], texts
    assert not [text for text in texts if "cannot be validated" in text], texts


@pytest.mark.parametrize(
    ("statement", "part"),
    [
        ("UPDATE contracts SET fields = replace(fields, '\"deposit\"', '\"deposit \"') WHERE contract_no = ?", "contract fields"),
        ("UPDATE contracts SET signed_at = '2026-01-01T00:00:00+08:00' WHERE contract_no = ?", "contract fields"),
        ("UPDATE contracts SET signature_strokes = '{\"strokes\": []}' WHERE contract_no = ?", "signature strokes"),
        ("UPDATE contracts SET acknowledgements = '[]' WHERE contract_no = ?", "acknowledgements or reading time"),
        ("UPDATE contracts SET reading_seconds = 600.0 WHERE contract_no = ?", "acknowledgements or reading time"),
        ("UPDATE contracts SET template_sha256 = 'ff' || substr(template_sha256, 3) WHERE contract_no = ?", "template hash"),
        (
            "UPDATE verifications SET checks = replace(checks, '\"fail\"', '\"pass\"') || ' ' "
            "WHERE verification_id = (SELECT verification_id FROM contracts WHERE contract_no = ?)",
            "verification result",
        ),
    ],
)
def test_altered_stored_field_is_named(archive, statement, part):
    home, numbers = archive
    target = numbers[2]
    tamper(home, lambda connection: connection.execute(statement, (target,)))
    assert problems_of(home) == [(target, f"{part} altered: its SHA-256 differs from the evidence record")]


def test_altered_evidence_record_is_named(archive):
    home, numbers = archive
    target = numbers[1]
    tamper(home, lambda c: c.execute("UPDATE contract_evidence SET strokes_sha256 = ? WHERE contract_no = ?", ("0" * 64, target)))
    assert problems_of(home) == [
        (target, "evidence record altered: its hash does not match its contents"),
        (target, "signature strokes altered: its SHA-256 differs from the evidence record"),
    ]


def test_removed_contract_is_named(archive):
    home, numbers = archive
    target = numbers[1]

    def remove(connection) -> None:
        connection.execute("DELETE FROM contract_evidence WHERE contract_no = ?", (target,))
        connection.execute("DELETE FROM contracts WHERE contract_no = ?", (target,))

    tamper(home, remove)
    assert problems_of(home) == [
        (target, f"contract removed: the record of {numbers[2]} links to it, but it is not stored")
    ]


def test_removed_evidence_record_alone_is_named(archive):
    home, numbers = archive
    target = numbers[1]

    def remove(connection) -> None:
        connection.execute("DELETE FROM contract_evidence WHERE contract_no = ?", (target,))

    tamper(home, remove)
    assert problems_of(home) == [
        (target, f"evidence record removed: the record of {numbers[2]} links to it"),
        (target, "no evidence record: the contract is not in its branch's chain"),
    ]


def test_wiped_archive_is_named_from_outbox(archive):
    home, numbers = archive

    def wipe(connection) -> None:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM contract_evidence")
        connection.execute("DELETE FROM contracts")
        connection.execute("DELETE FROM store_meta WHERE name LIKE 'evidence_head:%'")

    tamper(home, wipe)
    problems = problems_of(home)
    assert named(problems) == set(numbers)
    assert all("contract.signed event is in the outbox" in problem for _, problem in problems)


def test_removed_last_contract_is_named(archive):
    home, numbers = archive
    target = numbers[-1]

    def remove(connection) -> None:
        connection.execute("DELETE FROM contract_evidence WHERE contract_no = ?", (target,))
        connection.execute("DELETE FROM contracts WHERE contract_no = ?", (target,))

    tamper(home, remove)
    problems = problems_of(home)
    assert named(problems) == {target}
    assert problems[0][1].startswith("contract removed: the chain head names it as record 4")


def test_removed_contract_row_is_named(archive):
    home, numbers = archive
    target = numbers[0]

    def remove_row(connection) -> None:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM contracts WHERE contract_no = ?", (target,))

    tamper(home, remove_row)
    assert problems_of(home) == [(target, "contract removed: its evidence record remains, the contract row does not")]


def test_contract_without_record_is_named(archive):
    home, numbers = archive
    target = numbers[-1]

    def drop_record_and_head(connection) -> None:
        connection.execute("DELETE FROM contract_evidence WHERE contract_no = ?", (target,))
        connection.execute(
            "UPDATE store_meta SET value = json_set(value, '$.sequence', 3, '$.contract_no', ?, '$.record_hash', "
            " (SELECT record_hash FROM contract_evidence WHERE contract_no = ?)) WHERE name LIKE 'evidence_head:%'",
            (numbers[2], numbers[2]),
        )

    tamper(home, drop_record_and_head)
    assert problems_of(home) == [(target, "no evidence record: the contract is not in its branch's chain")]


def test_reordered_contracts_are_named(archive):
    home, numbers = archive
    second, third = numbers[1], numbers[2]

    def swap(connection) -> None:
        connection.execute("UPDATE contract_evidence SET sequence = -1 WHERE contract_no = ?", (second,))
        connection.execute("UPDATE contract_evidence SET sequence = 2 WHERE contract_no = ?", (third,))
        connection.execute("UPDATE contract_evidence SET sequence = 3 WHERE contract_no = ?", (second,))

    tamper(home, swap)
    problems = problems_of(home)
    assert (third, f"chain broken: the record links to {second} but follows {numbers[0]}") in problems
    assert (second, f"chain broken: the record links to {numbers[0]} but follows {third}") in problems
    assert (numbers[3], f"chain broken: the record links to {third} but follows {second}") in problems
    assert named(problems) == {second, third, numbers[3]}


# The command -------------------------------------------------------------------------


def test_verify_command_reports_json(archive):
    home, numbers = archive
    result = run_verify(home, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True, "contracts": CONTRACTS, "problems": []}

    target = numbers[0]
    tamper(home, lambda c: c.execute("UPDATE contracts SET reading_seconds = 1.0 WHERE contract_no = ?", (target,)))
    result = run_verify(home, "--json")
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["contracts"] == CONTRACTS
    assert payload["problems"] == [
        {"contract_no": target, "problem": "acknowledgements or reading time altered: its SHA-256 differs from the evidence record"}
    ]
    assert DEMO_ID_NUMBER not in result.stdout + result.stderr

    text = run_verify(home)
    assert text.returncode == 1
    assert f"  {target}  acknowledgements or reading time altered" in text.stdout
    assert "档案有问题 archive NOT OK" in text.stdout
    log_text = (home / "logs" / "countersign.log").read_text()
    assert f"archive verify: {target}: acknowledgements" in log_text
    assert DEMO_ID_NUMBER not in log_text


def test_verify_command_with_wrong_passphrase_exits_2(archive):
    home, _ = archive
    config = load_config(home)
    config.store_key.passphrase_file.write_text("not the passphrase\n")

    result = run_verify(home, "--json")
    assert result.returncode == 2
    assert "passphrase" in json.loads(result.stdout)["error"]
