"""Run the liveness cues on recorded clips and presentation-attack samples, and time the duplicate-face search.

Usage: python benchmarks/liveness_eval.py [--faces DIR] [--part liveness|search|lfw|all]

``--faces`` is a folder laid out like the shared face test set: ``videos/*.mp4`` and
``presentation_attacks/*.jpg`` (read with EXIF orientation applied), and ``lfw/`` with
``pairs.txt`` for the ``lfw`` part. Prints Markdown tables:

- per clip: frames, faces found, blinks with their times, the yaw range, the
  planar-motion cue, the texture cue, the time per frame, and how often each challenge
  would pass if its prompt had appeared at any half second of the clip (a four-second
  window from there);
- per still sample: the texture cue and what a still sequence of it gets;
- the duplicate-face search over 100,000 random float32 templates: time and memory;
- with ``lfw``: how many LFW impostor pairs fall within each search threshold, which
  is the false alerts per search to expect, per stored template.

Five clips and two stills are not a liveness evaluation: ISO/IEC 30107-3 sets out how to
test presentation attack detection, over many people and many attack instruments.
"""

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

import cv2  # noqa: E402
import dlib  # noqa: E402
import numpy as np  # noqa: E402

from devices.camera import letterbox  # noqa: E402
from kiosk.checks import Outcome  # noqa: E402
from kiosk.identity.face import FaceModel  # noqa: E402
from kiosk.identity.face_search import find_duplicates  # noqa: E402
from kiosk.identity.images import decode_image  # noqa: E402
from kiosk.identity.liveness import Challenge, FrameObserver, LiveFrame, ObservedSequence, assess_sequence  # noqa: E402
from kiosk.identity.liveness.blink import find_blinks  # noqa: E402
from kiosk.identity.liveness.geometry import yaw_degrees  # noqa: E402
from kiosk.identity.liveness.planar import check_planar_motion  # noqa: E402
from kiosk.identity.liveness.texture import check_texture  # noqa: E402

CAPTURE_SECONDS = 4.0
WINDOW_STEP_SECONDS = 0.5
SEARCH_TEMPLATES = 100_000
SEARCH_THRESHOLDS = (0.6, 0.55, 0.5, 0.45, 0.4)


