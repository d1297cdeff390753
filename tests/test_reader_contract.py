"""One contract for every ID-card reader driver, run against each driver and its stand-in.

A new driver joins by adding a harness, which builds the driver on its simulator (or
fake library). The harness can put a card on the reader and take it off, pull it out
during the read, stall the reader, and unplug and replug it.
"""

import threading

import cv2
import numpy as np
import pytest

from devices.errors import CardRemovedError, NoCardError, PhotoDecodeError, ReaderTimeoutError, ReaderUnavailableError
from devices.idcard.photo import SimulatedPhotoCodec
from devices.idcard.reader import IdCardReader
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.simulator import Fault, ReaderSimulator, SimulatedCard
from devices.idcard.text_block import ResidentTextFields, decode_resident_text, encode_resident_text
from devices.idcard.vendor_sdk import VendorSdkReader
from devices.pty_pair import PtyPair
from tests.vendor_sdk.fake_sdk import FakeDevice, build_fake_sdk, face_bmp, sdk_config

FIELDS = ResidentTextFields(
    name="陈静",
    sex="2",
    ethnicity="01",
    birth_date="19920304",
    address="浙江省杭州市西湖区文三路 20 号",
    number="330106199203040026",
    issuing_authority="杭州市公安局西湖分局",
    valid_from="20180101",
    valid_to="20380101",
)
TEXT = encode_resident_text(FIELDS)


class SerialHarness:
    """The GA 467 serial driver on one end of a socat pty pair, the simulator on the other."""

    def __init__(self, folder) -> None:
        self.pair = PtyPair(folder).start()
        self.simulator = ReaderSimulator(str(self.pair.simulator_path), pace=False).start()
        self.codec = SimulatedPhotoCodec()
        self.photo_decoder = self.codec
        self.reader: IdCardReader = SerialIdCardReader(str(self.pair.device_path), command_timeout=0.3, retries=1)

    def present(self, text: bytes, photo_bmp: bytes) -> None:
        self.simulator.present(SimulatedCard(text=text, photo=self.codec.register(photo_bmp)))

    def remove(self) -> None:
        self.simulator.remove()

    def remove_during_read(self) -> None:
        self.simulator.inject(Fault.REMOVE_DURING_READ)

    def stall(self) -> None:
        self.simulator.inject(*[Fault.SILENCE] * (1 + self.reader.retries))

    def unplug(self) -> None:
        self.simulator.stop()
        self.pair.stop()

    def replug(self) -> None:
        self.pair.start()
        self.simulator.start()

    def stop(self) -> None:
        self.reader.close()
        self.simulator.stop()
        self.pair.stop()


class _NoWltDecoder:
    """Vendor reads carry the decoded photo; the kiosk must not need a WLT decoder."""

    def decode(self, wlt: bytes) -> bytes:
        raise PhotoDecodeError("a vendor SDK read must carry photo_image")


class VendorSdkHarness:
    """The vendor-SDK adapter on the fake vendor library, with a folder playing the reader."""

    def __init__(self, library, folder, monkeypatch) -> None:
        self.device = FakeDevice(folder / "reader", monkeypatch)
        self.photo_decoder = _NoWltDecoder()
        self.reader: IdCardReader = VendorSdkReader(sdk_config(library))

    def present(self, text: bytes, photo_bmp: bytes) -> None:
        self.device.present(text, photo_bmp)

    def remove(self) -> None:
        self.device.set_state("empty")

    def remove_during_read(self) -> None:
        self.device.set_state("removed")

    def stall(self) -> None:
        self.device.set_state("timeout")

    def unplug(self) -> None:
        self.device.unplug()

    def replug(self) -> None:
        self.device.replug()

    def stop(self) -> None:
        self.reader.close()


@pytest.fixture(scope="module")
def fake_library(tmp_path_factory):
    return build_fake_sdk(tmp_path_factory.mktemp("fake-sdk"))


@pytest.fixture(scope="module")
def card_bmp(faces_dir):
    return face_bmp(faces_dir)


@pytest.fixture(params=["ga467-serial", "vendor-sdk"])
def harness(request, tmp_path, monkeypatch):
    if request.param == "ga467-serial":
        built = SerialHarness(tmp_path)
    else:
        built = VendorSdkHarness(request.getfixturevalue("fake_library"), tmp_path, monkeypatch)
    yield built
    built.stop()


def _photo_of(read, harness) -> bytes:
    """Return the photo as the session gets it: the driver's decoded image, else the decoded WLT."""
    return read.photo_image or harness.photo_decoder.decode(read.photo)


def test_reads_text_and_photo(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    read = harness.reader.read_card()

    assert decode_resident_text(read.text) == FIELDS
    photo = _photo_of(read, harness)
    assert photo == card_bmp
    assert cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR).shape == (126, 102, 3)


def test_no_card(harness):
    with pytest.raises(NoCardError):
        harness.reader.read_card()


def test_card_taken_off_after_a_read(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.reader.read_card()
    harness.remove()
    with pytest.raises(NoCardError):
        harness.reader.read_card()


def test_card_removed_mid_read(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.remove_during_read()
    with pytest.raises(CardRemovedError):
        harness.reader.read_card()
    with pytest.raises(NoCardError):
        harness.reader.read_card()


def test_timeout(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.stall()
    with pytest.raises(ReaderTimeoutError):
        harness.reader.read_card()


def test_reader_gone_and_back(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.reader.read_card()

    harness.unplug()
    with pytest.raises(ReaderUnavailableError):
        harness.reader.read_card()
    with pytest.raises(ReaderUnavailableError):
        harness.reader.read_card()

    harness.replug()
    harness.present(TEXT, card_bmp)
    assert decode_resident_text(harness.reader.read_card().text) == FIELDS


def test_close_then_read_again(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.reader.read_card()
    harness.reader.close()
    assert _photo_of(harness.reader.read_card(), harness) == card_bmp


def test_only_the_owner_thread_reads(harness, card_bmp):
    harness.present(TEXT, card_bmp)
    harness.reader.read_card()
    errors = []

    def read_from_another_thread():
        try:
            harness.reader.read_card()
        except Exception as error:  # the test inspects the type
            errors.append(error)

    worker = threading.Thread(target=read_from_another_thread)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert isinstance(errors[0], RuntimeError)
