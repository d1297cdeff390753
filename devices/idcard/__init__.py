"""Readers of Chinese resident ID cards and related cards over the GA 467 SAM protocol."""

from devices.idcard.reader import CardRead, IdCardReader

__all__ = ["CardRead", "IdCardReader"]
