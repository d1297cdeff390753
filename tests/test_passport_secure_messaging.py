"""BAC and secure messaging against the worked example of ICAO Doc 9303 part 11, appendix D.

The numbers are the standard's own: the MRZ information "L898902C<369080619406236",
the random values RND.IFD, RND.IC, K.IFD and K.IC it chose, and every intermediate
value it prints. The chip's side of the exchange is played back from the example.
"""

import pytest

from devices.passport import crypto
from devices.passport.apdu import CommandApdu, ResponseApdu
from devices.passport.bac import SessionKeys, authenticate, derive_bac_keys
from devices.passport.card_access import pace_protocols
from devices.passport.errors import (
    AccessControlUnsupported,
    BacRejected,
    ChipProtocolError,
    PaceNotSupported,
    SecureMessagingError,
)
from devices.passport.secure_messaging import SecureChannel
from devices.passport.tlv import TlvError, decode_oid, encode_tlv, read_header, read_tlv

MRZ_INFORMATION = "L898902C<369080619406236"
RND_IC = bytes.fromhex("4608F91988702212")
RND_IFD = bytes.fromhex("781723860C06C226")
K_IFD = bytes.fromhex("0B795240CB7049B01C19B33E32804F0B")
MUTUAL_AUTHENTICATE_DATA = bytes.fromhex(
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
)
CHIP_ANSWER = bytes.fromhex(
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"
)
KS_ENC = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = 0x887022120C06C226


def _example_random(size: int) -> bytes:
    return RND_IFD if size == 8 else K_IFD


class _PlayedBackChip:
    """Answers GET CHALLENGE and MUTUAL AUTHENTICATE as the worked example's chip did, and records the commands."""

    def __init__(self, challenge_status=0x9000, authenticate_status=0x9000, answer=CHIP_ANSWER):
        self.sent: list[CommandApdu] = []
        self.challenge_status = challenge_status
        self.authenticate_status = authenticate_status
        self.answer = answer

    def __call__(self, command: CommandApdu) -> ResponseApdu:
        self.sent.append(command)
        if command.ins == 0x84:
            return ResponseApdu(RND_IC if self.challenge_status == 0x9000 else b"", self.challenge_status)
        return ResponseApdu(self.answer if self.authenticate_status == 0x9000 else b"", self.authenticate_status)


def test_bac_keys_from_mrz_information():
    keys = derive_bac_keys(MRZ_INFORMATION)
    assert keys.k_enc.hex().upper() == "AB94FDECF2674FDFB9B391F85D7F76F2"
    assert keys.k_mac.hex().upper() == "7962D9ECE03D1ACD4C76089DCE131543"
    assert "AB94" not in repr(keys).upper()


def test_parity_adjustment():
    assert crypto.adjust_parity(bytes.fromhex("AB94FCEDF2664EDF")).hex().upper() == "AB94FDECF2674FDF"


def test_mutual_authentication_of_worked_example():
    chip = _PlayedBackChip()

    session = authenticate(chip, derive_bac_keys(MRZ_INFORMATION), random_bytes=_example_random)

    assert chip.sent[0].encode().hex().upper() == "0084000008"
    assert chip.sent[1].data == MUTUAL_AUTHENTICATE_DATA
    assert chip.sent[1].encode()[:5].hex().upper() == "0082000028"
    assert session.ks_enc == KS_ENC
    assert session.ks_mac == KS_MAC
    assert session.ssc == SSC


def test_wrong_keys_raise_bac_rejected():
    with pytest.raises(BacRejected, match="6300"):
        authenticate(_PlayedBackChip(authenticate_status=0x6300), derive_bac_keys(MRZ_INFORMATION), random_bytes=_example_random)


def test_refused_bac_with_pace_offered():
    chip = _PlayedBackChip(authenticate_status=0x6D00)
    with pytest.raises(PaceNotSupported, match="6D00"):
        authenticate(chip, derive_bac_keys(MRZ_INFORMATION), pace_offered=True, random_bytes=_example_random)


def test_refused_bac_without_pace_raises_access_refused():
    with pytest.raises(AccessControlUnsupported, match="GET CHALLENGE failed with status 6985"):
        authenticate(_PlayedBackChip(challenge_status=0x6985), derive_bac_keys(MRZ_INFORMATION))


def test_chip_answer_with_bad_mac_is_rejected():
    forged = CHIP_ANSWER[:-1] + bytes([CHIP_ANSWER[-1] ^ 1])
    with pytest.raises(ChipProtocolError, match="fails its MAC"):
        authenticate(_PlayedBackChip(answer=forged), derive_bac_keys(MRZ_INFORMATION), random_bytes=_example_random)


