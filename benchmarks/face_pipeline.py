"""Compare CounterSign's face pipeline with the face_recognition package on the same frames.

Usage: python benchmarks/face_pipeline.py --faces DIR [--frames N] [--bench-venv DIR]

DIR is a folder of test faces with an LFW subset (``lfw/<Name>/<Name>_NNNN.jpg`` and
``lfw/pairs.txt`` in LFW's View 2 format) and video clips in ``videos/``. The script
decodes the first N frames of each clip, letterboxed into 640x480 as the camera driver
does, and the LFW images, into ``build/bench/``. Then it runs two workers, each in its
own process so that its memory is its own: this project's pipeline from ``.venv``, and
face_recognition 1.3.0's ``face_locations`` plus ``face_encodings`` from a separate
virtual environment (``--bench-venv``, default ``build/bench-venv``). Missing, that
environment is created with dlib-bin and face-recognition-models from PyPI and
face_recognition installed with ``--no-deps``, so dlib is not built from source and the
package never enters the project's own environment.

Prints a Markdown table: time per frame, accuracy on the LFW pairs at the match
threshold, and resident memory with the models loaded.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
WORK = REPOSITORY / "build" / "bench"
VIDEOS = ("alexandria_ocasio_cortez_1.mp4", "unknown_liveportrait_s32_1.mp4", "unknown_liveportrait_d18_1.mp4", "unknown_liveportrait_d19_1.mp4")
THRESHOLD = 0.6
BENCH_PACKAGES = ("dlib-bin==20.0.1.post1", "face-recognition-models==0.3.0", "numpy", "pillow")


def rss_mb() -> tuple[float, float]:
    """Return (current, peak) resident memory of this process in MB, from /proc/self/status."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def read_pairs(lfw: Path) -> list[tuple[str, str, bool]]:
    """Return (image, image, same person) for every pair of LFW's ``pairs.txt``, paths relative to ``lfw``."""
    lines = (lfw / "pairs.txt").read_text().splitlines()[1:]
    pairs = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) == 3:
            name, first, second = fields
            pairs.append((f"{name}/{name}_{int(first):04d}.jpg", f"{name}/{name}_{int(second):04d}.jpg", True))
        elif len(fields) == 4:
            name_a, first, name_b, second = fields
            pairs.append((f"{name_a}/{name_a}_{int(first):04d}.jpg", f"{name_b}/{name_b}_{int(second):04d}.jpg", False))
    return pairs


# Preparation, in the project's environment --------------------------------------------


def prepare(faces: Path, frames_per_clip: int) -> dict:
    """Decode the clips and LFW images once into .npy files that both workers read."""
    sys.path.insert(0, str(REPOSITORY))
    import cv2
    import numpy as np

    from devices.camera import letterbox
    from kiosk.identity.images import decode_image

    WORK.mkdir(parents=True, exist_ok=True)
    clips = []
    for name in VIDEOS:
        capture = cv2.VideoCapture(str(faces / "videos" / name))
        frames = []
        while len(frames) < frames_per_clip:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(np.ascontiguousarray(letterbox(frame)[:, :, ::-1]))
        capture.release()
        path = WORK / f"clip-{Path(name).stem}.npy"
        np.save(path, np.stack(frames))
        clips.append(str(path))

    pairs = read_pairs(faces / "lfw")
    names = sorted({name for first, second, _ in pairs for name in (first, second)})
    images = np.stack([decode_image((faces / "lfw" / name).read_bytes()) for name in names])
    np.save(WORK / "lfw.npy", images)
    (WORK / "lfw.json").write_text(json.dumps({"names": names, "pairs": pairs}))
    return {"clips": clips, "lfw_images": len(names), "lfw_pairs": len(pairs)}


# Workers -----------------------------------------------------------------------------


