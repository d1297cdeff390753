"""Liveness: is a living person in front of the camera, rather than a photo or a screen?

One attempt goes: :func:`choose_challenge` draws a random challenge, the screen shows its
``prompt`` while the camera takes frames for about four seconds, and
:func:`assess_liveness` judges those frames. Each frame gives the face box, dlib's five
landmarks and the eye openness (:mod:`.observation`). From the sequence come the active
challenge (:mod:`.challenge`) and three passive cues: blinks (:mod:`.blink`), depth in the
head's motion (:mod:`.planar`) and screen texture (:mod:`.texture`). :mod:`.decision`
combines them and :class:`LivenessAttempts` sends the customer to a clerk after five
failed attempts. docs/liveness.md states which attacks this resists and which it does not.
"""

from kiosk.identity.liveness.challenge import Challenge, choose_challenge, judge_challenge
from kiosk.identity.liveness.decision import MAX_ATTEMPTS, LivenessAttempts, LivenessResult, assess_liveness, assess_sequence
from kiosk.identity.liveness.observation import FaceObservation, FrameObserver, LiveFrame, ObservedSequence, observe_frames

__all__ = [
    "MAX_ATTEMPTS",
    "Challenge",
    "FaceObservation",
    "FrameObserver",
    "LiveFrame",
    "LivenessAttempts",
    "LivenessResult",
    "ObservedSequence",
    "assess_liveness",
    "assess_sequence",
    "choose_challenge",
    "judge_challenge",
    "observe_frames",
]