def test_secure_messaging_of_worked_example():
    channel = SecureChannel(SessionKeys(KS_ENC, KS_MAC, SSC))

    select = channel.wrap(CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")))
    assert select.encode().hex().upper() == "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
    selected = channel.unwrap(ResponseApdu.from_bytes(bytes.fromhex("990290008E08FA855A5D4C50A8ED9000")))
    assert (selected.data, selected.sw) == (b"", 0x9000)

    header = channel.wrap(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    assert header.encode().hex().upper() == "0CB000000D9701048E08ED6705417E96BA5500"
    first = channel.unwrap(ResponseApdu.from_bytes(bytes.fromhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")))
    assert first.data.hex().upper() == "60145F01"

    rest = channel.wrap(CommandApdu(0x00, 0xB0, 0x00, 0x04, le=0x12))
    assert rest.encode().hex().upper() == "0CB000040D9701128E082EA28A70F3C7B53500"
    response = "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"
    second = channel.unwrap(ResponseApdu.from_bytes(bytes.fromhex(response)))
    assert second.data.hex().upper() == "04303130365F36063034303030305C026175"
    assert channel.ssc == 0x887022120C06C22C


def _channel_after_select() -> SecureChannel:
    channel = SecureChannel(SessionKeys(KS_ENC, KS_MAC, SSC))
    channel.wrap(CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")))
    return channel


def test_response_with_wrong_mac_is_rejected():
    channel = _channel_after_select()
    with pytest.raises(SecureMessagingError, match="MAC does not verify"):
        channel.unwrap(ResponseApdu.from_bytes(bytes.fromhex("990290008E08FA855A5D4C50A8EE9000")))
    assert channel.closed
    with pytest.raises(SecureMessagingError, match="earlier error"):
        channel.wrap(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))


def test_response_without_status_object_is_rejected():
    with pytest.raises(SecureMessagingError, match="lacks"):
        _channel_after_select().unwrap(ResponseApdu.from_bytes(bytes.fromhex("8E08FA855A5D4C50A8ED9000")))


def test_chip_ending_secure_messaging_is_reported():
    with pytest.raises(SecureMessagingError, match="6988"):
        _channel_after_select().unwrap(ResponseApdu(b"", 0x6988))


def test_unprotected_error_status_is_returned_and_closes_channel():
    channel = _channel_after_select()
    assert channel.unwrap(ResponseApdu(b"", 0x6A82)).sw == 0x6A82
    assert channel.closed


def test_retail_mac_needs_two_keys():
    with pytest.raises(ValueError, match="16 bytes"):
        crypto.retail_mac(bytes(8), b"data")


def test_padding_round_trip_and_rejection():
    assert crypto.pad(b"") == b"\x80" + bytes(7)
    assert crypto.unpad(crypto.pad(b"\x01\x80")) == b"\x01\x80"
    with pytest.raises(ValueError):
        crypto.unpad(bytes(8))


def test_tlv_long_form_lengths():
    value = bytes(300)
    encoded = encode_tlv(0x75, value)
    assert encoded[:4] == bytes.fromhex("7582012C")
    assert read_header(encoded) == (0x75, 300, 4)
    assert read_tlv(encode_tlv(0x5F1F, b"x")).tag == 0x5F1F


@pytest.mark.parametrize("data", [b"", b"\x75", b"\x75\x85\x01\x02\x03\x04\x05", b"\x75\x80", b"\x75\x82\x01", b"\x75\x05ab", b"\x5f"])
def test_malformed_tlv_raises_tlv_error(data):
    with pytest.raises(TlvError):
        read_tlv(data)


def test_pace_info_found_in_card_access():
    pace = encode_tlv(0x30, encode_tlv(0x06, bytes.fromhex("04007F00070202040202")) + encode_tlv(0x02, b"\x02"))
    domain = encode_tlv(0x30, encode_tlv(0x06, bytes.fromhex("04007F000702020402")) + encode_tlv(0x30, b""))
    card_access = encode_tlv(0x31, domain + pace)
    assert pace_protocols(card_access) == ["0.4.0.127.0.7.2.2.4.2.2"]
    assert decode_oid(bytes.fromhex("2A864886F70D010702")) == "1.2.840.113549.1.7.2"


def test_card_access_without_pace():
    chip_authentication = encode_tlv(0x30, encode_tlv(0x06, bytes.fromhex("04007F00070202030201")) + encode_tlv(0x02, b"\x01"))
    assert pace_protocols(encode_tlv(0x31, chip_authentication)) == []
    with pytest.raises(TlvError):
        pace_protocols(encode_tlv(0x30, b""))


@pytest.mark.parametrize("total", [32_767 + 223, 32_767 + 1, 32_700])
def test_file_just_over_32k_is_read_to_the_end(total):
    """The chunk arithmetic of read_file on a file served from memory, as a chip would serve it."""
    from devices.passport import files

    content = encode_tlv(0x75, bytes(range(256)) * ((total - 4) // 256) + bytes((total - 4) % 256))
    assert len(content) == total
    offsets = []

    def transmit(command):
        if command.ins == 0xA4:
            return ResponseApdu(b"", 0x9000)
        offset = (command.p1 << 8) | command.p2
        offsets.append(offset)
        return ResponseApdu(content[offset : offset + command.le], 0x9000)

    assert files.read_file(transmit, 0x0102) == content
    assert max(offsets) <= files.MAX_OFFSET
