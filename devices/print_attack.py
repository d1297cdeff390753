"""Simulated print attack: the frames a camera takes of a printed photo that a hand holds up and moves.

The sheet is one plane. The hand slides it, brings it nearer and takes it back, turns it
in its own plane and tilts it in depth, each motion a slow sine at its own rate. Every
frame is an exact perspective view of that plane in front of a plain wall, which is what
the liveness planar-motion cue must reject. The frames depend only on the arguments and
the seed.
"""

import math
from dataclasses import dataclass, fields, replace

import cv2
import numpy as np

from devices.camera import FRAME_SIZE

# Camera focal length in pixels for a 640x480 frame with a horizontal field of view of
# about 56 degrees, a common webcam. At this distance one sheet pixel covers one frame pixel.
FOCAL_LENGTH = 600.0

WALL_GREY = 118

# Tones of a photo printed on office paper, chosen by eye (an estimate, not measured):
# the paper has white margins, and the ink reaches neither the paper's white nor full black.
PAPER_WHITE = (236, 240, 242)  # BGR
INK_CONTRAST = 0.82
INK_FLOOR = 22.0


@dataclass(frozen=True)
class HandMotion:
    """The motion of a hand lifting a sheet to the camera: each motion's amplitude and its rate in hertz.

    The sheet turns by ``yaw_degrees`` about its vertical axis, ``pitch_degrees`` about
    its horizontal axis and ``roll_degrees`` in its own plane. It slides by
    ``shift_x_px`` and ``shift_y_px`` (frame pixels at the nominal distance) and moves
    nearer and farther by ``distance_share`` of that distance.
    """

    yaw_degrees: float = 25.0
    yaw_hz: float = 0.4
    pitch_degrees: float = 12.0
    pitch_hz: float = 0.3
    roll_degrees: float = 8.0
    roll_hz: float = 0.25
    shift_x_px: float = 30.0
    shift_x_hz: float = 0.2
    shift_y_px: float = 20.0
    shift_y_hz: float = 0.35
    distance_share: float = 0.1
    distance_hz: float = 0.3

    def looped(self, seconds: float) -> "HandMotion":
        """Return this motion with each rate rounded to a whole number of cycles (at least one) in ``seconds``.

        Frames of the looped motion over ``seconds`` play again from the first without a
        jump, as a recorded camera replays its folder.
        """
        if not seconds > 0:
            raise ValueError(f"loop length must be positive, not {seconds} s")
        rates = {}
        for field in fields(self):
            if field.name.endswith("_hz"):
                cycles = max(1, round(getattr(self, field.name) * seconds))
                rates[field.name] = cycles / seconds
        return replace(self, **rates)


def held_sheet_homography(
    t: float,
    phases: np.ndarray,
    motion: HandMotion = HandMotion(),
    sheet_size: tuple[int, int] = FRAME_SIZE,
    frame_size: tuple[int, int] = FRAME_SIZE,
) -> np.ndarray:
    """Return the 3x3 homography from the sheet's pixels to the camera frame's at ``t`` seconds.

    ``phases`` contains six phases in radians, one for each motion in the order yaw, pitch,
    roll, horizontal shift, vertical shift, distance. Sizes are (width, height) in pixels.
    """
    def wave(amplitude: float, hz: float, phase: float) -> float:
        return amplitude * math.sin(2 * math.pi * hz * t + phase)

    yaw = math.radians(wave(motion.yaw_degrees, motion.yaw_hz, phases[0]))
    pitch = math.radians(wave(motion.pitch_degrees, motion.pitch_hz, phases[1]))
    roll = math.radians(wave(motion.roll_degrees, motion.roll_hz, phases[2]))
    shift_x = wave(motion.shift_x_px, motion.shift_x_hz, phases[3])
    shift_y = wave(motion.shift_y_px, motion.shift_y_hz, phases[4])
    distance = FOCAL_LENGTH * (1 + wave(motion.distance_share, motion.distance_hz, phases[5]))

    turn = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]])
    tilt = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]])
    spin = np.array([[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]])
    rotation = spin @ tilt @ turn

    frame_width, frame_height = frame_size
    camera = np.array([[FOCAL_LENGTH, 0, frame_width / 2], [0, FOCAL_LENGTH, frame_height / 2], [0, 0, 1.0]])
    # Sheet pixels to coordinates on the sheet's plane, centred on the sheet.
    sheet_width, sheet_height = sheet_size
    sheet = np.array([[1.0, 0, -sheet_width / 2], [0, 1.0, -sheet_height / 2], [0, 0, 1.0]])
    homography = camera @ np.column_stack([rotation[:, 0], rotation[:, 1], [shift_x, shift_y, distance]]) @ sheet
    return homography / homography[2, 2]


def held_print_frames(
    printed: np.ndarray,
    seconds: float,
    frames_per_second: float,
    seed: int = 1,
    motion: HandMotion = HandMotion(),
    frame_size: tuple[int, int] = FRAME_SIZE,
) -> list[np.ndarray]:
    """Return the BGR frames of a camera watching the sheet ``printed`` (a BGR image) held up in front of a wall.

    The clip has ``round(seconds * frames_per_second)`` frames, and frame ``i`` shows the sheet
    at ``i / frames_per_second`` seconds. ``seed`` draws the phases of the motions, so two
    seeds give two hands.
    """
    phases = np.random.default_rng(seed).uniform(0, 2 * math.pi, 6)
    sheet_size = (printed.shape[1], printed.shape[0])
    wall = np.full((frame_size[1], frame_size[0], 3), WALL_GREY, dtype=np.uint8)

    frames = []
    for index in range(round(seconds * frames_per_second)):
        homography = held_sheet_homography(index / frames_per_second, phases, motion, sheet_size, frame_size)
        frame = wall.copy()
        cv2.warpPerspective(printed, homography, frame_size, dst=frame, borderMode=cv2.BORDER_TRANSPARENT)
        frames.append(frame)
    return frames


def print_on_paper(photo: np.ndarray, margin_share: float = 0.06) -> np.ndarray:
    """Return ``photo`` (BGR) as printed on a sheet of paper of the same size, with white margins.

    The photo shrinks so that ``margin_share`` of the sheet's width is left white on
    each side, and its tones are compressed to the range that ink on paper reproduces.
    """
    height, width = photo.shape[:2]
    margin = round(margin_share * width)
    scale = (width - 2 * margin) / width
    inner_width, inner_height = round(width * scale), round(height * scale)
    inked = cv2.resize(photo, (inner_width, inner_height), interpolation=cv2.INTER_AREA).astype(np.float32)
    inked = inked * INK_CONTRAST + INK_FLOOR

    sheet = np.empty_like(photo)
    sheet[:] = PAPER_WHITE
    top, left = (height - inner_height) // 2, (width - inner_width) // 2
    sheet[top : top + inner_height, left : left + inner_width] = np.clip(inked, 0, 255).astype(np.uint8)
    return sheet
