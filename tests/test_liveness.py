"""Liveness on real photographs: yaw, eye openness, blinks, the challenge, the decision and bad input.

Frames are 640x480 kiosk views made from face_recognition's test photographs: each photo
is scaled so that the face is about 160 px wide, as at a kiosk, and every frame gets
sensor noise. Landmarks always come from real detections on those frames.
"""

import functools
import logging
import secrets
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pytest

from kiosk.checks import Outcome
from kiosk.identity.images import decode_image
from kiosk.identity.liveness import (
    MAX_ATTEMPTS,
    Challenge,
    FaceObservation,
    FrameObserver,
    LiveFrame,
    LivenessAttempts,
    ObservedSequence,
    assess_sequence,
    choose_challenge,
    judge_challenge,
    observe_frames,
)
from kiosk.identity.liveness.blink import CLOSED_FRACTION, MIN_OPEN_LEVEL, find_blinks
from kiosk.identity.liveness.challenge import RETURN_TOLERANCE, TIME_LIMIT_SECONDS, TURN_THRESHOLD
from kiosk.identity.liveness.geometry import (
    IMAGE_LEFT_EYE_INNER,
    IMAGE_LEFT_EYE_OUTER,
    IMAGE_RIGHT_EYE_INNER,
    IMAGE_RIGHT_EYE_OUTER,
    inter_eye_distance,
    yaw_degrees,
    yaw_ratio,
)

FPS = 15.0
FRAME_WIDTH, FRAME_HEIGHT = 640, 480


# Kiosk views of real photographs ----------------------------------------------------


@dataclass(frozen=True)
class Photo:
    """A decoded photograph (RGB) and its face box (left, top, right, bottom) in its pixels."""

    rgb: np.ndarray
    box: np.ndarray

    def mirrored(self) -> "Photo":
        width = self.rgb.shape[1]
        box = np.array([width - self.box[2], self.box[1], width - self.box[0], self.box[3]])
        return Photo(np.ascontiguousarray(self.rgb[:, ::-1]), box)


def _find_face(face_model, rgb: np.ndarray) -> np.ndarray:
    # Detect on a copy at most 800 px on a side: the full-size photos take over a second.
    scale = 800.0 / max(rgb.shape[:2])
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes = face_model.detect(small, 1)
    assert boxes, "no face in the test photograph"
    box = max(boxes, key=lambda found: found.width)
    return np.array([box.left, box.top, box.right, box.bottom], dtype=np.float64) / scale


@pytest.fixture(scope="module")
def photos(faces_dir, face_model) -> dict[str, Photo]:
    """The test photographs by name; "<name>-mirror" is the horizontally mirrored copy."""
    found = {}
    for name in ("obama", "obama2", "obama3", "biden"):
        rgb = decode_image((faces_dir / f"{name}.jpg").read_bytes())
        photo = Photo(rgb, _find_face(face_model, rgb))
        found[name] = photo
        found[f"{name}-mirror"] = photo.mirrored()
    return found


def kiosk_view(photo: Photo, face_width: float = 160.0, centre: tuple[float, float] = (320.0, 220.0)) -> np.ndarray:
    """Return a 640x480 BGR frame of ``photo`` with its face ``face_width`` px wide, centred at ``centre``."""
    scale = face_width / (photo.box[2] - photo.box[0])
    face_x = (photo.box[0] + photo.box[2]) / 2
    face_y = (photo.box[1] + photo.box[3]) / 2
    matrix = np.array([[scale, 0.0, centre[0] - scale * face_x], [0.0, scale, centre[1] - scale * face_y]])
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    rgb = cv2.warpAffine(photo.rgb, matrix, (FRAME_WIDTH, FRAME_HEIGHT), flags=interpolation, borderValue=(120, 120, 120))
    return np.ascontiguousarray(rgb[:, :, ::-1])


NOISE_VARIANTS = 6


@functools.cache
def _sensor_noise(variant: int) -> np.ndarray:
    return np.random.default_rng(variant).normal(0.0, 2.0, (FRAME_HEIGHT, FRAME_WIDTH, 3)).round().astype(np.int16)


def with_noise(frame: np.ndarray, variant: int) -> np.ndarray:
    """Add one of NOISE_VARIANTS fields of Gaussian sensor noise (sigma 2), so that consecutive frames differ."""
    return np.clip(frame.astype(np.int16) + _sensor_noise(variant % NOISE_VARIANTS), 0, 255).astype(np.uint8)


