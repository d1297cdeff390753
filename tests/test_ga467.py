"""GA 467 frames: encoding, checksums and splitting read responses."""

import io
import time

import pytest

from devices.errors import FrameError, ReaderTimeoutError
from devices.idcard import ga467
from devices.idcard.framing import read_frame


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
