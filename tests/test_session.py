"""The rental session end to end on simulated devices, real faces, real sealing and a real store."""

import json
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image

from countersign.config import load_config
from countersign.demo_branch import IMPOSTOR_FRAMES, seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.idcard.simulator import Fault
from devices.signature_pad import Signature, SimulatedSignaturePad
from kiosk.checks import Outcome
from kiosk.contracts.validation import load_trust_roots, validate_sealed_pdf
from kiosk.errors import SessionStateError
from kiosk.rental import Vehicle
from kiosk.session import Stage
from kiosk.session.consent import FACE_CONSENT_VERSION, ID_CONSENT_VERSION


@pytest.fixture
def start_runtime(branch_home, face_model):
    """Start a BranchRuntime on the test's branch copy; stopped at teardown."""
    runtimes = []

    def start(camera_frames=None, seed=True) -> BranchRuntime:
        runtime = BranchRuntime(load_config(branch_home), camera_frames=camera_frames, face_model=face_model).start()
        runtimes.append(runtime)
        if seed:
            seed_demo_reservation(runtime.services.store, runtime.clock())
        return runtime

    yield start
    for runtime in runtimes:
        runtime.stop()


def _walk_to(session, stage: Stage) -> None:
    """Run the happy-path steps until ``stage`` is reached, failing on any other outcome."""
    steps = {
        Stage.WELCOME: session.start,
        Stage.CONSENT: lambda: session.give_consent(True, True),
        Stage.DOCUMENT: session.read_document,
        Stage.LICENCE: session.check_licence,
        Stage.FACE: session.capture_face,
        Stage.VERIFICATION: session.verify,
    }
    while session.stage is not stage:
        record = steps[session.stage]()
        assert record.outcome is Outcome.PASS, record


def _frames_folder(tmp_path, images: dict[str, bytes | Image.Image]):
    folder = tmp_path / "frames"
    folder.mkdir()
    for name, content in images.items():
        if isinstance(content, Image.Image):
            content.save(folder / name)
        else:
            (folder / name).write_bytes(content)
    return folder


