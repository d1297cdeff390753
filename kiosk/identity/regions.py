"""Administrative division codes (GB/T 2260) as the first six digits of identity numbers.

The list comes from the ``GB2260`` package, which contains the revisions published from
2002 to 2013. A code that was listed once but not in the newest revision is abolished:
old numbers keep it for life, so it is accepted with a warning. A code in no revision is
accepted with a warning too when its province is valid, because divisions abolished
before 2002 or created after 2013 are missing from that list.

NOTE: divisions abolished after 2013 still count as current here, so their numbers get
no "abolished" warning.
"""

import enum
from dataclasses import dataclass
from functools import cache

import gb2260.data

# Hong Kong, Macao and Taiwan residents' residence permits use these instead of a
# mainland division; GB/T 2260 lists Taiwan as 710000, which permits do not use.
HMT_PERMIT_CODES = {"810000": ("香港", "Hong Kong"), "820000": ("澳门", "Macao"), "830000": ("台湾", "Taiwan")}


class RegionStatus(enum.Enum):
    CURRENT = "current"
    ABOLISHED = "abolished"
    UNLISTED = "unlisted"  # province valid, division in no revision this build contains
    HMT_PERMIT = "hmt_permit"
    INVALID = "invalid"


@dataclass(frozen=True)
class RegionLookup:
    code: str
    status: RegionStatus
    name: str  # the division's Chinese name, or "" when unknown


@cache
def _revisions() -> tuple[dict[int, str], dict[int, str]]:
    """Return (newest revision, every code ever listed with its last known name)."""
    newest = gb2260.data.data[None]
    every: dict[int, str] = {}
    for revision in sorted((key for key in gb2260.data.data if key is not None), key=str):
        every.update(gb2260.data.data[revision])
    every.update(newest)
    return newest, every


@cache
def _provinces() -> frozenset[str]:
    _, every = _revisions()
    return frozenset(f"{code:06d}"[:2] for code in every if code % 10000 == 0)


def look_up_region(code: str) -> RegionLookup:
    """Classify a six-digit division code; ``code`` must be six ASCII digits."""
    if code in HMT_PERMIT_CODES:
        return RegionLookup(code, RegionStatus.HMT_PERMIT, HMT_PERMIT_CODES[code][0])
    if len(code) != 6 or not code.isdigit():
        return RegionLookup(code, RegionStatus.INVALID, "")

    if not is_mainland_province(code[:2]):
        return RegionLookup(code, RegionStatus.INVALID, "")
    newest, every = _revisions()
    number = int(code)
    if number in newest:
        return RegionLookup(code, RegionStatus.CURRENT, newest[number])
    if number in every:
        return RegionLookup(code, RegionStatus.ABOLISHED, every[number])
    if is_mainland_province(code[:2]):
        return RegionLookup(code, RegionStatus.UNLISTED, "")
    return RegionLookup(code, RegionStatus.INVALID, "")


def is_mainland_province(code: str) -> bool:
    """Return whether a two-digit code is a mainland province-level division.

    Taiwan (71), Hong Kong (81) and Macao (82) are listed in GB/T 2260 but assign no
    resident numbers: their residents' permits use 830000, 810000 and 820000.
    """
    return code in _provinces() and code not in {"71", "81", "82"}
