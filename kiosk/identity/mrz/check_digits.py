"""ICAO 9303 check digits over MRZ characters.

Check digits use the weights 7, 3, 1 repeated, with ``<`` counting 0, digits their
value and A–Z 10–35; the check digit is the sum modulo 10.
"""

from kiosk.identity.mrz.characters import DIGITS, FILLER, LETTERS

_WEIGHTS = (7, 3, 1)


def check_digit(characters: str) -> int:
    """Return the ICAO 9303 check digit of ``characters`` (A–Z, 0–9 and ``<`` only).

    Raises ``ValueError`` for any other character.
    """
    total = 0
    for index, character in enumerate(characters):
        total += _character_value(character) * _WEIGHTS[index % 3]
    return total % 10


def _character_value(character: str) -> int:
    if character == FILLER:
        return 0
    if character in DIGITS:
        return ord(character) - ord("0")
    if character in LETTERS:
        return ord(character) - ord("A") + 10
    raise ValueError(f"character {character!r} has no check digit value")
