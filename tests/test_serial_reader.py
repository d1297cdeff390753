"""The GA 467 serial driver against the simulator over a socat pty pair."""

import logging
import threading

import pytest

from devices.errors import (
    CardReadError,
    CardRemovedError,
    FrameError,
    NoCardError,
    ReaderTimeoutError,
    ReaderUnavailableError,
)
from devices.idcard import ga467
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.simulator import SAM_ID, Fault, ReaderSimulator, SimulatedCard
from devices.idcard.text_block import ResidentTextFields, decode_resident_text, encode_resident_text
from devices.pty_pair import PtyPair

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
NEW_ADDRESS = "上海市浦东新区世纪大道 100 号"


def test_reads_text_and_photo(simulator, reader):
    simulator.present(CARD)
    read = reader.read_card()
    assert decode_resident_text(read.text) == FIELDS
    assert read.photo == CARD.photo
    assert read.appended_address is None
    assert simulator.received == ["20 01", "20 02", "30 01"]


def test_reads_fingerprint_block_when_asked(simulator, pty_pair):
    simulator.present(SimulatedCard(CARD.text, CARD.photo, fingerprint=b"\x43" * 1024))
    driver = SerialIdCardReader(str(pty_pair.device_path), with_fingerprint=True, command_timeout=0.5)
    try:
        read = driver.read_card()
    finally:
        driver.close()
    assert read.fingerprint == b"\x43" * 1024
    assert simulator.received[-1] == "30 10"


def test_reads_appended_address_when_asked(simulator, pty_pair):
    card = SimulatedCard(CARD.text, CARD.photo, appended_address=ga467.encode_appended_address(NEW_ADDRESS))
    simulator.present(card)
    driver = SerialIdCardReader(str(pty_pair.device_path), with_appended_address=True, command_timeout=0.5)
    try:
        read = driver.read_card()
    finally:
        driver.close()
    assert ga467.decode_appended_address(read.appended_address) == NEW_ADDRESS
    assert simulator.received == ["20 01", "20 02", "30 01", "30 03"]


def test_card_without_appended_address_gives_none(simulator, reader):
    simulator.present(CARD)
    reader.read_card()
    assert reader.read_appended_address() is None
    assert simulator.received[-1] == "30 03"


def test_no_card_raises_no_card(simulator, reader):
    with pytest.raises(NoCardError, match="no card"):
        reader.read_card()


def test_card_removed_mid_read(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.REMOVE_DURING_READ)
    with pytest.raises(CardRemovedError, match="30 01"):
        reader.read_card()
    with pytest.raises(NoCardError):
        reader.read_card()


def test_card_removed_between_find_and_select(simulator, reader):
    simulator.present(CARD)
    simulator.respond_once(ga467.SELECT_CARD, ga467.Status.SELECT_CARD_FAILED)
    with pytest.raises(CardRemovedError, match="20 02"):
        reader.read_card()


def test_bad_checksum_is_retried(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.BAD_CHECKSUM)
    assert reader.read_card().photo == CARD.photo
    assert simulator.received[:2] == ["20 01", "20 01"]


def test_line_noise_between_frames_is_skipped(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.NOISE, Fault.NOISE, Fault.NOISE)
    assert reader.read_card().text == CARD.text
    assert simulator.received == ["20 01", "20 02", "30 01"]


def test_line_noise_inside_a_frame_is_retried(simulator, reader, caplog):
    simulator.present(CARD)
    simulator.inject(Fault.NOISE_INSIDE)
    with caplog.at_level(logging.WARNING, logger="devices.idcard.serial_reader"):
        assert reader.read_card().text == CARD.text
    assert simulator.received == ["20 01", "20 01", "20 02", "30 01"]
    assert f"reader {reader.port}: command 20 01 attempt 1 of 3 failed" in caplog.text


def test_noise_inside_the_long_read_frame_is_retried(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.NOISE, Fault.NOISE, Fault.NOISE_INSIDE)
    assert reader.read_card().photo == CARD.photo
    assert simulator.received == ["20 01", "20 02", "30 01", "30 01"]


def test_silence_is_retried_then_succeeds(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.SILENCE)
    assert reader.read_card().text == CARD.text


def test_persistent_silence_times_out(simulator, reader):
    simulator.present(CARD)
    simulator.inject(Fault.SILENCE, Fault.SILENCE, Fault.SILENCE)
    with pytest.raises(ReaderTimeoutError) as caught:
        reader.read_card()
    assert simulator.received == ["20 01"] * 3
    assert f"reader {reader.port}: command 20 01 got no response at 115200 baud" in str(caught.value)
    assert "check the cable" in str(caught.value)


