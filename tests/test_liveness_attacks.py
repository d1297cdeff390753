"""Presentation attacks simulated from real photographs: a printed photo held to the camera, a photo on a screen.

The printed photo is a kiosk view of a test photograph on a sheet of paper, which a hand
moves, scales, turns in its plane and tilts in depth in front of a 640x480 camera
(:mod:`devices.print_attack`, which training mode replays too). The
screen shows the photograph through a grid of red, green and blue sub-pixels that the
camera samples again. Every cue runs on real detections of these frames.
"""

import cv2
import numpy as np
import pytest

from devices.print_attack import HandMotion, held_print_frames, held_sheet_homography
from kiosk.checks import Outcome
from kiosk.identity.liveness import Challenge, LiveFrame, assess_sequence, observe_frames
from kiosk.identity.liveness.blink import check_blinks
from kiosk.identity.liveness.planar import PLANAR_MAX_RATIO, check_planar_motion
from kiosk.identity.liveness.texture import MOIRE_THRESHOLD, check_texture
from tests.test_liveness import FPS, FRAME_HEIGHT, FRAME_WIDTH, clip, kiosk_view, with_noise
from tests.test_liveness import photos  # noqa: F401 (fixtures are found by name)


def held_print(printed: np.ndarray, seconds: float = 4.0, seed: int = 1) -> list[LiveFrame]:
    """Return the frames, with sensor noise, of a camera watching the sheet ``printed`` held up in front of a plain wall."""
    frames = held_print_frames(printed, seconds, FPS, seed)
    return [LiveFrame(with_noise(frame, index), 50.0 + index / FPS) for index, frame in enumerate(frames)]


def on_screen(shown: np.ndarray, camera_pixels_per_screen_pixel: float = 1.3, angle: float = 3.0) -> np.ndarray:
    """Return the camera frame of a screen showing ``shown`` (a 640x480 BGR image).

    Each screen pixel is drawn as three vertical stripes (red, green, blue) with a dark
    gap, four cells wide and high. One screen pixel covers
    ``camera_pixels_per_screen_pixel`` camera pixels, and the screen is turned by
    ``angle`` degrees.
    """
    cells = 4
    screen_size = (round(FRAME_WIDTH / camera_pixels_per_screen_pixel), round(FRAME_HEIGHT / camera_pixels_per_screen_pixel))
    screen = cv2.resize(shown, screen_size, interpolation=cv2.INTER_AREA).astype(np.float32)
    lit = np.repeat(np.repeat(screen, cells, axis=0), cells, axis=1)

    mask = np.zeros((cells, cells, 3), dtype=np.float32)
    for stripe, channel in enumerate((2, 1, 0)):  # BGR order: red stripe first
        mask[: cells - 1, stripe, channel] = 1.0
    lit *= np.tile(mask, (screen_size[1], screen_size[0], 1))

    # The camera's optics and sensor average over its pixel, then sample.
    scale = FRAME_WIDTH / lit.shape[1]
    blurred = cv2.GaussianBlur(lit, (0, 0), 0.5 / scale)
    centre = (lit.shape[1] / 2, lit.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, scale)
    matrix[:, 2] += np.array([FRAME_WIDTH / 2, FRAME_HEIGHT / 2]) - np.array(centre)
    seen = cv2.warpAffine(blurred, matrix, (FRAME_WIDTH, FRAME_HEIGHT), flags=cv2.INTER_LINEAR)
    # Auto exposure brings the picture back to the brightness of the original.
    seen *= shown.mean() / max(float(seen.mean()), 1e-6)
    return np.clip(seen, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def print_sequences(face_model, photos):
    """Observed frames of two printed photographs held up and moved for four seconds."""
    return {name: observe_frames(face_model, held_print(kiosk_view(photos[name], face_width=150), seed=index)) for index, name in enumerate(["obama", "obama2"])}


@pytest.mark.parametrize("name", ["obama", "obama2"])
def test_held_print_moves_as_plane(print_sequences, name):
    sequence = print_sequences[name]
    check = check_planar_motion(sequence.observations)

    assert sequence.face_fraction > 0.8
    assert check.outcome is Outcome.FAIL, check.details
    assert check.details["pairs"] >= 3
    assert check.details["parallax_ratio"] < PLANAR_MAX_RATIO
    assert check.reason.en == "The face moved like a flat picture."


@pytest.mark.parametrize("name", ["obama", "obama2"])
def test_held_print_tilt_changes_yaw(print_sequences, name):
    # Tilting the sheet changes yaw_ratio as much as a real turn would, which is why a
    # head turn alone is not proof and the planar-motion cue is needed.
    yaws = [observation.yaw for observation in print_sequences[name].observations]
    assert max(yaws) - min(yaws) > 0.2


@pytest.mark.parametrize("name", ["obama", "obama2"])
def test_held_print_never_blinks(print_sequences, name):
    sequence = print_sequences[name]
    check = check_blinks(sequence.observations, sequence.duration)
    assert check.outcome is Outcome.RETRY
    assert check.details["blinks"] == []


@pytest.mark.parametrize("challenge", list(Challenge))
def test_held_print_attempt_fails(print_sequences, challenge):
    result = assess_sequence(print_sequences["obama"], challenge)
    cues = {check.name: check.outcome for check in result.checks}

    assert result.outcome is Outcome.FAIL
    assert cues["liveness_planar_motion"] is Outcome.FAIL
    assert result.reason.en.startswith("The liveness check did not pass")


def test_still_print_is_not_called_planar(face_model, photos):
    # Without a turn there is no parallax to measure, so the cue must not guess.
    sequence = observe_frames(face_model, clip([(kiosk_view(photos["obama"]), 30)]))
    assert check_planar_motion(sequence.observations).outcome is Outcome.RETRY


def test_looped_hand_motion_repeats():
    # A recorded camera replays its folder from the first frame after the last, so a
    # looped motion must come back to where it started.
    phases = np.random.default_rng(3).uniform(0, 2 * np.pi, 6)
    motion = HandMotion()
    looped = motion.looped(4.0)

    assert np.allclose(held_sheet_homography(4.0, phases, looped), held_sheet_homography(0.0, phases, looped))
    assert not np.allclose(held_sheet_homography(4.0, phases, motion), held_sheet_homography(0.0, phases, motion))
    assert looped.yaw_hz == 0.5
    assert looped.shift_x_hz == 0.25
    with pytest.raises(ValueError):
        motion.looped(0.0)


@pytest.mark.parametrize("name", ["obama", "obama2", "obama3"])
def test_screen_shows_moire(face_model, photos, name):
    shown = kiosk_view(photos[name], face_width=170)
    screen = observe_frames(face_model, clip([(on_screen(shown), 5)]))
    direct = observe_frames(face_model, clip([(shown, 5)]))

    screen_check = check_texture(screen.observations)
    direct_check = check_texture(direct.observations)
    assert screen_check.outcome is Outcome.FAIL, screen_check.details
    assert screen_check.details["moire_score"] >= MOIRE_THRESHOLD
    assert direct_check.outcome is Outcome.PASS, direct_check.details


def test_screen_attempt_fails(face_model, photos):
    shown = kiosk_view(photos["obama"], face_width=170)
    sequence = observe_frames(face_model, clip([(on_screen(shown), 30)]))
    result = assess_sequence(sequence, Challenge.BLINK)

    assert result.outcome is Outcome.FAIL
    assert {check.name: check.outcome for check in result.checks}["liveness_texture"] is Outcome.FAIL