def test_whole_rental_signed_and_stored(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    drive_session(session, SimulatedSignaturePad())

    assert session.stage is Stage.DONE, session.records[-1]
    assert session.decision == "approved"
    assert [r.stage.value for r in session.records] == [
        "welcome", "consent", "document", "licence", "face", "verification", "contract", "contract", "sign"
    ]
    stored = runtime.services.store.contract(session.signed.contract_no)
    assert stored.pdf == session.signed.pdf
    (report,) = validate_sealed_pdf(stored.pdf, load_trust_roots(list(runtime.config.trust_roots)))
    assert report.ok

    events = [e.event_type for e in runtime.services.store.pending_events()]
    assert events == ["verification.recorded", "contract.signed"]
    checks = {c.name: c.outcome for c in session.checks}
    assert checks == {
        "document_number": Outcome.PASS,
        "document_validity": Outcome.PASS,
        "customer_age": Outcome.PASS,
        "licence_holder": Outcome.PASS,
        "licence_class": Outcome.PASS,
        "licence_validity": Outcome.PASS,
        "licence_probation": Outcome.PASS,
        "liveness": Outcome.SKIPPED,
        "face_match": Outcome.PASS,
        "face_duplicate": Outcome.PASS,
        "risk": Outcome.PASS,
        "national_id": Outcome.SKIPPED,
        "contract_check": Outcome.PASS,
    }
    assert runtime.services.store.find_reservation("110105196108040013") is None
    consent = runtime.services.store.pending_events()[0].payload["consent"]
    assert consent["id_processing"] == {"version": ID_CONSENT_VERSION, "given": True}
    assert consent["face_processing"] == {"version": FACE_CONSENT_VERSION, "given": True}


def test_other_person_refused_on_face(start_runtime, branch_home):
    runtime = start_runtime(camera_frames=branch_home / IMPOSTOR_FRAMES)
    session = runtime.new_session()
    drive_session(session, SimulatedSignaturePad())

    assert session.stage is Stage.REFUSED
    last = session.records[-1]
    assert last.stage is Stage.VERIFICATION
    assert "face does not match" in last.reason.en.lower()
    assert last.reason.zh.startswith("人脸与证件照片不一致。")
    face = next(c for c in session.checks if c.name == "face_match")
    assert face.details["distance"] >= face.details["threshold"]
    assert session.signed is None
    (event,) = runtime.services.store.pending_events()
    assert event.payload["verification"]["decision"] == "refused"


def test_no_card_asks_to_place_card_then_reads(start_runtime, caplog):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    runtime.simulator.remove()

    record = session.read_document()
    assert record.outcome is Outcome.RETRY
    assert session.stage is Stage.DOCUMENT
    assert "No card found" in record.reason.en
    assert record.reason.zh == "未检测到证件，请将身份证放在读卡区。"
    assert f"session {session.session_id}: card read failed: NoCardError" in caplog.text

    runtime.simulator.present(_demo_card(runtime))
    assert session.read_document().outcome is Outcome.PASS


def _demo_card(runtime):
    from countersign.demo_branch import load_simulated_card

    return load_simulated_card(runtime.config.reader.card, runtime.services.photo_decoder)


def test_card_removed_mid_read_asks_to_hold_still(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    runtime.simulator.inject(Fault.REMOVE_DURING_READ)

    record = session.read_document()
    assert record.outcome is Outcome.RETRY
    assert "moved while it was read" in record.reason.en


def test_one_bad_checksum_is_recovered_silently(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    runtime.simulator.inject(Fault.BAD_CHECKSUM)
    assert session.read_document().outcome is Outcome.PASS


def test_repeated_bad_checksums_ask_to_try_again(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    runtime.simulator.inject(Fault.BAD_CHECKSUM, Fault.BAD_CHECKSUM, Fault.BAD_CHECKSUM)

    record = session.read_document()
    assert record.outcome is Outcome.RETRY
    assert "garbled" in record.reason.en
    assert session.read_document().outcome is Outcome.PASS


def test_two_faces_ask_for_one_person(start_runtime, faces_dir, tmp_path, caplog):
    left = Image.open(faces_dir / "obama2.jpg").convert("RGB").resize((600, 1150))
    right = Image.open(faces_dir / "biden.jpg").convert("RGB").resize((600, 1150))
    both = Image.new("RGB", (1200, 1150))
    both.paste(left, (0, 0))
    both.paste(right, (600, 0))
    runtime = start_runtime(camera_frames=_frames_folder(tmp_path, {"two.png": both}))
    session = runtime.new_session()
    _walk_to(session, Stage.FACE)

    record = session.capture_face()
    assert record.outcome is Outcome.RETRY
    assert session.stage is Stage.FACE
    assert "More than one face" in record.reason.en
    assert "2 faces in a 640x480 image" in caplog.text


def test_no_face_asks_to_look_at_camera(start_runtime, tmp_path):
    blank = Image.fromarray(np.full((480, 640, 3), 180, dtype=np.uint8))
    runtime = start_runtime(camera_frames=_frames_folder(tmp_path, {"wall.png": blank}))
    session = runtime.new_session()
    _walk_to(session, Stage.FACE)

    record = session.capture_face()
    assert record.outcome is Outcome.RETRY
    assert "No face found" in record.reason.en


def test_unreadable_frames_ask_to_retake(start_runtime, faces_dir, tmp_path):
    broken = (faces_dir / "obama2.jpg").read_bytes()[:2000]
    runtime = start_runtime(camera_frames=_frames_folder(tmp_path, {"broken.jpg": broken}))
    session = runtime.new_session()
    _walk_to(session, Stage.FACE)

    record = session.capture_face()
    assert record.outcome is Outcome.RETRY
    assert record.reason.en == "Capture failed, please retake."


def test_unreadable_frame_is_skipped_for_a_good_one(start_runtime, faces_dir, tmp_path):
    frames = {"0.jpg": b"garbage", "1.jpg": (faces_dir / "obama2.jpg").read_bytes()}
    runtime = start_runtime(camera_frames=_frames_folder(tmp_path, frames))
    session = runtime.new_session()
    _walk_to(session, Stage.FACE)
    assert session.capture_face().outcome is Outcome.PASS


def test_card_expiring_before_return_is_refused(start_runtime, branch_home):
    runtime = start_runtime()
    tomorrow = runtime.clock().date() + timedelta(days=1)
    card_file = branch_home / "cards" / "demo-customer.json"
    card = json.loads(card_file.read_text())
    card["fields"]["valid_to"] = f"{tomorrow:%Y%m%d}"
    card_file.write_text(json.dumps(card, ensure_ascii=False))
    runtime.simulator.present(_demo_card(runtime))

    session = runtime.new_session()
    _walk_to(session, Stage.LICENCE)
    record = session.check_licence()
    assert session.stage is Stage.REFUSED
    assert record.outcome is Outcome.FAIL
    assert f"expires on {tomorrow:%Y-%m-%d}" in record.reason.en


def test_c2_licence_for_manual_car_is_refused(start_runtime):
    runtime = start_runtime(seed=False)
    store = runtime.services.store
    reservation = seed_demo_reservation(store, runtime.clock())
    manual = Vehicle("V-0002", "京A·D0002", "大众帕萨特 2.0T 手动挡", "Volkswagen Passat 2.0T manual", "C1", "midsize")
    store.put_reservation(replace(reservation, vehicle=manual, licence=replace(reservation.licence, licence_class="C2")))

    session = runtime.new_session()
    _walk_to(session, Stage.LICENCE)
    record = session.check_licence()
    assert session.stage is Stage.REFUSED
    assert "does not permit this vehicle" in record.reason.en


def test_invalid_number_on_card_is_refused(start_runtime, branch_home):
    runtime = start_runtime()
    card_file = branch_home / "cards" / "demo-customer.json"
    card = json.loads(card_file.read_text())
    card["fields"]["number"] = "110105196108040014"
    card_file.write_text(json.dumps(card, ensure_ascii=False))
    runtime.simulator.present(_demo_card(runtime))

    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    record = session.read_document()
    assert session.stage is Stage.REFUSED
    assert "check character" in record.reason.en


def test_card_without_reservation_goes_to_clerk(start_runtime):
    runtime = start_runtime(seed=False)
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    record = session.read_document()
    assert session.stage is Stage.CLERK_REVIEW
    assert "No reservation" in record.reason.en


def test_declined_id_consent_goes_to_counter(start_runtime):
    session = start_runtime().new_session()
    session.start()
    record = session.give_consent(False, True)
    assert session.stage is Stage.CLERK_REVIEW
    assert "counter" in record.reason.en


def test_unacknowledged_clause_blocks_signing(start_runtime):
    session = start_runtime().new_session()
    _walk_to(session, Stage.CONTRACT)
    session.prepare_contract()
    record = session.acknowledge(["deposit"])
    assert record.outcome is Outcome.RETRY
    assert session.stage is Stage.CONTRACT
    assert "Personal data" in record.reason.en


def test_blank_signature_asks_to_sign_again(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.CONTRACT)
    session.prepare_contract()
    session.acknowledge(session.clauses_to_acknowledge)

    record = session.sign(Signature(600, 200, []))
    assert record.outcome is Outcome.RETRY
    assert session.stage is Stage.SIGN
    assert session.sign(SimulatedSignaturePad().capture()).outcome is Outcome.PASS


def test_changed_contract_goes_to_clerk(start_runtime):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.CONTRACT)
    session.prepare_contract()
    session.acknowledge(session.clauses_to_acknowledge)
    session.draft = replace(session.draft, values={**session.draft.values, "deposit": 0})

    record = session.sign(SimulatedSignaturePad().capture())
    assert session.stage is Stage.CLERK_REVIEW
    assert "Deposit (pre-authorised)" in record.reason.en
    assert runtime.services.store.contract(session.draft.contract_number) is None


def test_step_out_of_order_raises(start_runtime):
    session = start_runtime().new_session()
    with pytest.raises(SessionStateError):
        session.verify()


def test_changed_id_number_is_not_logged(start_runtime, caplog):
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.CONTRACT)
    session.prepare_contract()
    session.acknowledge(session.clauses_to_acknowledge)
    session.draft = replace(session.draft, values={**session.draft.values, "lessee_id_number": "11010519491231002X"})

    record = session.sign(SimulatedSignaturePad().capture())
    assert session.stage is Stage.CLERK_REVIEW
    assert "ID number" in record.reason.en
    assert "lessee_id_number: differs from identity.number" in caplog.text
    assert "110105196108040013" not in caplog.text
    assert "11010519491231002X" not in caplog.text


def test_forget_personal_data_clears_everything(start_runtime):
    session = start_runtime().new_session()
    drive_session(session, SimulatedSignaturePad())
    session.forget_personal_data()
    assert session.identity is None
    assert session.checks == []
    assert session.draft is None
    assert session.signed is None
    assert session.consent is None
    assert "110105196108040013" not in repr(session.records)


def _present_permit_holder(runtime, branch_home, valid_to: str):
    """Put a Hong Kong resident's permit (with the demo photo) on the reader and book a car for them."""
    from devices.idcard.simulator import SimulatedCard
    from devices.idcard.text_block import HmtPermitTextFields, encode_text_block
    from kiosk.identity.id_number import check_character

    number = "81000019610804001" + check_character("81000019610804001")
    fields = HmtPermitTextFields(
        name="陈大文", sex="1", birth_date="19610804", address="广东省深圳市福田区福华路 1 号", number=number,
        issuing_authority="深圳市公安局福田分局", valid_from="20240101", valid_to=valid_to,
        pass_number="H12345678", issue_count="01",
    )
    photo = (branch_home / "cards" / "demo-customer.png").read_bytes()
    runtime.simulator.present(SimulatedCard(encode_text_block(fields), runtime.services.photo_decoder.register(photo)))

    store = runtime.services.store
    demo = seed_demo_reservation(store, runtime.clock())
    store.supersede_open_reservations(demo.document_number)
    licence = replace(demo.licence, number=number, name="陈大文")
    store.put_reservation(replace(demo, reservation_no="R-HK-1", customer_name="陈大文", document_number=number, licence=licence))
    return number


def test_hong_kong_permit_holder_rents_end_to_end(start_runtime, branch_home):
    runtime = start_runtime(seed=False)
    _present_permit_holder(runtime, branch_home, valid_to="20290101")
    session = runtime.new_session()
    drive_session(session, SimulatedSignaturePad())
    assert session.stage is Stage.DONE, session.records[-1]
    assert session.identity.document_type.value == "hmt_residence_permit"
    assert session.identity.pass_number == "H12345678"
    stored = runtime.services.store.contract(session.signed.contract_no)
    assert stored.reservation_no == "R-HK-1"


def test_permit_expiring_within_two_months_is_refused(start_runtime, branch_home):
    runtime = start_runtime(seed=False)
    soon = runtime.clock().date() + timedelta(days=20)
    _present_permit_holder(runtime, branch_home, valid_to=f"{soon:%Y%m%d}")
    session = runtime.new_session()
    _walk_to(session, Stage.LICENCE)
    record = session.check_licence()
    assert session.stage is Stage.REFUSED
    assert "residence permit for Hong Kong, Macao and Taiwan residents" in record.reason.en
    assert "less than 2 months after the return date" in record.reason.en


def test_unknown_card_type_goes_to_clerk(start_runtime):
    from devices.idcard.simulator import SimulatedCard

    runtime = start_runtime()
    card = _demo_card(runtime)
    text = bytearray(card.text)
    text[248:250] = "Q".encode("utf-16-le")
    runtime.simulator.present(SimulatedCard(bytes(text), card.photo))
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    record = session.read_document()
    assert session.stage is Stage.CLERK_REVIEW
    assert "not recognised" in record.reason.en


def test_card_content_not_understood_goes_to_clerk(start_runtime):
    from devices.idcard.simulator import SimulatedCard
    from devices.idcard.text_block import ResidentTextFields, encode_text_block

    runtime = start_runtime()
    fields = ResidentTextFields("王建国", "1", "77", "19610804", "", "110105196108040013", "", "20160520", "长期")
    runtime.simulator.present(SimulatedCard(encode_text_block(fields), _demo_card(runtime).photo))
    session = runtime.new_session()
    _walk_to(session, Stage.DOCUMENT)
    record = session.read_document()
    assert session.stage is Stage.CLERK_REVIEW
    assert "cannot be understood" in record.reason.en


def test_abolished_division_warning_reaches_the_stored_verification(start_runtime, branch_home):
    from devices.idcard.simulator import SimulatedCard
    from devices.idcard.text_block import ResidentTextFields, encode_text_block
    from kiosk.identity.id_number import check_character

    runtime = start_runtime(seed=False)
    number = "11010319610804001" + check_character("11010319610804001")
    card = json.loads((branch_home / "cards" / "demo-customer.json").read_text())
    fields = ResidentTextFields(**{**card["fields"], "number": number})
    runtime.simulator.present(SimulatedCard(encode_text_block(fields), _demo_card(runtime).photo))
    store = runtime.services.store
    demo = seed_demo_reservation(store, runtime.clock())
    store.put_reservation(replace(demo, reservation_no="R-OLD", document_number=number, licence=replace(demo.licence, number=number)))

    session = runtime.new_session()
    drive_session(session, SimulatedSignaturePad())
    assert session.stage is Stage.DONE, session.records[-1]
    document = next(check for check in session.checks if check.name == "document_number")
    assert "abolished" in document.reason.en
    stored = [event for event in store.pending_events() if event.event_type == "verification.recorded"][-1]
    assert "abolished" in json.dumps(stored.payload, ensure_ascii=False)


def test_appended_address_replaces_printed_address(start_runtime, branch_home):
    from devices.idcard.ga467 import encode_appended_address
    from devices.idcard.simulator import SimulatedCard

    config_file = branch_home / "branch.toml"
    config_file.write_text(config_file.read_text().replace("read_appended_address = false", "read_appended_address = true"))
    runtime = start_runtime()
    card = _demo_card(runtime)
    runtime.simulator.present(SimulatedCard(card.text, card.photo, appended_address=encode_appended_address("上海市浦东新区世纪大道 100 号")))
    session = runtime.new_session()
    _walk_to(session, Stage.LICENCE)
    assert session.identity.address == "上海市浦东新区世纪大道 100 号"
    assert "30 03" in runtime.simulator.received


def test_card_without_appended_address_keeps_printed_address(start_runtime, branch_home):
    config_file = branch_home / "branch.toml"
    config_file.write_text(config_file.read_text().replace("read_appended_address = false", "read_appended_address = true"))
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.LICENCE)
    assert session.identity.address.startswith("北京市朝阳区建国路")


def test_liveness_on_still_photos_hands_over_after_five_attempts(start_runtime, branch_home):
    config_file = branch_home / "branch.toml"
    text = config_file.read_text().replace("liveness = false", "liveness = true").replace("capture_seconds = 4.0", "capture_seconds = 1.6")
    config_file.write_text(text)
    runtime = start_runtime()
    session = runtime.new_session()
    _walk_to(session, Stage.FACE)

    prompts = []
    for attempt in range(4):
        prompts.append(session.challenge_prompt)
        record = session.capture_face()
        assert record.outcome is Outcome.RETRY, record
        assert session.stage is Stage.FACE
    record = session.capture_face()
    assert session.stage is Stage.CLERK_REVIEW
    assert record.outcome is Outcome.REVIEW
    liveness = next(check for check in session.checks if check.name == "liveness")
    assert liveness.details["failures"] == 5
    assert all(prompt is not None for prompt in prompts)
    (event,) = runtime.services.store.pending_events()
    assert event.payload["verification"]["decision"] == "clerk_review"


def test_same_face_under_another_identity_goes_to_clerk(start_runtime, branch_home):
    runtime = start_runtime()
    first = runtime.new_session()
    drive_session(first, SimulatedSignaturePad())
    assert first.stage is Stage.DONE

    _present_permit_holder(runtime, branch_home, valid_to="20290101")
    second = runtime.new_session()
    drive_session(second, SimulatedSignaturePad())
    assert second.stage is Stage.CLERK_REVIEW, second.records[-1]
    duplicate = next(check for check in second.checks if check.name == "face_duplicate")
    assert duplicate.outcome is Outcome.REVIEW
    assert "110105********0013" in duplicate.details["clerk_reason"]["en"]
    assert "110105196108040013" not in json.dumps(duplicate.to_json(), ensure_ascii=False)
    assert "110105********0013" not in duplicate.reason.en