def clip(scenes: list[tuple[np.ndarray, int]], fps: float = FPS, start: float = 100.0) -> list[LiveFrame]:
    """Return LiveFrames showing each (frame, count) in turn, ``fps`` frames a second, with sensor noise."""
    frames = []
    for frame, count in scenes:
        for _ in range(count):
            frames.append(LiveFrame(with_noise(frame, len(frames)), start + len(frames) / fps))
    return frames


class SceneObserver:
    """Observes each named scene once per noise variant and builds sequences from those observations.

    A sequence built here equals what :func:`observe_frames` returns for the same frames,
    because each frame's observation depends only on the frame. The cache keeps the tests fast.
    """

    def __init__(self, face_model, scenes: dict[str, np.ndarray]) -> None:
        self.face_model = face_model
        self.scenes = scenes
        self._cache: dict[tuple[str, int], FaceObservation | None] = {}

    def observation(self, name: str, variant: int) -> FaceObservation | None:
        key = (name, variant % NOISE_VARIANTS)
        if key not in self._cache:
            frame = LiveFrame(with_noise(self.scenes[name], variant), 0.0)
            self._cache[key] = FrameObserver(self.face_model).observe(frame)
        return self._cache[key]

    def sequence(self, plan: list[tuple[str, int]], fps: float = FPS, start: float = 100.0) -> ObservedSequence:
        """Return the sequence showing each (scene name, count) of ``plan`` in turn."""
        observations = []
        frames = 0
        for name, count in plan:
            for _ in range(count):
                observation = self.observation(name, frames)
                if observation is not None:
                    observations.append(replace(observation, timestamp=start + frames / fps))
                frames += 1
        return ObservedSequence(
            observations=tuple(observations),
            frames=frames,
            unreadable=0,
            no_face=frames - len(observations),
            face_too_small=0,
            several_faces=0,
            duration=(frames - 1) / fps,
        )


def landmarks_of(face_model, frame: np.ndarray) -> np.ndarray:
    observation = FrameObserver(face_model).observe(LiveFrame(frame, 0.0))
    assert observation is not None, "no face in the kiosk view"
    return observation.landmarks


