"""The MRZ character set, and the letters and digits that OCR and typists confuse."""

FILLER = "<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MRZ_CHARACTERS = frozenset(LETTERS + DIGITS + FILLER)

# The pairs that OCR and typists confuse, from the character read to the one meant.
_LETTER_FOR_DIGIT = {"O": "0", "I": "1"}
_DIGIT_FOR_LETTER = {"0": "O", "1": "I"}
