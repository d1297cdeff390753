"""Combining the liveness cues into one outcome per attempt, and the limit on attempts.

One attempt is one challenge and the frames taken while it was shown. Its outcome is:

- RETRY when the frames cannot be judged (too few, no face, several faces, the face
  jumped between frames), with a reason that names what to change;
- FAIL when a cue found a presentation attack (the face moved as a plane, or shows a
  screen's pixel pattern);
- RETRY when the challenge was not done, or when it was done but nothing showed a living
  face (neither a blink nor depth in the head's motion);
- PASS otherwise.

After MAX_ATTEMPTS attempts that did not pass, :class:`LivenessAttempts` sends the
customer to a clerk (Outcome.REVIEW).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.face import FaceModel
from kiosk.identity.liveness.blink import check_blinks
from kiosk.identity.liveness.challenge import Challenge, judge_challenge
from kiosk.identity.liveness.observation import LiveFrame, ObservedSequence, observe_frames
from kiosk.identity.liveness.planar import check_planar_motion
from kiosk.identity.liveness.texture import check_texture
from kiosk.messages import Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# An attempt needs this many frames with a face, over at least this many seconds, and a
# face in at least this share of its frames. At 15 frames per second a 4-second capture
# gives 60 frames; 10 is the least with which a blink of 100 ms can still be bracketed
# by open frames and a baseline yaw measured.
MIN_FACE_FRAMES = 10
MIN_DURATION_SECONDS = 1.5
MIN_FACE_SHARE = 0.5

# More than this share of unreadable frames means the camera is failing, whatever the rest show.
MAX_UNREADABLE_SHARE = 0.5

# More than this share of frames with a second face means someone else is in view.
MAX_SEVERAL_FACES_SHARE = 0.2

# Between two frames less than MAX_JUMP_INTERVAL seconds apart, the face box's centre
# moves by less than this many box widths. A bigger jump means that the detector switched
# to another face, or that a photo was swapped in.
MAX_JUMP_WIDTHS = 0.5
MAX_JUMP_INTERVAL = 0.2

_PASSED = Message("活体检测通过。", "Liveness check passed.")
_ATTACK = Message(
    "活体检测未通过。请本人正对摄像头，按提示完成动作后重试。",
    "The liveness check did not pass. Please face the camera yourself, follow the prompt and try again.",
)
_NO_SIGN_OF_LIFE = Message(
    "未能确认是本人在镜头前，请按提示重试。",
    "It could not be confirmed that a live person is in front of the camera. Please follow the prompt and try again.",
)
_TOO_FEW_FRAMES = Message("拍摄时间太短，请重试。", "The capture was too short. Please try again.")
_NO_FACE = Message("未检测到人脸，请正对摄像头并靠近一些。", "No face found. Please look straight at the camera and come a little closer.")
_UNREADABLE = Message("拍摄失败，请重新拍摄。", "Capture failed, please retake.")
_SEVERAL_FACES = Message(
    "检测到多张人脸，请确保只有您一人在镜头前。",
    "More than one face found. Please make sure only you are in front of the camera.",
)
_FACE_JUMPED = Message("请保持在镜头前，不要离开画面。", "Please stay in front of the camera and do not leave the picture.")
_HAND_OVER = Message(
    "活体检测多次未通过，请到柜台由工作人员为您办理。",
    "The liveness check did not pass after several tries. Please go to the counter, where staff can help you.",
)


@dataclass(frozen=True)
class LivenessResult:
    """One attempt's outcome (PASS, RETRY or FAIL), the reason to show, and every cue's check."""

    challenge: Challenge
    outcome: Outcome
    reason: Message
    checks: tuple[Check, ...]
    frame_counts: dict

    def to_check(self) -> Check:
        """Summarise the attempt as the check "liveness", the cues' outcomes in its details."""
        details = {
            "challenge": self.challenge.value,
            "cues": {check.name: check.outcome.value for check in self.checks},
            "frames": self.frame_counts,
        }
        return Check("liveness", self.outcome, self.reason, details)


def _count_jumps(sequence: ObservedSequence) -> int:
    jumps = 0
    observations = sequence.observations
    for previous, current in zip(observations, observations[1:]):
        if current.timestamp - previous.timestamp > MAX_JUMP_INTERVAL:
            continue
        previous_centre = np.array([(previous.box.left + previous.box.right) / 2, (previous.box.top + previous.box.bottom) / 2])
        current_centre = np.array([(current.box.left + current.box.right) / 2, (current.box.top + current.box.bottom) / 2])
        if np.linalg.norm(current_centre - previous_centre) > MAX_JUMP_WIDTHS * max(previous.box.width, 1):
            jumps += 1
    return jumps