def nearest_centre(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> int:
    """Return the index of the (left, top, right, bottom) box whose centre is nearest the image centre."""
    distances = [((l + r) / 2 - width / 2) ** 2 + ((t + b) / 2 - height / 2) ** 2 for l, t, r, b in boxes]
    return distances.index(min(distances))


def worker_countersign() -> dict:
    """Run this project's pipeline: tracked live frames, then LFW stills."""
    sys.path.insert(0, str(REPOSITORY))
    import numpy as np

    from kiosk.identity.face import FaceModel
    from kiosk.identity.face.measures import measure_face
    from kiosk.identity.face.pipeline import FacePipeline, FaceStatus, LiveCapture
    from kiosk.identity.face.quality import FaceSource, assess_quality
    from kiosk.identity.face.tracking import detect_live

    start = time.perf_counter()
    model = FaceModel()
    load_seconds = time.perf_counter() - start
    pipeline = FacePipeline(model)

    clips = sorted(WORK.glob("clip-*.npy"))
    warm = np.load(clips[0])[0]
    pipeline.describe(warm, pipeline.examine_still(warm))
    rss_models, _ = rss_mb()

    examine_times, describe_times, still_times, confidences = [], [], [], []
    sources = {"detected": 0, "tracked": 0}
    statuses: dict[str, int] = {}
    for path in clips:
        frames = np.load(path)
        capture = LiveCapture(model)
        for frame in frames:
            began = time.perf_counter()
            observation = capture.tracker.observe(frame)
            examination = capture.pipeline.examine_observation(frame, observation, FaceSource.LIVE)
            examined = time.perf_counter()
            if examination.box is not None:
                model.describe(frame, examination.box)
            described = time.perf_counter()
            examine_times.append(examined - began)
            describe_times.append(described - examined)
            sources[observation.source] += 1
            statuses[examination.status.value] = statuses.get(examination.status.value, 0) + 1
            if observation.confidence is not None:
                confidences.append(observation.confidence)
        for frame in frames[:: max(1, len(frames) // 10)]:
            began = time.perf_counter()
            pipeline.examine_still(frame)
            still_times.append(time.perf_counter() - began)
        del frames

    data = json.loads((WORK / "lfw.json").read_text())
    images = np.load(WORK / "lfw.npy", mmap_mode="r")
    vectors, gate = {}, {}
    for index, name in enumerate(data["names"]):
        rgb = np.ascontiguousarray(images[index])
        detections = detect_live(model, rgb)
        if not detections:
            vectors[name] = None
            gate[name] = "no_face"
            continue
        chosen = detections[nearest_centre([(d.box.left, d.box.top, d.box.right, d.box.bottom) for d in detections], rgb.shape[1], rgb.shape[0])]
        vectors[name] = model.describe(rgb, chosen.box).tolist()
        if len(detections) > 1:
            gate[name] = "multiple_faces"
        else:
            report = assess_quality(measure_face(rgb, chosen.box, model.landmarks(rgb, chosen.box)), FaceSource.LIVE)
            gate[name] = ",".join(issue.problem.value for issue in report.issues) or FaceStatus.OK.value

    _, rss_peak = rss_mb()
    return {
        "load_seconds": load_seconds,
        "examine": examine_times,
        "describe": describe_times,
        "still": still_times,
        "sources": sources,
        "statuses": statuses,
        "confidences": confidences,
        "vectors": vectors,
        "gate": gate,
        "rss_models_mb": rss_models,
        "rss_peak_mb": rss_peak,
    }


def worker_face_recognition() -> dict:
    """Run face_recognition 1.3.0: face_locations (HOG, upsampled once) then face_encodings."""
    import face_recognition
    import numpy as np

    clips = sorted(WORK.glob("clip-*.npy"))
    warm = np.load(clips[0])[0]
    face_recognition.face_encodings(warm, face_recognition.face_locations(warm))
    rss_models, _ = rss_mb()

    frame_times = []
    for path in clips:
        frames = np.load(path)
        for frame in frames:
            began = time.perf_counter()
            locations = face_recognition.face_locations(frame)
            face_recognition.face_encodings(frame, locations)
            frame_times.append(time.perf_counter() - began)
        del frames

    data = json.loads((WORK / "lfw.json").read_text())
    images = np.load(WORK / "lfw.npy", mmap_mode="r")
    vectors = {}
    for index, name in enumerate(data["names"]):
        rgb = np.ascontiguousarray(images[index])
        locations = face_recognition.face_locations(rgb)
        if not locations:
            vectors[name] = None
            continue
        chosen = locations[nearest_centre([(l, t, r, b) for t, r, b, l in locations], rgb.shape[1], rgb.shape[0])]
        vectors[name] = face_recognition.face_encodings(rgb, [chosen])[0].tolist()

    _, rss_peak = rss_mb()
    return {"frame": frame_times, "vectors": vectors, "rss_models_mb": rss_models, "rss_peak_mb": rss_peak}


# Orchestration -----------------------------------------------------------------------


def ensure_bench_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if python.exists():
        return python
    print(f"Creating {venv} with face_recognition 1.3.0 (no dependencies, dlib from dlib-bin)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *BENCH_PACKAGES], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "face_recognition==1.3.0"], check=True)
    return python


def run_worker(python: Path, name: str) -> dict:
    output = WORK / f"result-{name}.json"
    subprocess.run([str(python), __file__, "--worker", name, "--output", str(output)], check=True)
    return json.loads(output.read_text())


def accuracy(vectors: dict, pairs: list) -> dict:
    """Return correct decisions, false matches, false non-matches and pairs with a face missing, at THRESHOLD."""
    import numpy as np

    correct = false_match = false_non_match = missing = 0
    for first, second, same in pairs:
        if vectors[first] is None or vectors[second] is None:
            missing += 1
            continue
        match = float(np.linalg.norm(np.array(vectors[first]) - np.array(vectors[second]))) < THRESHOLD
        if match == same:
            correct += 1
        elif match:
            false_match += 1
        else:
            false_non_match += 1
    return {"correct": correct, "false_match": false_match, "false_non_match": false_non_match, "missing": missing, "pairs": len(pairs)}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def mean_ms(samples: list[float]) -> float:
    return statistics.fmean(samples) * 1000


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{cpu}, {os.cpu_count()} vCPUs, {memory_kb / 1024**2:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def report(prepared: dict, ours: dict, theirs: dict) -> str:
    pairs = [tuple(pair) for pair in json.loads((WORK / "lfw.json").read_text())["pairs"]]
    our_accuracy = accuracy(ours["vectors"], pairs)
    their_accuracy = accuracy(theirs["vectors"], pairs)
    frames = len(theirs["frame"])
    their_frame = mean_ms(theirs["frame"])
    examine = mean_ms(ours["examine"])
    every_frame = mean_ms([a + b for a, b in zip(ours["examine"], ours["describe"])])
    described = [value for value in ours["describe"] if value > 0]
    one_descriptor = median_ms(described) if described else 0.0
    gate_counts: dict[str, int] = {}
    for verdict in ours["gate"].values():
        for code in verdict.split(","):
            gate_counts[code] = gate_counts.get(code, 0) + 1
    confidences = sorted(ours["confidences"])

    def percent(result: dict) -> str:
        return f"{100 * result['correct'] / result['pairs']:.2f} % ({result['correct']}/{result['pairs']})"

    lines = [
        f"Machine: {machine()}.",
        f"Frames: {frames} (first {frames // len(prepared['clips'])} of each of {len(prepared['clips'])} clips, letterboxed to 640x480).",
        f"LFW: {prepared['lfw_pairs']} pairs over {prepared['lfw_images']} images (250x250), threshold {THRESHOLD}.",
        "",
        "| measure | CounterSign | face_recognition 1.3.0 | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| per frame: find the face, landmarks, quality gate (mean ms) | {examine:.1f} | {their_frame:.1f} | {examine / their_frame:.2f} |",
        f"| per frame, with a descriptor on every frame (mean ms) | {every_frame:.1f} | {their_frame:.1f} | {every_frame / their_frame:.2f} |",
        f"| per frame, full detection on every frame, no tracking (mean ms, every 10th frame) | {mean_ms(ours['still']):.1f} | - | - |",
        f"| one descriptor (median ms) | {one_descriptor:.1f} | - | - |",
        f"| frames detected / tracked | {ours['sources']['detected']} / {ours['sources']['tracked']} | {frames} / 0 | - |",
        f"| LFW pairs decided right at {THRESHOLD} | {percent(our_accuracy)} | {percent(their_accuracy)} | - |",
        f"| false matches / false non-matches / pairs without a face | {our_accuracy['false_match']} / {our_accuracy['false_non_match']} / {our_accuracy['missing']} | {their_accuracy['false_match']} / {their_accuracy['false_non_match']} / {their_accuracy['missing']} | - |",
        f"| RSS with models loaded, after one frame (MB) | {ours['rss_models_mb']:.0f} | {theirs['rss_models_mb']:.0f} | - |",
        f"| peak RSS of the whole run (MB) | {ours['rss_peak_mb']:.0f} | {theirs['rss_peak_mb']:.0f} | - |",
        "",
        f"Model load: {ours['load_seconds'] * 1000:.0f} ms. Live frames by gate status: {json.dumps(ours['statuses'], sort_keys=True)}.",
        f"Tracker confidence (peak-to-side-lobe ratio) on tracked frames: min {confidences[0]:.1f}, 5th percentile {confidences[len(confidences) // 20]:.1f}, median {statistics.median(confidences):.1f}." if confidences else "No frame was tracked.",
        f"Quality gate on the {prepared['lfw_images']} LFW images as live stills: {json.dumps(dict(sorted(gate_counts.items())))}.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=os.environ.get("COUNTERSIGN_BENCH_FACES"), help="folder with lfw/ and videos/ (default: $COUNTERSIGN_BENCH_FACES)")
    parser.add_argument("--frames", type=int, default=60, help="frames taken from the start of each clip (default: %(default)s)")
    parser.add_argument("--bench-venv", type=Path, default=REPOSITORY / "build" / "bench-venv", help="virtual environment holding face_recognition (default: %(default)s)")
    parser.add_argument("--worker", choices=("countersign", "face_recognition"), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = worker_countersign() if args.worker == "countersign" else worker_face_recognition()
        args.output.write_text(json.dumps(result))
        return 0

    if args.faces is None or not (args.faces / "lfw" / "pairs.txt").is_file():
        parser.error("--faces DIR must name a folder with lfw/pairs.txt and videos/")
    prepared = prepare(args.faces, args.frames)
    their_python = ensure_bench_venv(args.bench_venv)
    ours = run_worker(Path(sys.executable), "countersign")
    theirs = run_worker(their_python, "face_recognition")
    print(report(prepared, ours, theirs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
