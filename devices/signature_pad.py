"""Signature pads: strokes with pressure and timing, from a pad or an on-screen canvas.

Coordinates are in the pad's own units with the origin at the top left, pressure runs
from 0 to 1 and time is in milliseconds from the first point.
"""

import math
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class StrokePoint:
    """One sample of the pen."""

    x: float
    y: float
    pressure: float
    t_ms: int


@dataclass
class Signature:
    """Strokes on a canvas of ``width`` × ``height`` pad units."""

    width: int
    height: int
    strokes: list[list[StrokePoint]] = field(default_factory=list)

    @property
    def point_count(self) -> int:
        return sum(len(stroke) for stroke in self.strokes)

    def to_json(self) -> dict:
        """Return a JSON-ready form, as kept for evidence."""
        return {
            "width": self.width,
            "height": self.height,
            "strokes": [[[p.x, p.y, p.pressure, p.t_ms] for p in stroke] for stroke in self.strokes],
        }


class SignaturePad(Protocol):
    """A device that returns the customer's signature, or raises ``SignaturePadError``."""

    def capture(self) -> Signature: ...


class SimulatedSignaturePad:
    """Returns a handwriting-like signature: three connected loops with varying pressure."""

    def __init__(self, width: int = 600, height: int = 200) -> None:
        self.width = width
        self.height = height

    def capture(self) -> Signature:
        signature = Signature(self.width, self.height)
        t_ms = 0
        for stroke_index in range(3):
            stroke: list[StrokePoint] = []
            origin_x = 60 + stroke_index * 170
            for step in range(60):
                angle = step / 59 * 3 * math.pi
                x = origin_x + step * 2.2 + 28 * math.cos(angle)
                y = self.height / 2 + 45 * math.sin(angle) * (1 - step / 90)
                pressure = 0.35 + 0.5 * math.sin(step / 59 * math.pi)
                stroke.append(StrokePoint(round(x, 1), round(y, 1), round(pressure, 2), t_ms))
                t_ms += 8
            t_ms += 180
            signature.strokes.append(stroke)
        return signature
