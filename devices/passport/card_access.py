"""EF.CardAccess: the SecurityInfos a chip offers before access control, read here to find PACE."""

import logging

from devices.passport.tlv import TlvError, decode_oid, iterate_tlv, read_tlv

log = logging.getLogger(__name__)

TAG_SET = 0x31
TAG_SEQUENCE = 0x30
TAG_OID = 0x06
# id-PACE (BSI TR-03110, ICAO 9303 part 11): PACEInfo protocols are id-PACE.<mapping>.<cipher>.
ID_PACE = "0.4.0.127.0.7.2.2.4"


def pace_protocols(card_access: bytes) -> list[str]:
    """Return the OIDs of the PACEInfo entries in EF.CardAccess (SecurityInfos, a DER SET).

    PACEDomainParameterInfo entries, whose OIDs have one arc fewer, are not counted.
    Raises :class:`devices.passport.tlv.TlvError` when the file is not a SET of SEQUENCEs
    that start with an OID.
    """
    outer = read_tlv(card_access)
    if outer.tag != TAG_SET:
        raise TlvError(f"EF.CardAccess starts with tag {outer.tag:X}, not a SET")

    protocols = []
    for info in iterate_tlv(outer.value):
        if info.tag != TAG_SEQUENCE:
            raise TlvError(f"SecurityInfo has tag {info.tag:X}, not a SEQUENCE")
        protocol = read_tlv(info.value)
        if protocol.tag != TAG_OID:
            raise TlvError("SecurityInfo does not start with an OID")
        oid = decode_oid(protocol.value)
        if oid.startswith(ID_PACE + ".") and len(oid.split(".")) == len(ID_PACE.split(".")) + 2:
            protocols.append(oid)
    return protocols
