"""GA 467 frames: encoding, checksums, statuses, splitting read responses, and fuzzing of the decoders."""

import io
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import CardReadError, CardRemovedError, DeviceError, FrameError, NoCardError, ReaderTimeoutError
from devices.idcard import ga467
from devices.idcard.framing import read_frame
from devices.idcard.text_block import decode_resident_text


class _Bytes(io.BytesIO):
    timeout = None


def test_find_card_request_matches_published_bytes():
    assert ga467.encode_request(ga467.FIND_CARD) == bytes.fromhex("AAAAAA9669000320 0122".replace(" ", ""))


def test_find_card_success_response_matches_published_bytes():
    frame = ga467.encode_response(ga467.Status.FIND_CARD_SUCCESS, bytes(4))
    assert frame == bytes.fromhex("AAAAAA96690008 00009F 00000000 97".replace(" ", ""))


def test_read_response_length_is_0508():
    info = ga467.BaseInfo(text=bytes(256), photo=bytes(1024))
    frame = ga467.encode_response(ga467.Status.SUCCESS, ga467.encode_base_info(info))
    assert frame[5:7] == bytes.fromhex("0508")


def test_base_info_round_trip_with_fingerprint():
    info = ga467.BaseInfo(text=b"t" * 256, photo=b"p" * 1024, fingerprint=b"f" * 1024)
    decoded = ga467.decode_base_info(ga467.encode_base_info(info), with_fingerprint=True)
    assert decoded == info


def test_base_info_with_inconsistent_lengths_is_rejected():
    data = ga467.encode_base_info(ga467.BaseInfo(text=bytes(256), photo=bytes(1024)))
    with pytest.raises(ValueError, match="lengths add up"):
        ga467.decode_base_info(data[:-1], with_fingerprint=False)


def test_read_frame_skips_line_noise_before_preamble():
    frame = ga467.encode_response(ga467.Status.SUCCESS, b"\x01\x02")
    body = read_frame(_Bytes(b"\x00\xaa\xaa\x13" + frame), time.monotonic() + 1)
    assert ga467.decode_response_body(body) == ga467.Response(0, 0, 0x90, b"\x01\x02")


def test_read_frame_rejects_bad_checksum():
    frame = bytearray(ga467.encode_response(ga467.Status.SUCCESS))
    frame[-1] ^= 0x01
    with pytest.raises(FrameError, match="checksum"):
        read_frame(_Bytes(bytes(frame)), time.monotonic() + 1)


def test_read_frame_rejects_impossible_length():
    with pytest.raises(FrameError, match="length"):
        read_frame(_Bytes(ga467.PREAMBLE + b"\xff\xff"), time.monotonic() + 1)


def test_read_frame_times_out_on_truncated_frame():
    frame = ga467.encode_response(ga467.Status.SUCCESS, bytes(10))
    with pytest.raises(ReaderTimeoutError):
        read_frame(_Bytes(frame[:-3]), time.monotonic() + 0.2)


def test_read_frame_resynchronises_after_noise_inside_a_frame():
    first = bytearray(ga467.encode_response(ga467.Status.SUCCESS, bytes(range(8))))
    first[9:9] = b"\x13\x37\xaa"
    second = ga467.encode_response(ga467.Status.FIND_CARD_SUCCESS, bytes(4))
    stream = _Bytes(bytes(first) + b"\x00\xaa\xaa" + second)

    with pytest.raises(FrameError, match="checksum"):
        read_frame(stream, time.monotonic() + 1)
    body = read_frame(stream, time.monotonic() + 1)
    assert ga467.decode_response_body(body).sw3 == ga467.Status.FIND_CARD_SUCCESS


def test_read_frame_reads_frames_separated_by_noise():
    frames = [ga467.encode_response(status) for status in (ga467.Status.SUCCESS, ga467.Status.NO_CONTENT)]
    stream = _Bytes(b"\xaa\x96\x69" + frames[0] + b"\xaa\xaa\xaa\xaa" + frames[1])
    assert ga467.decode_response_body(read_frame(stream, time.monotonic() + 1)).sw3 == 0x90
    assert ga467.decode_response_body(read_frame(stream, time.monotonic() + 1)).sw3 == 0x91


def test_sam_id_prints_in_the_usual_form():
    sam_id = bytes([5, 0, 1, 0]) + (20201203).to_bytes(4, "little") + (7).to_bytes(4, "little") + (42).to_bytes(4, "little")
    assert ga467.format_sam_id(sam_id) == "05.01-20201203-000000007-000000042"


def test_sam_id_of_wrong_size_is_rejected():
    with pytest.raises(ValueError, match="SAM ID is 12 bytes, expected 16"):
        ga467.format_sam_id(bytes(12))


@pytest.mark.parametrize(
    ("baudrate", "request_hex"),
    [
        (115200, "AAAAAA9669000360 0063"),
        (57600, "AAAAAA9669000360 0162"),
        (38400, "AAAAAA9669000360 0261"),
        (19200, "AAAAAA9669000360 0360"),
        (9600, "AAAAAA9669000360 0467"),
    ],
)
def test_baudrate_requests(baudrate, request_hex):
    command = ga467.baudrate_command(baudrate)
    assert ga467.encode_request(command) == bytes.fromhex(request_hex.replace(" ", ""))
    assert ga467.baudrate_for_parameter(command[1]) == baudrate


def test_unsupported_baudrate_names_the_value():
    with pytest.raises(ValueError, match="baud rate 4800 is not supported"):
        ga467.baudrate_command(4800)
    with pytest.raises(ValueError, match="0x07"):
        ga467.baudrate_for_parameter(7)


