"""A whole rental through a vendor-SDK reader: the library's decoded photo feeds face matching."""

import json

import pytest

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.errors import ReaderLibraryError
from devices.idcard.text_block import ResidentTextFields, encode_resident_text
from devices.signature_pad import SimulatedSignaturePad
from kiosk.session import Stage
from tests.vendor_sdk.fake_sdk import FakeDevice, build_fake_sdk, face_bmp


def test_vendor_reader_rental_is_signed(branch_home, faces_dir, face_model, tmp_path, monkeypatch):
    library = build_fake_sdk(tmp_path)
    device = FakeDevice(tmp_path / "reader", monkeypatch)
    card = json.loads((branch_home / "cards" / "demo-customer.json").read_text())
    device.present(encode_resident_text(ResidentTextFields(**card["fields"])), face_bmp(faces_dir))

    config_file = branch_home / "branch.toml"
    text = config_file.read_text()
    reader_table = text[text.index("[reader]") : text.index("[camera]")]
    config_file.write_text(
        text.replace(
            reader_table,
            f"""[reader]
kind = "vendor_sdk"

[reader.vendor_sdk]
library = "{library}"
port = 1001
functions = {{ open = "fake_open", find = "fake_find", select = "fake_select", read = "fake_read", photo = "fake_photo", close = "fake_close" }}

""",
        )
    )

    runtime = BranchRuntime(load_config(branch_home), face_model=face_model).start()
    try:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.stage is Stage.DONE, session.records[-1]
        face = next(check for check in session.checks if check.name == "face_match")
        assert face.details["distance"] < face.details["threshold"]
    finally:
        runtime.stop()


def test_vendor_reader_with_missing_function_stops_start_up(branch_home, tmp_path, face_model):
    library = build_fake_sdk(tmp_path)
    config_file = branch_home / "branch.toml"
    text = config_file.read_text()
    reader_table = text[text.index("[reader]") : text.index("[camera]")]
    config_file.write_text(
        text.replace(
            reader_table,
            f"""[reader]
kind = "vendor_sdk"

[reader.vendor_sdk]
library = "{library}"
functions = {{ open = "fake_open", find = "fake_find", select = "fake_select", read = "fake_read", photo = "no_such_photo", close = "fake_close" }}

""",
        )
    )
    with pytest.raises(ReaderLibraryError, match="no function no_such_photo"):
        BranchRuntime(load_config(branch_home), face_model=face_model).start()