def read_clip(path: Path) -> list[LiveFrame]:
    """Return every frame of a video, letterboxed to 640x480 as the kiosk camera delivers them."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise SystemExit(f"cannot open {path}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(LiveFrame(letterbox(frame), len(frames) / fps))
    capture.release()
    return frames


def window(observed: ObservedSequence, frames: list[LiveFrame], start: float) -> ObservedSequence:
    """Return the part of ``observed`` from ``start`` for CAPTURE_SECONDS, as one attempt would see it."""
    end = start + CAPTURE_SECONDS
    observations = tuple(observation for observation in observed.observations if start <= observation.timestamp < end)
    frame_count = sum(1 for frame in frames if start <= frame.timestamp < end)
    return ObservedSequence(observations, frame_count, 0, frame_count - len(observations), 0, 0, CAPTURE_SECONDS - frames[1].timestamp)


def evaluate_clip(model: FaceModel, path: Path) -> dict:
    frames = read_clip(path)
    observer = FrameObserver(model)
    started = time.perf_counter()
    for frame in frames:
        observer.observe(frame)
    per_frame_ms = (time.perf_counter() - started) / len(frames) * 1000
    observed = observer.sequence()
    observations = observed.observations

    blinks = find_blinks(observations)
    yaws = [observation.yaw for observation in observations]
    planar = check_planar_motion(observations)
    texture = check_texture(observations)

    passes = {challenge: 0 for challenge in Challenge}
    attack_alarms = 0
    starts = np.arange(0.0, max(observed.duration - CAPTURE_SECONDS, 0.0) + 1e-9, WINDOW_STEP_SECONDS)
    for start in starts:
        attempt = window(observed, frames, float(start))
        for challenge in Challenge:
            outcome = assess_sequence(attempt, challenge).outcome
            if outcome is Outcome.PASS:
                passes[challenge] += 1
            if outcome is Outcome.FAIL and challenge is Challenge.BLINK:
                attack_alarms += 1
    return {
        "clip": path.name,
        "frames": len(frames),
        "faces": len(observations),
        "several": observed.several_faces,
        "blinks": ", ".join(f"{blink.first_closed:.2f} s ({blink.shortest_closed * 1000:.0f}–{blink.longest_closed * 1000:.0f} ms)" for blink in blinks.blinks) or "none",
        "yaw": f"{min(yaws):+.2f} … {max(yaws):+.2f} ({yaw_degrees(min(yaws)):+.0f}° … {yaw_degrees(max(yaws)):+.0f}°)" if yaws else "—",
        "planar": f"{planar.outcome.value}, ratio {planar.details.get('parallax_ratio', '—')}, residual {planar.details.get('homography_residual', '—')}, {planar.details['pairs']} pairs",
        "texture": f"{texture.outcome.value}, moiré {texture.details.get('moire_score', '—')}, HF {texture.details.get('high_frequency_share', '—')}",
        "ms_per_frame": per_frame_ms,
        "windows": len(starts),
        "passes": passes,
        "attack_alarms": attack_alarms,
    }


def evaluate_still(model: FaceModel, path: Path) -> dict:
    frame = np.ascontiguousarray(letterbox(decode_image(path.read_bytes()))[:, :, ::-1])
    rng = np.random.default_rng(0)
    frames = [
        LiveFrame(np.clip(frame.astype(np.int16) + rng.normal(0, 2, frame.shape).round().astype(np.int16), 0, 255).astype(np.uint8), index / 15.0)
        for index in range(60)
    ]
    observer = FrameObserver(model)
    for live in frames:
        observer.observe(live)
    observed = observer.sequence()
    texture = check_texture(observed.observations)
    outcomes = {challenge.value: assess_sequence(observed, challenge).outcome.value for challenge in Challenge}
    first = observed.observations[0] if observed.observations else None
    return {
        "sample": path.name,
        "face": f"{first.box.width} px wide, yaw {first.yaw:+.2f}, eyes {first.eye_openness.both:.2f}" if first else "no face",
        "texture": f"{texture.outcome.value}, moiré {texture.details.get('moire_score', '—')}, HF {texture.details.get('high_frequency_share', '—')}",
        "still": ", ".join(f"{name} {outcome}" for name, outcome in outcomes.items()),
    }


class RandomTemplates:
    """``SEARCH_TEMPLATES`` random float32 templates with the store's ``KnownFaces`` shape."""

    def __init__(self, count: int, rng: np.random.Generator) -> None:
        self.templates = rng.normal(0.0, 0.09, (count, 128)).astype(np.float32)
        self.owner_ids = [f"owner-{index}" for index in range(count)]
        self.masked_numbers = [f"110***********{index % 10000:04d}" for index in range(count)]
        self.recorded_at = ["2026-12-01T10:00:00+08:00"] * count


def time_search(runs: int = 20) -> dict:
    rng = np.random.default_rng(1)
    known = RandomTemplates(SEARCH_TEMPLATES, rng)
    live = rng.normal(0.0, 0.09, 128)
    # Two planted duplicates, so that the search also goes through its reporting path.
    known.templates[123] = live + rng.normal(0, 0.01, 128)
    known.templates[98_765] = live + rng.normal(0, 0.01, 128)

    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        found = find_duplicates(live, known, own_id="owner-0", threshold=0.6)
        durations.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    find_duplicates(live, known, own_id="owner-0", threshold=0.6)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "templates": SEARCH_TEMPLATES,
        "template_mib": known.templates.nbytes / 2**20,
        "median_ms": statistics.median(durations),
        "max_ms": max(durations),
        "peak_extra_mib": peak / 2**20,
        "found": len(found),
    }


