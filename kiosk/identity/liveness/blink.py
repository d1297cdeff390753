"""Blinks found in a sequence of eye-openness measurements, and the passive no-blink cue.

A blink is open → closed → open, where closed means that both eyes measure below a
fraction of the person's own open level in this sequence. Judging against the person's
own level, not a fixed value, keeps one rule for small and large eyes, glasses and camera
sharpness. The open level measured 0.57 to 0.80 on the test photographs and 0.62 to 1.30
in the benchmark clips.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.liveness.observation import FaceObservation
from kiosk.messages import Message

log = logging.getLogger(__name__)

# The open level is this percentile of the sequence's openness, because most frames show
# open eyes. Even a person who blinks often has the eyes closed in about a tenth of the frames.
OPEN_LEVEL_PERCENTILE = 80

# Closed below 0.6 of the open level, open again from 0.8 of it. The band between keeps a
# half-closed frame from ending or starting a blink. In the benchmark clips, closed eyes
# fell to 0.18 to 0.38 of the open level (0.43 to 0.50 behind glasses), while in the two
# steadiest clips nine frames in ten measured 0.75 of it or more.
CLOSED_FRACTION = 0.6
REOPENED_FRACTION = 0.8

# Below this open level the eyes are not seen clearly enough to judge (sunglasses, a face
# too far away). No open level measured so far was below 0.57.
MIN_OPEN_LEVEL = 0.25

# Closed phase of a blink, in seconds. Sampling blurs the ends, so a closure counts when
# the interval between its shortest and longest possible duration meets this range.
MIN_CLOSED_SECONDS = 0.1
MAX_CLOSED_SECONDS = 0.4

# A gap between frames longer than this inside a closure (dropped frames, a lost face)
# leaves the closure's duration unknown, so it is not counted.
MAX_FRAME_GAP_SECONDS = 0.25

# The passive cue needs at least this long a look, in seconds, before "no blink" means
# anything. People blink every few seconds on average but can go longer, so "no blink"
# alone is never a failure, only missing evidence.
PASSIVE_WINDOW_SECONDS = 4.0


@dataclass(frozen=True)
class Blink:
    """One blink: the closed phase's first and last closed frames, and the open frames around it (seconds)."""

    last_open: float
    first_closed: float
    last_closed: float
    first_reopened: float

    @property
    def shortest_closed(self) -> float:
        return self.last_closed - self.first_closed

    @property
    def longest_closed(self) -> float:
        return self.first_reopened - self.last_open

    def to_json(self) -> dict:
        return {
            "closed_from_s": round(self.first_closed, 3),
            "closed_to_s": round(self.last_closed, 3),
            "closed_ms_range": [round(self.shortest_closed * 1000), round(self.longest_closed * 1000)],
        }


@dataclass(frozen=True)
class BlinkReport:
    """The blinks found in a sequence and the open level they were judged against.

    ``judged`` is False when the eyes were never seen clearly open, so no blink could be found.
    """

    blinks: tuple[Blink, ...]
    open_level: float
    judged: bool


def find_blinks(observations: Sequence[FaceObservation]) -> BlinkReport:
    """Find every blink in ``observations`` (in time order) whose closed phase lasts 100–400 ms."""
    if not observations:
        return BlinkReport((), 0.0, False)
    openness = np.array([observation.eye_openness.both for observation in observations])
    times = np.array([observation.timestamp for observation in observations])
    open_level = float(np.percentile(openness, OPEN_LEVEL_PERCENTILE))
    if open_level < MIN_OPEN_LEVEL:
        return BlinkReport((), open_level, False)

    closed_below = CLOSED_FRACTION * open_level
    reopened_from = REOPENED_FRACTION * open_level
    blinks: list[Blink] = []
    last_open: float | None = None
    closure: list[float] = []  # times of the closed frames of the closure under way
    previous_time: float | None = None
    gap_in_closure = False

    for time, value in zip(times, openness):
        if closure and previous_time is not None and time - previous_time > MAX_FRAME_GAP_SECONDS:
            gap_in_closure = True
        previous_time = float(time)

        if value >= reopened_from:
            if closure and last_open is not None and not gap_in_closure:
                blink = Blink(last_open, closure[0], closure[-1], float(time))
                if blink.shortest_closed <= MAX_CLOSED_SECONDS and blink.longest_closed >= MIN_CLOSED_SECONDS:
                    blinks.append(blink)
            closure = []
            gap_in_closure = False
            last_open = float(time)
        elif value < closed_below and last_open is not None:
            closure.append(float(time))

    return BlinkReport(tuple(blinks), open_level, True)


def check_blinks(observations: Sequence[FaceObservation], duration: float) -> Check:
    """Return the passive blink cue over a whole attempt of ``duration`` seconds.

    PASS when a blink was seen; RETRY (no evidence either way) when none was, or when the
    eyes could not be judged. It never fails on its own.
    """
    report = find_blinks(observations)
    details = {
        "blinks": [blink.to_json() for blink in report.blinks],
        "open_level": round(report.open_level, 3),
        "window_s": round(duration, 3),
    }
    if report.blinks:
        return Check("liveness_blink", Outcome.PASS, Message("已检测到眨眼。", "A blink was seen."), details)
    if not report.judged:
        return Check(
            "liveness_blink",
            Outcome.RETRY,
            Message("未能看清您的眼睛，请摘下墨镜并正对摄像头。", "Your eyes could not be seen clearly. Please take off sunglasses and face the camera."),
            details,
        )
    if duration < PASSIVE_WINDOW_SECONDS:
        details["note"] = f"window shorter than {PASSIVE_WINDOW_SECONDS} s"
    return Check("liveness_blink", Outcome.RETRY, Message("未检测到眨眼。", "No blink was seen."), details)