def close_eyes(frame: np.ndarray, landmarks: np.ndarray, eyes: tuple[str, ...] = ("right", "left"), lash_line: bool = True) -> np.ndarray:
    """Paint closed eyes over ``frame``: each eye region becomes the skin tone below it, with a dark lash line.

    ``eyes`` names the eyes to close by the side of the image they are on.
    """
    closed = frame.astype(np.float64)
    corners = {
        "right": (landmarks[IMAGE_RIGHT_EYE_INNER], landmarks[IMAGE_RIGHT_EYE_OUTER]),
        "left": (landmarks[IMAGE_LEFT_EYE_OUTER], landmarks[IMAGE_LEFT_EYE_INNER]),
    }
    for side in eyes:
        left_corner, right_corner = corners[side]
        centre = (left_corner + right_corner) / 2
        width = float(np.linalg.norm(right_corner - left_corner))
        angle = float(np.degrees(np.arctan2(*(right_corner - left_corner)[::-1])))

        below = centre + np.array([0.0, 0.6 * width])
        cheek = frame[int(below[1] - 0.1 * width) : int(below[1] + 0.1 * width), int(below[0] - 0.3 * width) : int(below[0] + 0.3 * width)]
        skin = np.median(cheek.reshape(-1, 3), axis=0)

        mask = np.zeros(frame.shape[:2], dtype=np.uint8)
        cv2.ellipse(mask, (round(centre[0]), round(centre[1])), (round(0.5 * width), round(0.3 * width)), angle, 0, 360, 255, -1)
        weight = cv2.GaussianBlur(mask, (0, 0), 0.1 * width).astype(np.float64)[..., None] / 255.0
        closed = closed * (1 - weight) + skin * weight

        if lash_line:
            # The closed lids meet in a shallow downward arc from corner to corner.
            along = np.linspace(-1.0, 1.0, 21)
            sag = 0.1 * width * (1.0 - along**2)
            direction = (right_corner - left_corner) / width
            normal = np.array([-direction[1], direction[0]])
            lid = centre + np.outer(along * width / 2, direction) + np.outer(sag, normal)
            points = np.round(lid * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(closed, [points], False, tuple(float(value) for value in 0.45 * skin), max(1, round(0.05 * width)), cv2.LINE_AA, shift=4)
    return np.clip(closed, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def scenes(face_model, photos) -> dict[str, np.ndarray]:
    """Kiosk views by name: facing the camera, turned to the person's left or right, eyes closed, one eye closed."""
    front = kiosk_view(photos["obama"])
    front_landmarks = landmarks_of(face_model, front)
    return {
        "front": front,
        "front-mirror": kiosk_view(photos["obama-mirror"]),
        "turned-left": kiosk_view(photos["obama2-mirror"]),
        "turned-right": kiosk_view(photos["obama2"]),
        "closed": close_eyes(front, front_landmarks),
        "wink": close_eyes(front, front_landmarks, eyes=("right",)),
    }


@pytest.fixture(scope="module")
def observer(face_model, scenes) -> SceneObserver:
    return SceneObserver(face_model, scenes)


# Yaw from the five landmarks --------------------------------------------------------


def _yaw(face_model, photo: Photo) -> float:
    return yaw_ratio(landmarks_of(face_model, kiosk_view(photo)))


def test_frontal_photo_has_small_yaw(face_model, photos):
    assert abs(_yaw(face_model, photos["obama"])) < 0.05


@pytest.mark.parametrize(("name", "sign"), [("obama2", -1), ("obama3", 1), ("biden", 1)])
def test_turned_photo_yaw_sign(face_model, photos, name, sign):
    yaw = _yaw(face_model, photos[name])
    assert yaw * sign > 0.12, yaw


@pytest.mark.parametrize("name", ["obama2", "obama3", "biden"])
def test_mirroring_flips_yaw(face_model, photos, name):
    yaw = _yaw(face_model, photos[name])
    mirrored = _yaw(face_model, photos[f"{name}-mirror"])
    assert abs(yaw) > 0.12
    assert mirrored == pytest.approx(-yaw, abs=0.04)


def test_yaw_ignores_scale_and_position(face_model, photos):
    # The landmarks move a little with the detection box, whose size steps with HOG's
    # image pyramid, so yaw varies by a few hundredths between sizes.
    small = yaw_ratio(landmarks_of(face_model, kiosk_view(photos["obama2"], face_width=160, centre=(250, 200))))
    large = yaw_ratio(landmarks_of(face_model, kiosk_view(photos["obama2"], face_width=220, centre=(380, 260))))
    assert small == pytest.approx(large, abs=0.05)


def test_yaw_degrees_estimate():
    assert yaw_degrees(0.0) == 0.0
    assert yaw_degrees(TURN_THRESHOLD) == pytest.approx(21.8, abs=0.1)
    assert yaw_degrees(-TURN_THRESHOLD) == pytest.approx(-21.8, abs=0.1)


@pytest.mark.parametrize(
    "landmarks",
    [
        np.zeros((4, 2)),
        np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, np.nan], [5.0, 5.0]]),
        np.array([[60.0, 50.0], [40.0, 50.0], [0.0, 50.0], [40.0, 50.0], [40.0, 80.0]]),
    ],
    ids=["four points", "nan", "corners coincide"],
)
def test_bad_landmarks_raise(landmarks):
    with pytest.raises(ValueError):
        yaw_ratio(landmarks)


def test_inter_eye_distance_in_pixels(face_model, photos):
    small = inter_eye_distance(landmarks_of(face_model, kiosk_view(photos["obama"], face_width=130)))
    large = inter_eye_distance(landmarks_of(face_model, kiosk_view(photos["obama"], face_width=260)))
    assert large / small == pytest.approx(2.0, rel=0.1)


# Eye openness and blinks ------------------------------------------------------------


def _openness(face_model, frame: np.ndarray):
    observation = FrameObserver(face_model).observe(LiveFrame(frame, 0.0))
    assert observation is not None
    return observation.eye_openness


@pytest.mark.parametrize("name", ["obama", "obama2", "obama3", "biden"])
@pytest.mark.parametrize("lash_line", [True, False], ids=["lash line", "skin only"])
def test_closed_eyes_measure_closed(face_model, photos, name, lash_line):
    # A frame counts as closed when the more open eye is below CLOSED_FRACTION of the
    # open level, which is what `both` measures on the open frame.
    frame = kiosk_view(photos[name])
    opened = _openness(face_model, frame)
    closed = _openness(face_model, close_eyes(frame, landmarks_of(face_model, frame), lash_line=lash_line))

    assert opened.both >= MIN_OPEN_LEVEL
    assert closed.image_right < CLOSED_FRACTION * opened.both
    assert closed.image_left < CLOSED_FRACTION * opened.both


