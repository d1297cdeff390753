"""The vendor-SDK reader adapter against a fake vendor library that gcc builds at test time."""

import logging
import threading
import tomllib

import cv2
import numpy as np
import pytest

from devices.errors import (
    CardReadError,
    CardRemovedError,
    NoCardError,
    PhotoDecodeError,
    ReaderLibraryError,
    ReaderTimeoutError,
    ReaderUnavailableError,
)
from devices.idcard.text_block import ResidentTextFields, decode_resident_text, encode_resident_text
from devices.idcard.vendor_sdk import (
    DEFAULT_RETURN_CODES,
    Outcome,
    SdkFunctions,
    VendorSdkConfig,
    VendorSdkReader,
    check_bmp,
    load_library,
)
from tests.vendor_sdk.fake_sdk import FUNCTIONS, SOURCE, FakeDevice, build_fake_sdk, face_bmp, sdk_config

FIELDS = ResidentTextFields(
    name="王小明",
    sex="1",
    ethnicity="01",
    birth_date="19850612",
    address="广东省广州市天河区体育西路 10 号",
    number="440106198506120015",
    issuing_authority="广州市公安局天河分局",
    valid_from="20160301",
    valid_to="20360301",
)
TEXT = encode_resident_text(FIELDS)


@pytest.fixture(scope="module")
def fake_library(tmp_path_factory):
    return build_fake_sdk(tmp_path_factory.mktemp("fake-sdk"))


@pytest.fixture(scope="module")
def card_bmp(faces_dir):
    return face_bmp(faces_dir)


@pytest.fixture
def device(tmp_path, monkeypatch):
    return FakeDevice(tmp_path / "reader", monkeypatch)


@pytest.fixture
def vendor_reader(fake_library, device):
    reader = VendorSdkReader(sdk_config(fake_library))
    yield reader
    reader.close()