def test_sam_status_is_success(simulator, reader):
    assert reader.sam_status().sw3 == ga467.Status.SUCCESS


def test_sam_status_returns_a_failed_self_check(simulator, reader):
    simulator.respond_once(ga467.SAM_STATUS, ga467.Status.SAM_SELF_CHECK_FAILED)
    assert reader.sam_status().sw3 == ga467.Status.SAM_SELF_CHECK_FAILED


def test_reset_sam_succeeds(simulator, reader):
    reader.reset_sam()
    assert simulator.received == ["10 FF"]


def test_sam_id_is_read_and_formatted(simulator, reader):
    sam_id = reader.read_sam_id()
    assert sam_id == SAM_ID
    assert ga467.format_sam_id(sam_id) == "05.01-20201203-000012345-123456789"


def test_short_sam_id_is_a_frame_error(simulator, reader):
    simulator.respond_once(ga467.READ_SAM_ID, ga467.Status.SUCCESS, bytes(15))
    with pytest.raises(FrameError, match="15 bytes of SAM ID"):
        reader.read_sam_id()


def test_malformed_read_data_is_a_frame_error(simulator, reader):
    simulator.present(CARD)
    simulator.respond_once(ga467.READ_BASE_INFO, ga467.Status.SUCCESS, b"\x01\x00\x04")
    with pytest.raises(FrameError, match="30 01 returned malformed data"):
        reader.read_card()


def test_unknown_command_gets_command_error(simulator, reader):
    response = reader._transact(ga467.Command(0x55, 0x01))
    assert response.sw3 == ga467.Status.COMMAND_ERROR


@pytest.mark.parametrize("baudrate", [115200, 57600, 38400, 19200, 9600])
def test_baudrate_change_reopens_the_port(simulator, reader, baudrate):
    simulator.present(CARD)
    reader.read_card()
    reader.set_baudrate(baudrate)
    assert simulator.received[-1] == f"60 {ga467.BAUDRATE_PARAMETERS[baudrate]:02X}"
    assert simulator.baudrate == baudrate
    assert reader.baudrate == baudrate
    assert reader._serial is None

    assert reader.read_card().text == CARD.text
    assert reader._serial.baudrate == baudrate


def test_long_response_at_low_baudrate(pty_pair):
    # At 19200 baud the 1,295-byte read response takes 0.67 s on the line, longer than
    # the 0.3 s command timeout. So the deadline must grow with the announced length.
    simulator = ReaderSimulator(str(pty_pair.simulator_path), 19200, pace=True).start()
    driver = SerialIdCardReader(str(pty_pair.device_path), 19200, command_timeout=0.3, retries=0)
    try:
        simulator.present(CARD)
        assert driver.read_card().photo == CARD.photo
    finally:
        driver.close()
        simulator.stop()


def test_unsupported_baudrate_is_rejected_before_sending(simulator, reader):
    with pytest.raises(ValueError, match="baud rate 14400 is not supported"):
        reader.set_baudrate(14400)
    assert simulator.received == []


def test_rejected_baudrate_change_keeps_the_old_rate(simulator, reader):
    simulator.respond_once(ga467.baudrate_command(9600), ga467.Status.COMMAND_ERROR)
    with pytest.raises(CardReadError, match="60 04 returned status 0x21 COMMAND_ERROR"):
        reader.set_baudrate(9600)
    assert reader.baudrate == 115200
    assert simulator.baudrate == 115200


def test_baudrate_change_with_lost_response(simulator, reader):
    simulator.inject(Fault.SILENCE)
    reader.set_baudrate(38400)
    assert simulator.received == ["60 02", "11 FF"]
    assert reader.baudrate == 38400
    assert simulator.baudrate == 38400


def test_unplugged_reader_is_unavailable_then_reads_again(pty_pair, simulator, reader, caplog):
    simulator.present(CARD)
    assert reader.read_card().text == CARD.text

    simulator.stop()
    pty_pair.stop()
    assert not pty_pair.device_path.exists()
    with caplog.at_level(logging.WARNING, logger="devices.idcard.serial_reader"):
        with pytest.raises(ReaderUnavailableError, match=str(pty_pair.device_path)):
            reader.read_card()
    assert f"reader {reader.port}: command 20 01 attempt 1 of 3 failed: I/O error" in caplog.text
    with pytest.raises(ReaderUnavailableError, match="cannot open reader port"):
        reader.read_card()

    pty_pair.start()
    simulator.start()
    read = reader.read_card()
    assert decode_resident_text(read.text) == FIELDS