def lfw_impostor_rates(model: FaceModel, lfw: Path) -> dict:
    """Describe every LFW image named in pairs.txt and count pairs within each threshold."""
    lines = (lfw / "pairs.txt").read_text().splitlines()[1:]
    pairs = [line.split("\t") for line in lines if line.strip()]
    names = set()
    for fields in pairs:
        if len(fields) == 3:
            names.update({(fields[0], int(fields[1])), (fields[0], int(fields[2]))})
        else:
            names.update({(fields[0], int(fields[1])), (fields[2], int(fields[3]))})

    descriptors = {}
    for person, number in sorted(names):
        path = lfw / person / f"{person}_{number:04d}.jpg"
        rgb = decode_image(path.read_bytes())
        boxes = model.detect(rgb, 1)
        if boxes:
            box = min(boxes, key=lambda found: abs((found.left + found.right) / 2 - rgb.shape[1] / 2))
            descriptors[(person, number)] = model.describe(rgb, box)

    # Every two images of different people are an impostor pair, not only the listed ones.
    keys = sorted(descriptors)
    matrix = np.stack([descriptors[key] for key in keys])
    people = np.array([key[0] for key in keys])
    distances = np.linalg.norm(matrix[:, None, :] - matrix[None, :, :], axis=2)
    upper = np.triu(np.ones_like(distances, dtype=bool), k=1)
    impostor = distances[upper & (people[:, None] != people[None, :])]
    genuine = distances[upper & (people[:, None] == people[None, :])]
    return {
        "images": len(keys),
        "impostor_pairs": impostor.size,
        "genuine_pairs": genuine.size,
        "rates": {threshold: (float((impostor < threshold).mean()), float((genuine >= threshold).mean())) for threshold in SEARCH_THRESHOLDS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=Path("/work/shared/fixtures/faces"), help="folder with videos/, presentation_attacks/ and lfw/")
    parser.add_argument("--part", choices=("liveness", "search", "lfw", "all"), default="all", help="which measurements to run")
    arguments = parser.parse_args()

    print(f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}, Python {platform.python_version()}, dlib {dlib.__version__}, OpenCV {cv2.__version__}, NumPy {np.__version__}")
    model = FaceModel()

    if arguments.part in ("liveness", "all"):
        clips = [evaluate_clip(model, path) for path in sorted((arguments.faces / "videos").glob("*.mp4"))]
        print("\n| clip | frames (faces, several) | blinks at (closed ms) | yaw range | planar motion | texture | ms/frame |")
        print("| --- | --- | --- | --- | --- | --- | ---: |")
        for clip in clips:
            print(
                f"| {clip['clip']} | {clip['frames']} ({clip['faces']}, {clip['several']}) | {clip['blinks']} | {clip['yaw']} | "
                f"{clip['planar']} | {clip['texture']} | {clip['ms_per_frame']:.1f} |"
            )
        print(f"\n| clip | {CAPTURE_SECONDS:.0f}-s windows | blink passes | turn left passes | turn right passes | a random challenge passes | windows judged an attack |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for clip in clips:
            counts = [clip["passes"][challenge] for challenge in Challenge]
            chance = sum(counts) / (3 * clip["windows"]) if clip["windows"] else 0.0
            print(f"| {clip['clip']} | {clip['windows']} | " + " | ".join(str(count) for count in counts) + f" | {chance:.0%} | {clip['attack_alarms']} |")

        stills = [evaluate_still(model, path) for path in sorted((arguments.faces / "presentation_attacks").glob("*.jpg"))]
        print("\n| sample | face | texture | 60 still frames: outcome per challenge |")
        print("| --- | --- | --- | --- |")
        for still in stills:
            print(f"| {still['sample']} | {still['face']} | {still['texture']} | {still['still']} |")

    if arguments.part in ("search", "all"):
        search = time_search()
        print(
            f"\nDuplicate search over {search['templates']:,} float32 templates ({search['template_mib']:.1f} MiB held by the caller): "
            f"median {search['median_ms']:.1f} ms, max {search['max_ms']:.1f} ms of 20 runs; "
            f"peak extra memory {search['peak_extra_mib']:.2f} MiB; {search['found']} planted duplicates found."
        )

    if arguments.part in ("lfw", "all"):
        rates = lfw_impostor_rates(model, arguments.faces / "lfw")
        print(f"\nLFW subset: {rates['images']} images described, {rates['impostor_pairs']:,} impostor and {rates['genuine_pairs']:,} genuine pairs.")
        print("\n| threshold | impostor pairs within (false match rate) | false alerts per search over 100,000 templates | genuine pairs outside (false non-match rate) |")
        print("| ---: | ---: | ---: | ---: |")
        for threshold, (false_match, false_non_match) in rates["rates"].items():
            print(f"| {threshold} | {false_match:.5f} | {false_match * SEARCH_TEMPLATES:,.0f} | {false_non_match:.3f} |")


if __name__ == "__main__":
    main()