def test_reads_text_and_decoded_photo(vendor_reader, device, card_bmp):
    device.present(TEXT, card_bmp)
    read = vendor_reader.read_card()

    assert decode_resident_text(read.text) == FIELDS
    assert read.photo_image == card_bmp
    assert read.photo == b""
    image = cv2.imdecode(np.frombuffer(read.photo_image, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (126, 102, 3)


def test_photo_is_a_real_face(vendor_reader, device, card_bmp):
    import dlib

    device.present(TEXT, card_bmp)
    image = cv2.imdecode(np.frombuffer(vendor_reader.read_card().photo_image, np.uint8), cv2.IMREAD_COLOR)
    faces = dlib.get_frontal_face_detector()(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), 2)
    assert len(faces) == 1


def test_wlt_block_passed_on(vendor_reader, device, card_bmp):
    wlt = bytes(range(256)) * 4
    device.present(TEXT, card_bmp, wlt=wlt)
    read = vendor_reader.read_card()
    assert read.photo == wlt
    assert read.photo_image == card_bmp


def test_reads_again_for_the_next_customer(vendor_reader, device, card_bmp):
    device.present(TEXT, card_bmp)
    vendor_reader.read_card()
    other = encode_resident_text(ResidentTextFields(**{**FIELDS.__dict__, "name": "赵敏", "sex": "2"}))
    device.present(other, card_bmp)
    assert decode_resident_text(vendor_reader.read_card().text).name == "赵敏"


def test_no_card(vendor_reader, device):
    with pytest.raises(NoCardError, match=r"fake_find returned 128 \(0x80\): no_card"):
        vendor_reader.read_card()


def test_card_removed_mid_read(vendor_reader, device, card_bmp):
    device.present(TEXT, card_bmp)
    device.set_state("removed")
    with pytest.raises(CardRemovedError, match=r"fake_read returned 65 \(0x41\)"):
        vendor_reader.read_card()
    with pytest.raises(NoCardError):
        vendor_reader.read_card()


def test_timeout(vendor_reader, device, card_bmp):
    device.present(TEXT, card_bmp)
    device.set_state("timeout")
    with pytest.raises(ReaderTimeoutError, match=r"fake_find returned 2 \(0x02\): timeout"):
        vendor_reader.read_card()


def test_missing_function_names_library_and_function(fake_library, device):
    functions = SdkFunctions(open="fake_open", read="fake_read", photo="fake_photo", find="SDT_StartFindIDCard")
    reader = VendorSdkReader(sdk_config(fake_library, functions=functions))
    with pytest.raises(ReaderLibraryError) as raised:
        reader.read_card()
    assert str(raised.value) == f"reader library {fake_library} has no function SDT_StartFindIDCard (configured as functions.find)"


def test_missing_library_names_the_path(tmp_path, device):
    missing = tmp_path / "libsdtapi.so"
    reader = VendorSdkReader(sdk_config(missing))
    with pytest.raises(ReaderLibraryError, match=f"cannot load reader library {missing}"):
        reader.read_card()


def test_load_library_resolves_without_calling(fake_library):
    functions = load_library(sdk_config(fake_library))
    assert sorted(functions) == ["close", "find", "open", "photo", "read", "select"]


def test_unplugged_reader_is_unavailable_then_reads_again(vendor_reader, device, card_bmp):
    device.present(TEXT, card_bmp)
    vendor_reader.read_card()

    device.unplug()
    with pytest.raises(ReaderUnavailableError, match="fake_find returned 1"):
        vendor_reader.read_card()
    with pytest.raises(ReaderUnavailableError, match="fake_open returned 1"):
        vendor_reader.read_card()

    device.replug()
    assert vendor_reader.read_card().photo_image == card_bmp


def test_wrong_port_number_is_unavailable(fake_library, device):
    reader = VendorSdkReader(sdk_config(fake_library, port=1))
    with pytest.raises(ReaderUnavailableError, match="port 1: fake_open returned 1"):
        reader.read_card()


def test_unmapped_code_is_read_error(fake_library, device):
    codes = {code: outcome for code, outcome in DEFAULT_RETURN_CODES.items() if code != 0x80}
    reader = VendorSdkReader(sdk_config(fake_library, return_codes=codes))
    with pytest.raises(CardReadError, match=r"fake_find returned 128 \(0x80\): a code missing from return_codes"):
        reader.read_card()


def test_return_codes_are_configurable(fake_library, device, card_bmp):
    # A vendor whose "no card" is 0x80 but whose reads fail with a plain error code.
    codes = {**DEFAULT_RETURN_CODES, 0x41: Outcome.READ_FAILED}
    reader = VendorSdkReader(sdk_config(fake_library, return_codes=codes))
    device.present(TEXT, card_bmp)
    device.set_state("removed")
    with pytest.raises(CardReadError) as raised:
        reader.read_card()
    assert type(raised.value) is CardReadError


def test_photo_from_a_file_the_sdk_writes(fake_library, device, card_bmp, tmp_path, monkeypatch):
    photo_file = tmp_path / "zp.bmp"
    monkeypatch.setenv("FAKE_IDCARD_PHOTO_FILE", str(photo_file))
    functions = SdkFunctions(open="fake_open", find="fake_find", select="fake_select", read="fake_read", close="fake_close")
    reader = VendorSdkReader(sdk_config(fake_library, functions=functions, photo_file=photo_file))

    device.present(TEXT, card_bmp)
    assert reader.read_card().photo_image == card_bmp
    assert not photo_file.exists()

    photo_file.write_bytes(b"BM previous customer")
    device.set_state("empty")
    with pytest.raises(NoCardError):
        reader.read_card()
    assert not photo_file.exists()
    reader.close()


def test_wrong_text_size_is_read_error(vendor_reader, device, card_bmp):
    device.present(TEXT[:200], card_bmp)
    with pytest.raises(CardReadError, match="fake_read returned 200 bytes of text, expected 256"):
        vendor_reader.read_card()


def test_photo_not_bmp_is_photo_error(vendor_reader, device):
    device.present(TEXT, b"\xff\xd8\xff\xe0 a JPEG, not a BMP" + bytes(60))
    with pytest.raises(PhotoDecodeError, match="photo from fake_photo is not a BMP file"):
        vendor_reader.read_card()


def test_truncated_bmp_is_a_photo_error(card_bmp):
    with pytest.raises(PhotoDecodeError, match=f"is 1000 bytes, its BMP header declares {len(card_bmp)}"):
        check_bmp(card_bmp[:1000], "photo")


def test_second_thread_is_refused_and_cannot_close(vendor_reader, device, card_bmp, caplog):
    device.present(TEXT, card_bmp)
    vendor_reader.read_card()
    errors = []

    def use_from_another_thread():
        try:
            vendor_reader.read_card()
        except RuntimeError as error:
            errors.append(error)
        vendor_reader.close()

    with caplog.at_level(logging.WARNING, logger="devices.idcard.vendor_sdk"):
        worker = threading.Thread(target=use_from_another_thread)
        worker.start()
        worker.join()
    assert len(errors) == 1
    assert "port 1001 not closed" in caplog.text
    assert vendor_reader.read_card().text == TEXT


def test_logs_without_id_number(vendor_reader, device, card_bmp, caplog):
    with caplog.at_level(logging.INFO, logger="devices.idcard.vendor_sdk"):
        with pytest.raises(NoCardError):
            vendor_reader.read_card()
        device.present(TEXT, card_bmp)
        vendor_reader.read_card()
    assert "vendor reader libfakeidcard.so port 1001: fake_find returned 128" in caplog.text
    assert FIELDS.number not in caplog.text


def test_config_from_toml_table(tmp_path):
    table = tomllib.loads(
        """
        library = "vendor/libsdtapi.so"
        port = 1002
        photo_file = "/tmp/zp.bmp"
        functions = { open = "SDT_OpenPort", find = "SDT_StartFindIDCard", read = "ReadBaseMsg" }
        return_codes = { "0x91" = "read_failed", "1" = "ok" }
        """
    )
    config = VendorSdkConfig.from_table(table, tmp_path)
    assert config.library == tmp_path / "vendor" / "libsdtapi.so"
    assert config.port == 1002
    assert config.functions == SdkFunctions(open="SDT_OpenPort", find="SDT_StartFindIDCard", read="ReadBaseMsg")
    assert config.return_codes[0x91] is Outcome.READ_FAILED
    assert config.return_codes[1] is Outcome.OK
    assert config.return_codes[0x80] is Outcome.NO_CARD


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"library": "x.so", "functions": {"open": "o"}, "photo_file": "p.bmp"}, "functions.read is missing"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r"}}, "exactly one of functions.photo and photo_file"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "photo_file": "p.bmp"}, "exactly one"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "scan": "s"}}, "functions.scan"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "return_codes": {"0x9G": "ok"}}, "'0x9G'"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "return_codes": {"1": "fine"}}, "'fine'"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "port": "COM3"}, "port must be an integer"),
        ({"library": "", "functions": {"open": "o", "read": "r", "photo": "p"}}, "library must be a path"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "baud": 9600}, "reader.vendor_sdk.baud"),
        ({"library": "x.so", "functions": {"open": "o", "read": "r", "photo": "p"}, "calling_convention": "pascal"}, "'pascal'"),
    ],
)
def test_config_errors_name_the_key(tmp_path, table, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        VendorSdkConfig.from_table(table, tmp_path)


def test_stdcall_is_refused_off_windows(fake_library, device):
    reader = VendorSdkReader(sdk_config(fake_library, calling_convention="stdcall"))
    with pytest.raises(ReaderLibraryError, match="stdcall convention exists only on Windows"):
        reader.read_card()


def test_functions_constant_matches_the_c_source():
    source = SOURCE.read_text()
    for name in FUNCTIONS.named().values():
        assert f"int {name}(int port" in source
