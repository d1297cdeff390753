"""The GA 467 serial driver against the simulator over a socat pty pair."""

import threading

import pytest

from devices.errors import CardRemovedError, NoCardError, ReaderTimeoutError
from devices.idcard import ga467
from devices.idcard.simulator import Fault, SimulatedCard
from devices.idcard.text_block import ResidentTextFields, decode_resident_text, encode_resident_text

FIELDS = ResidentTextFields(
    name="李娜",
    sex="2",
    ethnicity="01",
    birth_date="19900101",
    address="上海市黄浦区南京东路 1 号",
    number="310101199001010028",
    issuing_authority="上海市公安局黄浦分局",
    valid_from="20150101",
    valid_to="20350101",
)
CARD = SimulatedCard(text=encode_resident_text(FIELDS), photo=bytes(range(256)) * 4)


def test_reads_text_and_photo(simulator, reader):
    simulator.present(CARD)
    read = reader.read_card()
    assert decode_resident_text(read.text) == FIELDS
    assert read.photo == CARD.photo
    assert simulator.received == ["20 01", "20 02", "30 01"]


def test_reads_fingerprint_block_when_asked(simulator, pty_pair):
    from devices.idcard.serial_reader import SerialIdCardReader

    simulator.present(SimulatedCard(CARD.text, CARD.photo, fingerprint=b"\x43" * 1024))
    driver = SerialIdCardReader(str(pty_pair.device_path), with_fingerprint=True, command_timeout=0.5)
    try:
        read = driver.read_card()
    finally:
        driver.close()
    assert read.fingerprint == b"\x43" * 1024
    assert simulator.received[-1] == "30 10"


def test_no_card_raises_no_card(simulator, reader):
    with pytest.raises(NoCardError):
        reader.read_card()


def test_card_removed_mid_read(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.REMOVE_DURING_READ)
    with pytest.raises(CardRemovedError):
        reader.read_card()
    with pytest.raises(NoCardError):
        reader.read_card()


def test_bad_checksum_is_retried(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.BAD_CHECKSUM)
    assert reader.read_card().photo == CARD.photo
    assert simulator.received[:2] == ["20 01", "20 01"]


def test_line_noise_is_skipped(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.NOISE, Fault.NOISE, Fault.NOISE)
    assert reader.read_card().text == CARD.text
    assert simulator.received == ["20 01", "20 02", "30 01"]


def test_silence_is_retried_then_succeeds(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.SILENCE)
    assert reader.read_card().text == CARD.text


def test_persistent_silence_times_out(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.SILENCE, Fault.SILENCE, Fault.SILENCE)
    with pytest.raises(ReaderTimeoutError):
        reader.read_card()
    assert simulator.received == ["20 01"] * 3


def test_sam_status_is_success(simulator, reader):
    assert reader.sam_status().sw3 == ga467.Status.SUCCESS


def test_unknown_command_gets_command_error(simulator, reader):
    response = reader._transact(ga467.Command(0x55, 0x01))
    assert response.sw3 == ga467.Status.COMMAND_ERROR


def test_reader_refuses_a_second_thread(simulator, reader):
    simulator.present(CARD)
    reader.read_card()
    errors = []
    worker = threading.Thread(target=lambda: errors.append(_capture(reader.read_card)))
    worker.start()
    worker.join()
    assert isinstance(errors[0], RuntimeError)


def _capture(call):
    try:
        call()
    except Exception as error:  # the test inspects the type
        return error
    return None