def _input_problem(sequence: ObservedSequence) -> Message | None:
    """Return the reason why the frames cannot be judged, or None when they can."""
    if sequence.frames and sequence.unreadable / sequence.frames > MAX_UNREADABLE_SHARE:
        return _UNREADABLE
    if sequence.frames and sequence.several_faces / sequence.frames > MAX_SEVERAL_FACES_SHARE:
        return _SEVERAL_FACES
    if len(sequence.observations) < MIN_FACE_FRAMES or sequence.face_fraction < MIN_FACE_SHARE:
        return _NO_FACE if sequence.frames >= MIN_FACE_FRAMES else _TOO_FEW_FRAMES
    if sequence.duration < MIN_DURATION_SECONDS:
        return _TOO_FEW_FRAMES
    if _count_jumps(sequence) > 0:
        return _FACE_JUMPED
    return None


def assess_sequence(sequence: ObservedSequence, challenge: Challenge, camera_mirrored: bool = False) -> LivenessResult:
    """Judge one attempt from its observed frames; see the module docstring for the rules."""
    summary = sequence.to_json()
    problem = _input_problem(sequence)
    if problem is not None:
        log.info("liveness: attempt not judged: %s (%s)", problem.en, summary)
        return LivenessResult(challenge, Outcome.RETRY, problem, (), summary)

    observations = sequence.observations
    challenge_check = judge_challenge(challenge, observations, camera_mirrored)
    blink_check = check_blinks(observations, sequence.duration)
    planar_check = check_planar_motion(observations)
    texture_check = check_texture(observations)
    checks = (challenge_check, blink_check, planar_check, texture_check)

    attack = [check for check in (planar_check, texture_check) if check.outcome is Outcome.FAIL]
    if attack:
        log.warning("liveness: presentation attack suspected by %s", ", ".join(check.name for check in attack))
        return LivenessResult(challenge, Outcome.FAIL, _ATTACK, checks, summary)
    if not challenge_check.passed:
        return LivenessResult(challenge, Outcome.RETRY, challenge_check.reason, checks, summary)
    if not (blink_check.passed or planar_check.passed):
        log.info("liveness: challenge done but no blink and no depth seen")
        return LivenessResult(challenge, Outcome.RETRY, _NO_SIGN_OF_LIFE, checks, summary)
    return LivenessResult(challenge, Outcome.PASS, _PASSED, checks, summary)


def assess_liveness(model: FaceModel, frames: Iterable[LiveFrame], challenge: Challenge, camera_mirrored: bool = False) -> LivenessResult:
    """Observe ``frames`` (taken while ``challenge.prompt`` was shown) and judge the attempt.

    Never raises for bad frames: unreadable frames, frames without a face and too short a
    capture end in RETRY with a reason. It runs the face model on every frame, so it
    belongs on the worker that owns the model.
    """
    return assess_sequence(observe_frames(model, frames), challenge, camera_mirrored)


@dataclass
class LivenessAttempts:
    """Counts one customer's liveness attempts and hands over to a clerk after MAX_ATTEMPTS failures."""

    max_attempts: int = MAX_ATTEMPTS
    results: list[LivenessResult] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(1 for result in self.results if result.outcome is not Outcome.PASS)

    def record(self, result: LivenessResult) -> Check:
        """Record one attempt and return the check for the session.

        PASS when the attempt passed. RETRY (with the attempt's reason) while fewer than
        ``max_attempts`` attempts have failed, and REVIEW once they have, whatever the
        failed attempts' outcomes were.
        """
        self.results.append(result)
        check = result.to_check()
        details = dict(check.details, attempt=len(self.results), failures=self.failures, max_attempts=self.max_attempts)
        if result.outcome is Outcome.PASS:
            return Check("liveness", Outcome.PASS, result.reason, details)
        if self.failures >= self.max_attempts:
            details["attempt_outcomes"] = [earlier.outcome.value for earlier in self.results]
            log.warning("liveness: %d failed attempts; handing over to a clerk", self.failures)
            return Check("liveness", Outcome.REVIEW, _HAND_OVER, details)
        return Check("liveness", Outcome.RETRY, result.reason, details)