def test_blink_found_with_times(face_model, scenes):
    # The whole path, frames to blinks, once without the cache.
    frames = clip([(scenes["front"], 8), (scenes["closed"], 3), (scenes["front"], 8)])
    report = find_blinks(observe_frames(face_model, frames).observations)

    assert report.judged
    assert len(report.blinks) == 1
    blink = report.blinks[0]
    assert blink.first_closed == pytest.approx(frames[8].timestamp)
    assert blink.last_closed == pytest.approx(frames[10].timestamp)
    assert blink.shortest_closed == pytest.approx(2 / FPS)
    assert blink.longest_closed == pytest.approx(4 / FPS)


def test_long_closure_is_not_a_blink(observer):
    sequence = observer.sequence([("front", 8), ("closed", 12), ("front", 8)])
    assert find_blinks(sequence.observations).blinks == ()


def test_single_eye_closed_is_not_a_blink(observer):
    sequence = observer.sequence([("front", 8), ("wink", 3), ("front", 8)])
    assert find_blinks(sequence.observations).blinks == ()


def test_closure_without_reopening_is_not_a_blink(observer):
    sequence = observer.sequence([("front", 8), ("closed", 4)])
    assert find_blinks(sequence.observations).blinks == ()


def test_blink_needs_open_frames_first(observer):
    sequence = observer.sequence([("closed", 3), ("front", 10)])
    assert find_blinks(sequence.observations).blinks == ()


# The challenge ------------------------------------------------------------------------

# Each turn starts from the frontal photograph on the side that makes the turn larger,
# because the landmarks of a frontal face already lean a few hundredths either way.
TURNS = {
    "left": ("front", "turned-left"),
    "right": ("front-mirror", "turned-right"),
}


def _turn(observer, side: str, frames_turned: int = 6, frames_back: int = 9, frames_before: int = 12) -> tuple[FaceObservation, ...]:
    start, turned = TURNS[side]
    return observer.sequence([(start, frames_before), (turned, frames_turned), (start, frames_back)]).observations


@pytest.mark.parametrize("side", ["left", "right"])
def test_turn_photos_cross_threshold(observer, side):
    observations = _turn(observer, side)
    baseline = np.median([observation.yaw for observation in observations[:8]])
    change = observations[13].yaw - baseline
    sign = 1 if side == "left" else -1

    assert change * sign >= TURN_THRESHOLD + 0.02
    assert abs(observations[-1].yaw - baseline) <= RETURN_TOLERANCE


def test_turn_left_passes(observer):
    check = judge_challenge(Challenge.TURN_LEFT, _turn(observer, "left"))
    assert check.outcome is Outcome.PASS, check.details
    assert check.details["turned_at_s"] == pytest.approx(12 / FPS, abs=1e-3)
    assert check.details["returned_at_s"] == pytest.approx(18 / FPS, abs=1e-3)


def test_turn_right_passes(observer):
    check = judge_challenge(Challenge.TURN_RIGHT, _turn(observer, "right"))
    assert check.outcome is Outcome.PASS, check.details


@pytest.mark.parametrize(("challenge", "side"), [(Challenge.TURN_LEFT, "right"), (Challenge.TURN_RIGHT, "left")])
def test_turn_other_way_is_retried(observer, challenge, side):
    check = judge_challenge(challenge, _turn(observer, side))
    assert check.outcome is Outcome.RETRY
    assert "wrong_way_yaw" in check.details
    assert check.reason.zh == "转头方向不对，请按提示的方向转头。"


def test_mirrored_camera_swaps_sides(observer):
    observations = _turn(observer, "left")
    assert judge_challenge(Challenge.TURN_RIGHT, observations, camera_mirrored=True).passed
    assert not judge_challenge(Challenge.TURN_LEFT, observations, camera_mirrored=True).passed


def test_turn_without_return_is_retried(observer):
    check = judge_challenge(Challenge.TURN_LEFT, _turn(observer, "left", frames_turned=15, frames_back=0))
    assert check.outcome is Outcome.RETRY
    assert "turned_at_s" in check.details
    assert "returned_at_s" not in check.details


def test_turn_after_time_limit_is_retried(observer):
    late = round(TIME_LIMIT_SECONDS * FPS)
    assert judge_challenge(Challenge.TURN_LEFT, _turn(observer, "left", frames_before=late)).outcome is Outcome.RETRY
    assert judge_challenge(Challenge.TURN_LEFT, _turn(observer, "left", frames_before=late - 20)).outcome is Outcome.PASS


