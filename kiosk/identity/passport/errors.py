"""Typed errors for passport data that cannot be parsed or trusted."""

from kiosk.errors import ConfigError, CounterSignError
from kiosk.messages import Message


class PassportDataError(CounterSignError):
    """A file read from a passport chip is malformed."""

    message = Message(
        "护照芯片中的数据无法识别，请联系工作人员人工核验。",
        "The data on the passport chip could not be understood. Please ask a member of staff to check the passport.",
    )


class DataGroupError(PassportDataError):
    """A data group (DG1, DG2) or EF.COM does not have the structure ICAO 9303 part 10 prescribes."""


class SodError(PassportDataError):
    """EF.SOD is not a CMS SignedData wrapping an LDS security object."""


class CscaStoreError(ConfigError):
    """The branch's folder of CSCA certificates is missing or contains a file that is not a certificate."""

    message = Message(
        "本机的护照签发机构证书（CSCA）配置有误，请联系门店 IT。",
        "The passport authority certificates (CSCA) on this terminal are misconfigured. Please contact branch IT.",
    )