def test_appended_address_round_trip():
    data = ga467.encode_appended_address("北京市朝阳区建国路 88 号")
    assert len(data) == ga467.APPENDED_ADDRESS_SIZE
    assert ga467.decode_appended_address(data) == "北京市朝阳区建国路 88 号"


def test_appended_address_of_odd_length_is_rejected():
    with pytest.raises(ValueError, match="odd length"):
        ga467.decode_appended_address(b"\x41\x00\x42")


@pytest.mark.parametrize(
    ("sw3", "error_type"),
    [
        (0x80, NoCardError),
        (0x81, CardRemovedError),
        (0x41, CardRemovedError),
        (0x10, FrameError),
        (0x11, FrameError),
        (0x21, CardReadError),
        (0x23, CardReadError),
        (0x24, CardReadError),
        (0x31, CardReadError),
        (0x32, CardReadError),
        (0x33, CardReadError),
        (0x40, CardReadError),
        (0x47, CardReadError),
        (0x60, CardReadError),
        (0x66, CardReadError),
        (0x91, CardReadError),
        (0x55, CardReadError),
    ],
)
def test_status_maps_to_a_typed_error(sw3, error_type):
    error = ga467.error_for_status(ga467.READ_BASE_INFO, sw3, "/dev/ttyUSB0")
    assert type(error) is error_type
    assert str(error).startswith(f"reader /dev/ttyUSB0: command 30 01 returned status 0x{sw3:02X}")


def test_unknown_status_says_unknown():
    assert ga467.describe_status(0x55) == "0x55 (unknown status)"
    assert ga467.describe_status(0x60) == "0x60 SAM_SELF_CHECK_FAILED (SAM self-check failed)"


# Fuzzing: arbitrary bytes must end in a result, ValueError or a typed device error.

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _EndOfInput(Exception):
    """Raised by the fuzzing stream when its bytes run out, in place of waiting for the deadline."""


class _FuzzStream:
    def __init__(self, data: bytes, chunk: int) -> None:
        self.timeout = None
        self._data = data
        self._chunk = chunk

    def read(self, size: int = 1) -> bytes:
        if not self._data:
            raise _EndOfInput
        taken = self._data[: min(size, self._chunk)]
        self._data = self._data[len(taken) :]
        return taken


# Arbitrary bytes rarely hold a preamble, so half the streams are built like a frame:
# noise, preamble, a length (integers() favours edge values such as 0 and 1) and a tail.
FRAME_LIKE = st.builds(
    lambda noise, length, tail: noise + ga467.PREAMBLE + length.to_bytes(2, "big") + tail,
    st.binary(max_size=20),
    st.integers(min_value=0, max_value=0xFFFF),
    st.binary(max_size=3000),
)


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), FRAME_LIKE), chunk=st.integers(min_value=1, max_value=64))
def test_fuzz_read_frame(data, chunk):
    stream = _FuzzStream(data, chunk)
    try:
        body = read_frame(stream, time.monotonic() + 5)
    except (_EndOfInput, DeviceError):
        return
    assert len(body) <= ga467.MAX_BODY_LENGTH


@FUZZ
@given(body=st.binary(min_size=2, max_size=ga467.MAX_BODY_LENGTH), noise=st.binary(max_size=40))
def test_fuzz_encoded_frames_read_back(body, noise):
    # Without 0x69 the noise can hold no preamble, not even one completed by the frame.
    noise = noise.replace(b"\x69", b"")
    stream = _FuzzStream(noise + ga467.encode_frame(body), chunk=17)
    assert read_frame(stream, time.monotonic() + 5) == body


@FUZZ
@given(body=st.binary(max_size=64))
def test_fuzz_decode_response_body(body):
    try:
        response = ga467.decode_response_body(body)
    except ValueError:
        assert len(body) < 3
        return
    assert bytes([response.sw1, response.sw2, response.sw3]) + response.data == body


# Read data with consistent lengths, then cut or padded, next to arbitrary bytes.
BASE_INFO_LIKE = st.builds(
    lambda text, photo, fingerprint, cut, pad: ga467.encode_base_info(ga467.BaseInfo(text, photo, fingerprint))[: cut or None] + pad,
    st.binary(max_size=300),
    st.binary(max_size=1100),
    st.one_of(st.none(), st.binary(max_size=1100)),
    st.integers(min_value=-8, max_value=0),
    st.binary(max_size=3),
)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2600), BASE_INFO_LIKE), with_fingerprint=st.booleans())
def test_fuzz_decode_base_info(data, with_fingerprint):
    try:
        info = ga467.decode_base_info(data, with_fingerprint)
    except ValueError:
        return
    assert ga467.encode_base_info(info) == data


# Random bytes are mostly invalid UCS-2 (lone surrogates); these blocks never are.
def _without_surrogates(block: bytes) -> bytes:
    units = [int.from_bytes(block[i : i + 2], "little") for i in range(0, len(block), 2)]
    return b"".join((unit if not 0xD800 <= unit <= 0xDFFF else unit - 0x8000).to_bytes(2, "little") for unit in units)


UCS2_BLOCKS = st.binary(min_size=256, max_size=256).map(_without_surrogates)


@FUZZ
@given(block=st.one_of(st.binary(min_size=256, max_size=256), st.binary(max_size=300), UCS2_BLOCKS))
def test_fuzz_decode_resident_text(block):
    try:
        fields = decode_resident_text(block)
    except ValueError:
        return
    assert isinstance(fields.name, str)


@FUZZ
@given(data=st.binary(max_size=100))
def test_fuzz_decode_appended_address(data):
    try:
        assert isinstance(ga467.decode_appended_address(data), str)
    except ValueError:
        return