def test_small_turn_is_not_enough(observer):
    observations = observer.sequence([("front", 12), ("front-mirror", 6), ("front", 9)]).observations
    assert judge_challenge(Challenge.TURN_LEFT, observations).outcome is Outcome.RETRY


def test_blink_challenge(observer):
    blinked = observer.sequence([("front", 10), ("closed", 3), ("front", 10)]).observations
    stared = observer.sequence([("front", 23)]).observations

    passed = judge_challenge(Challenge.BLINK, blinked)
    assert passed.outcome is Outcome.PASS
    assert passed.details["blink_at_s"] == pytest.approx(10 / FPS, abs=1e-3)
    assert judge_challenge(Challenge.BLINK, stared).outcome is Outcome.RETRY


def test_blink_after_time_limit_is_retried(observer):
    late = round(TIME_LIMIT_SECONDS * FPS) + 2
    observations = observer.sequence([("front", late), ("closed", 3), ("front", 10)]).observations
    assert judge_challenge(Challenge.BLINK, observations).outcome is Outcome.RETRY


def test_challenge_without_observations_is_retried():
    for challenge in Challenge:
        assert judge_challenge(challenge, []).outcome is Outcome.RETRY


def test_challenge_drawn_with_secrets(monkeypatch):
    drawn_from = []
    real_choice = secrets.choice

    def spy(options):
        drawn_from.append(list(options))
        return real_choice(options)

    monkeypatch.setattr(secrets, "choice", spy)
    assert choose_challenge() in Challenge
    assert drawn_from == [list(Challenge)]


def test_every_challenge_is_drawn():
    drawn = {choose_challenge() for _ in range(300)}
    assert drawn == set(Challenge)


def test_prompts_are_bilingual():
    assert Challenge.BLINK.prompt.zh == "请眨眨眼"
    assert Challenge.BLINK.prompt.en == "Please blink"
    assert Challenge.TURN_LEFT.prompt.zh.startswith("请向左转头")
    assert Challenge.TURN_RIGHT.prompt.en.startswith("Please turn your head to the right")


# The decision over one attempt ------------------------------------------------------

BLINKING = [("front", 20), ("closed", 3), ("front", 22)]


def test_blinking_face_passes(observer):
    result = assess_sequence(observer.sequence(BLINKING), Challenge.BLINK)

    assert result.outcome is Outcome.PASS, [check.to_json() for check in result.checks]
    cues = {check.name: check.outcome for check in result.checks}
    assert cues["liveness_challenge"] is Outcome.PASS
    assert cues["liveness_blink"] is Outcome.PASS
    assert cues["liveness_texture"] is Outcome.PASS
    assert cues["liveness_planar_motion"] is Outcome.RETRY  # the head did not turn


@pytest.mark.parametrize("challenge", list(Challenge))
def test_still_photo_does_not_pass(observer, challenge):
    result = assess_sequence(observer.sequence([("front", 60)]), challenge)

    assert result.outcome is Outcome.RETRY
    cues = {check.name: check.outcome for check in result.checks}
    assert cues["liveness_blink"] is Outcome.RETRY
    assert cues["liveness_challenge"] is Outcome.RETRY
    assert cues["liveness_planar_motion"] is Outcome.RETRY


def test_turn_without_blink_or_depth_retries(observer):
    # Two photographs stand in for a turn. The cut between them is no head motion and
    # there is no blink, so the turn is seen but nothing shows a living face.
    sequence = observer.sequence([("front", 12), ("turned-left", 6), ("front", 30)])
    result = assess_sequence(sequence, Challenge.TURN_LEFT)
    cues = {check.name: check.outcome for check in result.checks}

    assert cues["liveness_challenge"] is Outcome.PASS
    assert cues["liveness_blink"] is Outcome.RETRY
    assert cues["liveness_planar_motion"] is not Outcome.PASS
    assert result.outcome is not Outcome.PASS


def test_result_summary_check(observer):
    check = assess_sequence(observer.sequence(BLINKING), Challenge.BLINK).to_check()

    assert check.name == "liveness"
    assert check.outcome is Outcome.PASS
    assert check.details["challenge"] == "blink"
    assert check.details["cues"]["liveness_blink"] == "pass"
    assert check.details["frames"]["face_frames"] == 45


# Bad input ------------------------------------------------------------------------------