def test_port_that_never_existed_is_unavailable(tmp_path):
    driver = SerialIdCardReader(str(tmp_path / "ttyUSB9"), command_timeout=0.2)
    with pytest.raises(ReaderUnavailableError, match="ttyUSB9"):
        driver.read_card()


def test_port_in_use_by_another_driver_is_unavailable(simulator, reader, pty_pair):
    simulator.present(CARD)
    reader.read_card()
    second = SerialIdCardReader(str(pty_pair.device_path), command_timeout=0.2)
    with pytest.raises(ReaderUnavailableError, match="cannot open reader port"):
        second.read_card()


def test_logs_without_id_number(simulator, reader, caplog):
    simulator.present(CARD)
    simulator.respond_once(ga467.SELECT_CARD, ga467.Status.UNKNOWN_CARD_TYPE)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(CardReadError):
            reader.read_card()
        reader.read_card()
    assert f"reader {reader.port}: command 20 02 returned status 0x40 UNKNOWN_CARD_TYPE" in caplog.text
    assert FIELDS.number not in caplog.text


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


# Every command against every status: one link for the whole table keeps it fast.

COMMANDS = {
    "reset_sam": (ga467.RESET_SAM, lambda reader: reader.reset_sam()),
    "sam_status": (ga467.SAM_STATUS, lambda reader: reader.sam_status().sw3),
    "read_sam_id": (ga467.READ_SAM_ID, lambda reader: reader.read_sam_id()),
    "find_card": (ga467.FIND_CARD, lambda reader: reader.find_card()),
    "select_card": (ga467.SELECT_CARD, lambda reader: reader.select_card()),
    "read_base_info": (ga467.READ_BASE_INFO, lambda reader: reader.read_base_info()),
    "read_with_fingerprint": (ga467.READ_BASE_INFO_WITH_FINGERPRINT, lambda reader: reader.read_base_info(True)),
    "read_appended_address": (ga467.READ_NEW_ADDRESS, lambda reader: reader.read_appended_address()),
    "set_baudrate": (ga467.baudrate_command(57600), lambda reader: reader.set_baudrate(57600)),
}
STATUS_CASES = [
    (name, sw3)
    for name, (command, _) in COMMANDS.items()
    for sw3 in [*ga467.Status, 0x55]
    # Success is what the tests above read cards with.
    if sw3 != (ga467.Status.FIND_CARD_SUCCESS if command == ga467.FIND_CARD else ga467.Status.SUCCESS)
]


def _expected(command: ga467.Command, sw3: int):
    """Return the error type (or the return value) the driver must give for ``sw3`` in response to ``command``."""
    if command == ga467.SAM_STATUS:
        return sw3
    if command == ga467.FIND_CARD and sw3 == ga467.Status.FIND_CARD_FAILED:
        return False
    if command == ga467.READ_NEW_ADDRESS and sw3 == ga467.Status.NO_CONTENT:
        return None
    if sw3 == ga467.Status.FIND_CARD_FAILED:
        return NoCardError
    if sw3 in (ga467.Status.SELECT_CARD_FAILED, ga467.Status.READ_CARD_FAILED):
        return CardRemovedError
    if sw3 in (ga467.Status.CHECKSUM_ERROR, ga467.Status.LENGTH_ERROR):
        return FrameError
    return CardReadError


@pytest.fixture(scope="module")
def shared_link(tmp_path_factory):
    with PtyPair(tmp_path_factory.mktemp("status-table")) as pair:
        simulator = ReaderSimulator(str(pair.simulator_path), pace=False).start()
        driver = SerialIdCardReader(str(pair.device_path), command_timeout=0.5, retries=2)
        yield simulator, driver
        driver.close()
        simulator.stop()


@pytest.mark.parametrize(("name", "sw3"), STATUS_CASES, ids=[f"{name}-{sw3:02X}" for name, sw3 in STATUS_CASES])
def test_every_status_of_every_command(shared_link, name, sw3):
    simulator, driver = shared_link
    command, call = COMMANDS[name]
    attempts = 3 if sw3 in (ga467.Status.CHECKSUM_ERROR, ga467.Status.LENGTH_ERROR) else 1
    simulator.received.clear()
    for _ in range(attempts):
        simulator.respond_once(command, sw3)

    expected = _expected(command, sw3)
    if isinstance(expected, type):
        with pytest.raises(expected) as raised:
            call(driver)
        assert f"command {command.code} returned status 0x{sw3:02X}" in str(raised.value)
        assert driver.port in str(raised.value)
    else:
        assert call(driver) == expected
    assert simulator.received == [command.code] * attempts
    assert driver.baudrate == 115200
