"""The texture cue: moiré from a screen's pixel grid, and the high-frequency share of the face.

A face shown on a screen is sampled twice, by the screen's pixel grid and by the camera's,
and the beat between the two grids (moiré) puts sharp, isolated peaks into the spectrum
of the face region. Skin, hair and eyes give a smooth spectrum. The moiré score is the
largest ratio, over rings of spatial frequency, between the strongest frequency in a ring
and the ring's median.

The share of energy at high frequencies is reported too, because printed photos lose
fine detail, but it does not decide. In the benchmark a real talking-head clip measured
less (0.003) than the printed-photo sample (0.037), because video compression and focus
blur remove the same detail.
"""

import logging
from collections.abc import Sequence

import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.liveness.observation import FaceObservation
from kiosk.messages import Message

log = logging.getLogger(__name__)

# Frequencies are in cycles per pixel (0.5 is the Nyquist limit). Below 0.15 the face's
# own shapes (eyes, mouth, hairline) dominate; moiré from a pixel grid seen at kiosk
# distance falls above.
_RING_START = 0.15
_RING_STOP = 0.5
_RING_WIDTH = 0.025
_HIGH_FREQUENCY_START = 0.25

# Real faces measured 12 to 36 (test photographs, the benchmark clips, the bona fide
# sample). Photographs seen on a simulated RGB pixel grid measured 1,100 to 300,000 when
# one screen pixel spanned 1.3 camera pixels or more, but 15 to 33 at 1.1: a screen finer
# than the camera is not caught. 150 sits between, nearer the real faces.
# NOTE: JPEG and MPEG compress in 8x8 blocks, which also puts peaks at multiples of
# 1/8 cycle per pixel. A camera that streams heavily compressed MJPEG may raise real
# faces' scores, so the threshold must be checked on the kiosk's own camera.
MOIRE_THRESHOLD = 150.0

# The central part of the face box is analysed, and at least this many pixels wide;
# smaller faces are not judged.
_FACE_FRACTION = 0.8
_MIN_SIDE = 48
_FRAMES_ANALYSED = 5


def face_spectrum_scores(grey: np.ndarray) -> tuple[float, float]:
    """Return the moiré score and the high-frequency energy share of a square grey face region."""
    region = grey.astype(np.float64)
    region = region - region.mean()
    side = region.shape[0]
    window = np.outer(np.hanning(side), np.hanning(side))
    power = np.abs(np.fft.fftshift(np.fft.fft2(region * window))) ** 2

    frequencies = np.fft.fftshift(np.fft.fftfreq(side))
    radius = np.hypot(*np.meshgrid(frequencies, frequencies, indexing="ij"))
    alternating = power[radius > 0.02].sum()
    high_share = float(power[(radius >= _HIGH_FREQUENCY_START) & (radius <= _RING_STOP)].sum() / max(alternating, 1e-12))

    score = 0.0
    for start in np.arange(_RING_START, _RING_STOP, _RING_WIDTH):
        ring = power[(radius >= start) & (radius < start + _RING_WIDTH)]
        if ring.size:
            score = max(score, float(ring.max() / max(np.median(ring), 1e-12)))
    return score, high_share


def _face_region(observation: FaceObservation) -> np.ndarray | None:
    box = observation.box
    left, top = observation.crop.origin
    side = int(_FACE_FRACTION * min(box.width, box.height))
    if side < _MIN_SIDE:
        return None
    centre_x = (box.left + box.right) // 2 - left
    centre_y = (box.top + box.bottom) // 2 - top
    x0, y0 = centre_x - side // 2, centre_y - side // 2
    grey = observation.crop.grey
    if x0 < 0 or y0 < 0 or x0 + side > grey.shape[1] or y0 + side > grey.shape[0]:
        return None
    return grey[y0 : y0 + side, x0 : x0 + side]


def check_texture(observations: Sequence[FaceObservation]) -> Check:
    """Return the texture cue "liveness_texture" from up to five frames spread over the attempt.

    FAIL when the median moiré score reaches MOIRE_THRESHOLD, PASS below it, RETRY when no
    frame showed the face large enough and whole (at least 48 px of face inside the frame).
    """
    picks = np.linspace(0, len(observations) - 1, min(_FRAMES_ANALYSED, len(observations))).round().astype(int) if observations else []
    scores = []
    shares = []
    for index in picks:
        region = _face_region(observations[int(index)])
        if region is None:
            continue
        score, share = face_spectrum_scores(region)
        scores.append(score)
        shares.append(share)
    if not scores:
        return Check("liveness_texture", Outcome.RETRY, _NOT_JUDGED, {"frames": 0})

    moire = float(np.median(scores))
    details = {
        "frames": len(scores),
        "moire_score": round(moire, 1),
        "moire_threshold": MOIRE_THRESHOLD,
        "high_frequency_share": round(float(np.median(shares)), 4),
    }
    if moire >= MOIRE_THRESHOLD:
        log.info("liveness: moire score %.0f over %d frames", moire, len(scores))
        return Check("liveness_texture", Outcome.FAIL, _SCREEN, details)
    return Check("liveness_texture", Outcome.PASS, _NATURAL, details)


_NOT_JUDGED = Message("人脸太小或不完整，无法判断纹理。", "The face was too small or cut off to judge its texture.")
_SCREEN = Message("人脸图像带有屏幕像素纹理。", "The face image shows a screen's pixel pattern.")
_NATURAL = Message("人脸纹理正常。", "The face texture looks natural.")
