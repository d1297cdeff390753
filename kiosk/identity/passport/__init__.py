"""ICAO 9303 passports read from their chip: the data groups, passive authentication and the checks built on them.

:func:`kiosk.identity.passport.verification.verify_passport_chip` is the entry point:
it reads the chip with a :class:`devices.passport.reader.PassportReader`, parses
DG1, DG2 and EF.SOD, runs passive authentication against the branch's CSCA
certificates and compares the chip's MRZ with the printed one.
"""