def test_unreadable_frames_are_retried(face_model, caplog):
    frames = [
        LiveFrame(np.zeros((480, 640), dtype=np.uint8), 1.0),
        LiveFrame(np.zeros((480, 640, 3), dtype=np.float32), 2.0),
        LiveFrame(None, 3.0),  # type: ignore[arg-type]
        LiveFrame(np.zeros((1, 1, 3), dtype=np.uint8), 4.0),
    ]
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.liveness"):
        sequence = observe_frames(face_model, frames)
        result = assess_sequence(sequence, Challenge.BLINK)

    assert sequence.unreadable == 4
    assert result.outcome is Outcome.RETRY
    assert result.reason.en == "Capture failed, please retake."
    assert "frame 1 is unreadable" in caplog.text


def test_frames_without_face_are_retried(face_model, photos):
    wall = kiosk_view(photos["obama"], face_width=160, centre=(320, -400))
    sequence = observe_frames(face_model, clip([(wall, 12)]))
    result = assess_sequence(sequence, Challenge.TURN_LEFT)

    assert sequence.no_face == 12
    assert result.outcome is Outcome.RETRY
    assert result.reason.zh.startswith("未检测到人脸")


def test_too_few_frames_are_retried(observer):
    result = assess_sequence(observer.sequence([("front", 5)]), Challenge.BLINK)
    assert result.outcome is Outcome.RETRY
    assert result.reason.en == "The capture was too short. Please try again."


def test_short_capture_is_retried(observer):
    result = assess_sequence(observer.sequence([("front", 15)], fps=30.0), Challenge.BLINK)
    assert result.outcome is Outcome.RETRY
    assert result.reason.en == "The capture was too short. Please try again."


def test_repeated_timestamp_is_skipped(face_model, scenes, caplog):
    frames = clip([(scenes["front"], 3)])
    frames.append(LiveFrame(scenes["front"], frames[-1].timestamp))
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.liveness"):
        sequence = observe_frames(face_model, frames)
    assert len(sequence.observations) == 3
    assert sequence.unreadable == 1
    assert "not after" in caplog.text


def test_second_face_is_retried(face_model, photos):
    left = kiosk_view(photos["obama"], face_width=130, centre=(160, 220))[:, :320]
    right = kiosk_view(photos["biden"], face_width=130, centre=(160, 220))[:, :320]
    sequence = observe_frames(face_model, clip([(np.concatenate([left, right], axis=1), 12)]))
    result = assess_sequence(sequence, Challenge.BLINK)

    assert sequence.several_faces == 12
    assert result.outcome is Outcome.RETRY
    assert result.reason.en.startswith("More than one face found")


def test_face_jumping_between_places_is_retried(face_model, photos):
    here = kiosk_view(photos["obama"], face_width=150, centre=(180, 220))
    there = kiosk_view(photos["obama"], face_width=150, centre=(460, 220))
    result = assess_sequence(observe_frames(face_model, clip([(here, 12), (there, 12)])), Challenge.BLINK)
    assert result.outcome is Outcome.RETRY
    assert result.reason.en.startswith("Please stay in front of the camera")


# Attempts -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failed_attempt(observer):
    return assess_sequence(observer.sequence([("front", 45)]), Challenge.BLINK)


@pytest.fixture(scope="module")
def passed_attempt(observer):
    return assess_sequence(observer.sequence(BLINKING), Challenge.BLINK)


def test_fifth_failure_hands_over_to_clerk(failed_attempt):
    attempts = LivenessAttempts()
    checks = [attempts.record(failed_attempt) for _ in range(MAX_ATTEMPTS)]

    assert [check.outcome for check in checks[:-1]] == [Outcome.RETRY] * (MAX_ATTEMPTS - 1)
    assert checks[-1].outcome is Outcome.REVIEW
    assert checks[-1].reason.zh == "活体检测多次未通过，请到柜台由工作人员为您办理。"
    assert checks[-1].details["failures"] == MAX_ATTEMPTS
    assert checks[-1].details["attempt_outcomes"] == ["retry"] * MAX_ATTEMPTS


def test_retry_reason_is_the_attempts_reason(failed_attempt):
    check = LivenessAttempts().record(failed_attempt)
    assert check.outcome is Outcome.RETRY
    assert check.reason == failed_attempt.reason
    assert check.details["attempt"] == 1


def test_pass_after_failures(failed_attempt, passed_attempt):
    attempts = LivenessAttempts()
    for _ in range(MAX_ATTEMPTS - 1):
        attempts.record(failed_attempt)
    check = attempts.record(passed_attempt)

    assert passed_attempt.outcome is Outcome.PASS
    assert check.outcome is Outcome.PASS
    assert check.details["attempt"] == MAX_ATTEMPTS
