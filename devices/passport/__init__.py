"""ICAO 9303 passport chips (eMRTD) read over PC/SC: BAC, secure messaging and the LDS files.

The driver returns the files as the chip stores them; parsing them and checking their
signatures (passive authentication) is the kiosk's job (``kiosk.identity.passport``).
"""
