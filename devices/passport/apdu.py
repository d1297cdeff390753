"""Command and response APDUs (ISO/IEC 7816-4), short form only."""

from dataclasses import dataclass

from devices.passport.errors import ChipProtocolError

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le were left in the file
SW_AUTHENTICATION_FAILED = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_OBJECTS_MISSING = 0x6987
SW_SM_OBJECTS_INCORRECT = 0x6988
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1_P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

MAX_SHORT_DATA = 255
MAX_SHORT_LE = 256  # encoded as 0x00


@dataclass(frozen=True)
class CommandApdu:
    """A command: class, instruction, parameters, data and the expected response length ``le``.

    ``le`` is ``None`` when no response data is expected, else 1 to 256.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def encode(self) -> bytes:
        """Return the short-form encoding; raises ``ValueError`` when data or ``le`` do not fit it."""
        if len(self.data) > MAX_SHORT_DATA:
            raise ValueError(f"command data of {len(self.data)} bytes needs an extended APDU")
        if self.le is not None and not 1 <= self.le <= MAX_SHORT_LE:
            raise ValueError(f"Le {self.le} is outside 1..256")

        encoded = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            encoded += bytes([len(self.data)]) + self.data
        if self.le is not None:
            encoded += bytes([self.le % 256])
        return encoded


@dataclass(frozen=True)
class ResponseApdu:
    """A response: its data and the status word (SW1 × 256 + SW2)."""

    data: bytes
    sw: int

    @classmethod
    def from_bytes(cls, raw: bytes) -> "ResponseApdu":
        """Split a response into data and status word; raises :class:`ChipProtocolError` below 2 bytes."""
        if len(raw) < 2:
            raise ChipProtocolError(f"response of {len(raw)} byte(s) has no status word")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK
