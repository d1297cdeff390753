"""The active liveness challenge: a random request (blink, turn left, turn right) and its judgement.

The challenge is drawn with :mod:`secrets`, so a replayed recording cannot know in advance
which movement will be asked. Head turns are judged from yaw (see
:mod:`~kiosk.identity.liveness.geometry`), blinks from eye openness (see
:mod:`~kiosk.identity.liveness.blink`).
"""

import enum
import logging
import secrets
from collections.abc import Sequence

import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.liveness.blink import find_blinks
from kiosk.identity.liveness.geometry import yaw_degrees
from kiosk.identity.liveness.observation import FaceObservation
from kiosk.messages import Message

log = logging.getLogger(__name__)

# The whole movement must happen within this many seconds of the first frame, which is
# taken when the prompt appears. A person reads a short prompt and starts to move within
# about a second; a turn and return takes one to two more.
TIME_LIMIT_SECONDS = 5.0

# The starting yaw is the median over the first half second, taken before most people
# have started to move; at least BASELINE_FRAMES frames are used.
BASELINE_SECONDS = 0.5
BASELINE_FRAMES = 3

# A turn counts when yaw_ratio moves this far from the starting yaw in the requested
# direction: 0.20 is about 22 degrees (see geometry.NOSE_DEPTH_RATIO). The landmarks of a
# face held still move by up to about ±0.05 between frames (the detection box steps
# between the sizes of HOG's image pyramid), so 0.20 is well beyond jitter. A lively
# talking head in the benchmark swayed 0.19 from its median and completed a turn unasked
# in one window of eight. That lets nothing through, because the planar-motion cue, not
# the turn, distinguishes a head from a picture. dlib's HOG detector still found faces at 0.46 in
# the benchmark clips, so a turn of 0.20 is seen before the face is lost.
TURN_THRESHOLD = 0.20

# The turn is complete when yaw comes back within this distance of the starting yaw
# (about 9 degrees).
RETURN_TOLERANCE = 0.08


class Challenge(enum.Enum):
    """A movement the customer is asked to make; its ``prompt`` is shown while the frames are taken."""

    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"

    @property
    def prompt(self) -> Message:
        return _PROMPTS[self]


_PROMPTS = {
    Challenge.BLINK: Message("请眨眨眼", "Please blink"),
    Challenge.TURN_LEFT: Message("请向左转头，再转回正面", "Please turn your head to the left, then face the camera again"),
    Challenge.TURN_RIGHT: Message("请向右转头，再转回正面", "Please turn your head to the right, then face the camera again"),
}

_NOT_DONE = {
    Challenge.BLINK: Message("未检测到眨眼，请按提示眨眨眼。", "No blink was seen. Please blink when asked."),
    Challenge.TURN_LEFT: Message("未检测到向左转头，请按提示向左转头再转回。", "No turn to the left was seen. Please turn your head to the left and back when asked."),
    Challenge.TURN_RIGHT: Message("未检测到向右转头，请按提示向右转头再转回。", "No turn to the right was seen. Please turn your head to the right and back when asked."),
}

_WRONG_WAY = Message("转头方向不对，请按提示的方向转头。", "You turned the other way. Please turn in the direction shown.")
_DONE = Message("已完成动作。", "The requested movement was seen.")


def choose_challenge() -> Challenge:
    """Draw one challenge with a cryptographically strong random choice."""
    return secrets.choice(list(Challenge))


def judge_challenge(challenge: Challenge, observations: Sequence[FaceObservation], camera_mirrored: bool = False) -> Check:
    """Judge whether ``observations`` (in time order, the first taken when the prompt appeared) show ``challenge``.

    ``camera_mirrored`` is True when the frames are mirror images of the scene (a camera
    set to mirror), which swaps left and right. Returns the check "liveness_challenge": PASS
    when the movement was seen within TIME_LIMIT_SECONDS, RETRY otherwise.
    """
    if not observations:
        return Check("liveness_challenge", Outcome.RETRY, _NOT_DONE[challenge], {"challenge": challenge.value})
    start = observations[0].timestamp
    in_time = [observation for observation in observations if observation.timestamp - start <= TIME_LIMIT_SECONDS]

    if challenge is Challenge.BLINK:
        return _judge_blink(in_time, start)
    # A person turning to their own left moves the nose towards the image's right, where
    # yaw_ratio is positive, unless the camera mirrors the image.
    direction = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
    if camera_mirrored:
        direction = -direction
    return _judge_turn(challenge, in_time, start, direction)


def _judge_blink(observations: Sequence[FaceObservation], start: float) -> Check:
    report = find_blinks(observations)
    details: dict = {"challenge": Challenge.BLINK.value, "open_level": round(report.open_level, 3)}
    if not report.blinks:
        return Check("liveness_challenge", Outcome.RETRY, _NOT_DONE[Challenge.BLINK], details)
    details["blink_at_s"] = round(report.blinks[0].first_closed - start, 3)
    return Check("liveness_challenge", Outcome.PASS, _DONE, details)


def _judge_turn(challenge: Challenge, observations: Sequence[FaceObservation], start: float, direction: float) -> Check:
    details: dict = {"challenge": challenge.value, "turn_threshold": TURN_THRESHOLD, "return_tolerance": RETURN_TOLERANCE}
    early = [observation for observation in observations if observation.timestamp - start <= BASELINE_SECONDS]
    if len(early) < BASELINE_FRAMES:
        early = list(observations[:BASELINE_FRAMES])
    if len(early) < BASELINE_FRAMES:
        return Check("liveness_challenge", Outcome.RETRY, _NOT_DONE[challenge], details)
    baseline = float(np.median([observation.yaw for observation in early]))
    details["baseline_yaw"] = round(baseline, 3)

    turned_at: float | None = None
    peak = 0.0
    for observation in observations:
        change = observation.yaw - baseline
        if turned_at is None:
            if abs(change) < TURN_THRESHOLD:
                continue
            if change * direction < 0:
                details["wrong_way_yaw"] = round(observation.yaw, 3)
                log.info("liveness: turn to the wrong side (yaw %.3f from %.3f)", observation.yaw, baseline)
                return Check("liveness_challenge", Outcome.RETRY, _WRONG_WAY, details)
            turned_at = observation.timestamp
        peak = max(peak, change * direction)
        details["peak_turn"] = round(peak, 3)
        details["peak_turn_degrees"] = round(yaw_degrees(peak), 1)
        if abs(change) <= RETURN_TOLERANCE:
            details["turned_at_s"] = round(turned_at - start, 3)
            details["returned_at_s"] = round(observation.timestamp - start, 3)
            return Check("liveness_challenge", Outcome.PASS, _DONE, details)

    if turned_at is not None:
        details["turned_at_s"] = round(turned_at - start, 3)
    return Check("liveness_challenge", Outcome.RETRY, _NOT_DONE[challenge], details)
