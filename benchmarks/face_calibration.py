"""Choose the face-match threshold from genuine and impostor distances on real photographs.

Usage:
    python benchmarks/face_calibration.py --data DIR [--data DIR ...]
        --report FILE.md --json FILE.json [--cache FILE] [--jobs N]

A data folder is either a face fixture folder with a MANIFEST.tsv (path, identity slug
and notes of every file) or face_recognition 1.3.0's test images, whose people are named
in FACE_RECOGNITION_TEST_IMAGES below. Every distinct image file is described once with
the kiosk's dlib models (HOG detection, 5-point landmarks, ResNet descriptor). The records
are cached keyed by each file's SHA-256, so a rerun only redoes the statistics.

The report gives the genuine and impostor pair counts, and FMR and FNMR against the
threshold with exact (Clopper-Pearson) and identity-bootstrap 95% intervals. It gives the
thresholds that meet the goal of FMR_GOAL at FNMR_GOAL in the sample, and the smallest FMR
the sample can show. It runs the LFW 10-fold protocol when a folder contains lfw/pairs.txt. It repeats the
analysis with one side of every pair replaced by a 102×126 card portrait cut from that
photograph, once lossless and once as a JPEG of at most 1024 bytes, the size of the
chip's WLT photo.
"""

import argparse
import concurrent.futures
import csv
import dataclasses
import functools
import hashlib
import inspect
import io
import json
import logging
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from countersign.demo_branch import CARD_PHOTO_SIZE  # noqa: E402
from kiosk.errors import ImageTooLarge, ImageUnreadable  # noqa: E402
from kiosk.identity.face import FaceModel  # noqa: E402
from kiosk.identity.images import decode_image  # noqa: E402

log = logging.getLogger("face_calibration")

# dlib's python_examples/face_recognition.py: with a distance threshold of 0.6 the model
# "obtains an accuracy of 99.38% on the standard LFW face recognition benchmark". The same
# file gives 99.13% for a descriptor computed without jitter, which is how FaceModel
# computes it, and 99.38% for the mean descriptor of 100 jittered copies.
DLIB_PUBLISHED_THRESHOLD = 0.6
DLIB_LFW_ACCURACY = 0.9938
DLIB_LFW_ACCURACY_WITHOUT_JITTER = 0.9913

REPORTED_THRESHOLDS = (0.6, 0.55, 0.5, 0.45, 0.4)
FMR_GOAL = 1e-4
FNMR_GOAL = 0.03
CONFIDENCE = 0.95
BOOTSTRAP_REPLICATES = 2000
BOOTSTRAP_SEED = 20261204
THRESHOLD_STEP = 0.001
CLOSEST_PAIRS_LISTED = 12

# Detection runs on a copy whose longer side is at most this many pixels, with one
# upsampling, which finds faces down to about 40 pixels wide in that copy (half the HOG
# detector's 80-pixel window). Copies with a
# shorter side under SMALL_IMAGE_SIDE (face chips, the card portrait) are upsampled twice,
# as the kiosk does for the card photo. Landmarks and descriptor use the full image.
MAX_DETECTION_SIDE = 1024
SMALL_IMAGE_SIDE = 200
CARD_UPSAMPLE = 2

# The chip stores the card photo as 1024 bytes of WLT, a licensed wavelet format. JPEG at
# the same byte budget stands in for it here.
CARD_JPEG_BUDGET = 1024

# Two photographs of one person are copies of one photograph when their face crops,
# aligned on the eyes and reduced to 32×32 grey, correlate at least this strongly, as
# taken or mirrored, over at least half of the crop. NOTE: 0.96 was read off this data,
# where copies scored 0.97 or more and distinct photographs at most 0.94.
THUMBNAIL_SIDE = 32
COPY_CORRELATION = 0.96
COPY_MIN_OVERLAP = 0.5

# Copies that neither a manifest note nor the crop check finds, by SHA-256. In
# face_recognition 1.3.0's test images, obama_partial_face.jpg (barack_obama/6.jpg in the
# fixture folder) and obama_partial_face2.jpg are the left 491 and right 551 columns of
# obama.jpg (barack_obama/1.jpg), re-encoded: the mean difference is 1.6 grey levels. The
# face is cut through, so the landmarks and the crop check fail on them.
KNOWN_COPIES = (
    (
        "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6",
        "c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117",
        "9a812347f97633542b8cd9992de22def11b74f79d82056bc3ee830f13878e028",
    ),
)

# The fixture manifest gives LFW's Joseph_Biden the slug joseph_biden and the folder of
# named photographs joe_biden. Both show Joe Biden, so their pairs are genuine.
IDENTITY_ALIASES = {"joseph_biden": "joe_biden"}

# face_recognition 1.3.0's tests/test_images carry no manifest. The people were named
# from the file names and checked by eye. 32bit.png is obama2.jpg saved as an RGBA PNG.
FACE_RECOGNITION_TEST_IMAGES = {
    "32bit.png": "barack_obama",
    "biden.jpg": "joe_biden",
    "obama.jpg": "barack_obama",
    "obama2.jpg": "barack_obama",
    "obama3.jpg": "barack_obama",
    "obama_partial_face.jpg": "barack_obama",
    "obama_partial_face2.jpg": "barack_obama",
}

SKIP_GROUP = "group photo (naming its faces would need the matcher under test)"
SKIP_ATTACK = "presentation attack (not a bona fide face)"
SKIP_VIDEO = "video"
SKIP_UNLABELLED = "no identity label"
SKIP_COPY = "byte-identical copy of another file"
SKIP_CONFLICT = "byte-identical copy labelled with another identity"
SKIP_MISSING = "listed in the manifest but missing"

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".webm"}
CACHE_VERSION = 2
DEFAULT_CACHE = REPOSITORY / "build" / "face-calibration" / "descriptors.json"


# ---------------------------------------------------------------------------------------
# Inventory: which files show whom


@dataclass(frozen=True)
class ManifestRow:
    relative: str
    identity: str
    notes: str


@dataclass(frozen=True)
class LabelledImage:
    """One distinct image file and the identity slug of the one person it shows."""

    name: str
    path: Path
    identity: str
    sha256: str


@dataclass
class Inventory:
    """The one-person photographs of every data folder, what was skipped and why, and the pair lists."""

    images: list[LabelledImage] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    declared_copies: set[frozenset[str]] = field(default_factory=set)
    sha_by_path: dict[Path, str] = field(default_factory=dict)
    pair_lists: list[Path] = field(default_factory=list)
    aliases_applied: Counter = field(default_factory=Counter)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: Path) -> list[ManifestRow]:
    """Read MANIFEST.tsv (tab-separated, with path, identity and notes columns) of a fixture folder."""
    with (folder / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return [ManifestRow(row["path"], row["identity"].strip(), row.get("notes") or "") for row in csv.DictReader(handle, delimiter="\t")]


def face_recognition_rows(folder: Path) -> list[ManifestRow]:
    """Label face_recognition's test images from FACE_RECOGNITION_TEST_IMAGES, leaving other images unlabelled."""
    return [
        ManifestRow(path.name, FACE_RECOGNITION_TEST_IMAGES.get(path.name, ""), "")
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]


def skip_reason(row: ManifestRow) -> str | None:
    """Return why a manifest row is not a one-person photograph, or None when it is one."""
    suffix = Path(row.relative).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return SKIP_VIDEO
    if suffix not in IMAGE_SUFFIXES:
        return f"not an image ({suffix or 'no extension'})"
    if row.notes.upper().startswith("PRESENTATION ATTACK"):
        return SKIP_ATTACK
    if ";" in row.identity:
        return SKIP_GROUP
    if not row.identity:
        return SKIP_UNLABELLED
    return None


def declared_copies(rows: list[ManifestRow]) -> list[tuple[str, str]]:
    """Return the pairs of relative paths that manifest notes call copies of one photograph.

    The fixture manifest writes "copy of the previous image" and "same photo as N.jpg"
    (a file in the same folder) for such files.
    """
    pairs = []
    for previous, row in zip([None, *rows], rows):
        notes = row.notes.lower()
        if "copy of the previous image" in notes and previous is not None:
            pairs.append((previous.relative, row.relative))
        match = re.search(r"same photo as (\S+\.(?:jpg|jpeg|png))", notes)
        if match:
            pairs.append((str(Path(row.relative).parent / match.group(1)), row.relative))
    return pairs


def read_data_folders(folders: list[Path]) -> Inventory:
    """Collect every one-person photograph of ``folders``, each distinct file once.

    Raises FileNotFoundError for a folder that does not exist.
    """
    inventory = Inventory()
    identity_by_sha: dict[str, str] = {}

    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"data folder {folder} not found: pass an existing folder of face photographs to --data")
        if (folder / "MANIFEST.tsv").is_file():
            rows = read_manifest(folder)
        else:
            rows = face_recognition_rows(folder)
        if (folder / "lfw" / "pairs.txt").is_file():
            inventory.pair_lists.append(folder / "lfw" / "pairs.txt")

        for row in rows:
            if Path(row.relative).suffix.lower() == ".txt":
                continue
            reason = skip_reason(row)
            if reason is not None:
                inventory.skipped[reason] += 1
                continue

            identity = IDENTITY_ALIASES.get(row.identity, row.identity)
            if identity != row.identity:
                inventory.aliases_applied[f"{row.identity} -> {identity}"] += 1
            path = (folder / row.relative).resolve()
            if not path.is_file():
                log.warning("%s lists %s, which is missing; it is skipped", folder, row.relative)
                inventory.skipped[SKIP_MISSING] += 1
                continue
            sha = file_sha256(path)
            inventory.sha_by_path[path] = sha
            if sha in identity_by_sha:
                inventory.skipped[SKIP_COPY if identity_by_sha[sha] == identity else SKIP_CONFLICT] += 1
                continue
            identity_by_sha[sha] = identity
            inventory.images.append(LabelledImage(f"{folder.name}/{row.relative}", path, identity, sha))

        for first, second in declared_copies(rows):
            shas = [inventory.sha_by_path.get((folder / relative).resolve()) for relative in (first, second)]
            if None not in shas and shas[0] != shas[1]:
                inventory.declared_copies.add(frozenset(shas))
    return inventory


# ---------------------------------------------------------------------------------------
# Description: detection, descriptor and card portraits, computed once per file


def detect_faces(model: FaceModel, rgb: np.ndarray, upsample: int | None = None) -> tuple[list, int]:
    """Find every face in ``rgb`` on a copy at most MAX_DETECTION_SIDE pixels long.

    Returns the boxes in the coordinates of ``rgb`` and the upsampling used. Without an
    explicit ``upsample`` it is 2 when the copy's shorter side is under SMALL_IMAGE_SIDE,
    else 1.
    """
    height, width = rgb.shape[:2]
    scale = min(1.0, MAX_DETECTION_SIDE / max(height, width))
    copy = rgb
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        copy = np.ascontiguousarray(np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS)))

    if upsample is None:
        upsample = 2 if min(copy.shape[:2]) < SMALL_IMAGE_SIDE else 1
    boxes = model.detect(copy, upsample)

    if scale < 1.0:
        boxes = [
            dataclasses.replace(box, left=round(box.left / scale), top=round(box.top / scale), right=round(box.right / scale), bottom=round(box.bottom / scale))
            for box in boxes
        ]
    return boxes, upsample


def describe_one_face(model: FaceModel, rgb: np.ndarray, upsample: int | None = None) -> tuple[dict, list]:
    """Detect the faces of ``rgb`` and describe the face when there is exactly one.

    Returns a record whose status is "ok", "no_face" or "several_faces", and the boxes.
    """
    boxes, upsample = detect_faces(model, rgb, upsample)
    record = {"faces": len(boxes), "upsample": upsample, "size": [int(rgb.shape[1]), int(rgb.shape[0])]}
    if len(boxes) != 1:
        record["status"] = "no_face" if not boxes else "several_faces"
        return record, boxes

    record["status"] = "ok"
    record["box"] = [boxes[0].left, boxes[0].top, boxes[0].right, boxes[0].bottom]
    record["descriptor"] = model.describe(rgb, boxes[0]).tolist()
    return record, boxes


def central_face(boxes: list, shape: tuple[int, ...]):
    """Return the box whose centre is nearest the image centre (LFW crops centre the named person)."""
    centre_x, centre_y = shape[1] / 2, shape[0] / 2
    return min(boxes, key=lambda box: ((box.left + box.right) / 2 - centre_x) ** 2 + ((box.top + box.bottom) / 2 - centre_y) ** 2)


def cut_card_portrait(rgb: np.ndarray, box) -> np.ndarray:
    """Crop ``rgb`` around ``box`` to the card's 102×126 portrait.

    The rule is that of countersign.demo_branch.make_card_photo: a crop 1.6 face widths
    wide, centred 5% of the face width below the box centre, resized with Lanczos.
    """
    centre_x = (box.left + box.right) / 2
    centre_y = (box.top + box.bottom) / 2 + 0.05 * box.width
    width = box.width * 1.6
    height = width * CARD_PHOTO_SIZE[1] / CARD_PHOTO_SIZE[0]
    crop = (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2), round(centre_y + height / 2))
    portrait = Image.fromarray(rgb).crop(crop).resize(CARD_PHOTO_SIZE, Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(portrait))


def compress_to_budget(rgb: np.ndarray, budget: int) -> tuple[bytes, int]:
    """Encode ``rgb`` as the highest-quality JPEG of at most ``budget`` bytes.

    Returns the file and its quality (1 to 95). When even quality 1 exceeds the budget,
    the quality-1 file is returned and its size shows it.
    """
    image = Image.fromarray(rgb)

    def encode(quality: int) -> bytes:
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=quality, optimize=True)
        return output.getvalue()

    best_quality = 1
    best = encode(best_quality)
    low, high = 2, 95
    while low <= high:
        quality = (low + high) // 2
        data = encode(quality)
        if len(data) <= budget:
            best, best_quality = data, quality
            low = quality + 1
        else:
            high = quality - 1
    return best, best_quality


def aligned_thumbnail(model: FaceModel, rgb: np.ndarray, box) -> tuple[list[int], list[int]]:
    """Return the face as a THUMBNAIL_SIDE-square grey crop aligned on the eyes, and its mask.

    The eye centres (means of each eye's two landmarks) land at 30% and 70% of the width,
    40% down. The mask is 1 where the crop lies inside the photograph. Both are flattened
    row by row.
    """
    landmarks = model.landmarks(rgb, box)
    eyes = sorted([landmarks[0:2].mean(axis=0), landmarks[2:4].mean(axis=0)], key=lambda point: point[0])
    working = 4 * THUMBNAIL_SIDE
    scale = float(np.linalg.norm(eyes[1] - eyes[0])) / (0.4 * working)
    angle = math.atan2(eyes[1][1] - eyes[0][1], eyes[1][0] - eyes[0][0])

    # PIL's affine transform maps each output pixel (u, v) back to the input pixel.
    a, b = scale * math.cos(angle), -scale * math.sin(angle)
    d, e = scale * math.sin(angle), scale * math.cos(angle)
    c = eyes[0][0] - a * 0.3 * working - b * 0.4 * working
    f = eyes[0][1] - d * 0.3 * working - e * 0.4 * working
    coefficients = (a, b, c, d, e, f)

    def warp(image: Image.Image) -> np.ndarray:
        warped = image.transform((working, working), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)
        return np.asarray(warped.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BOX))

    grey = warp(Image.fromarray(rgb).convert("L"))
    inside = warp(Image.new("L", (rgb.shape[1], rgb.shape[0]), 255)) >= 254
    return grey.ravel().astype(int).tolist(), inside.ravel().astype(int).tolist()


def describe_photograph(model: FaceModel, data: bytes) -> dict:
    """Describe one photograph and, when it shows exactly one face, its two card portraits.

    Returns {"photo": record, "card": record, "card_jpeg": record}. A record's status is
    "ok", "no_face", "several_faces", "unreadable" or "not_attempted"; an "ok" record has
    the box and the 128-d descriptor. A photograph with several faces also gets the
    descriptor of its most central face, which only the LFW protocol uses.
    """
    not_attempted = {"status": "not_attempted"}
    try:
        rgb = decode_image(data)
    except (ImageUnreadable, ImageTooLarge) as error:
        return {"photo": {"status": "unreadable", "error": str(error)}, "card": not_attempted, "card_jpeg": not_attempted}

    photo, boxes = describe_one_face(model, rgb)
    if photo["status"] == "several_faces":
        central = central_face(boxes, rgb.shape)
        photo["central_box"] = [central.left, central.top, central.right, central.bottom]
        photo["central_descriptor"] = model.describe(rgb, central).tolist()
    if photo["status"] != "ok":
        return {"photo": photo, "card": not_attempted, "card_jpeg": not_attempted}
    photo["thumbnail"], photo["thumbnail_mask"] = aligned_thumbnail(model, rgb, boxes[0])

    portrait = cut_card_portrait(rgb, boxes[0])
    card, _ = describe_one_face(model, portrait, CARD_UPSAMPLE)

    jpeg, quality = compress_to_budget(portrait, CARD_JPEG_BUDGET)
    card_jpeg, _ = describe_one_face(model, decode_image(jpeg), CARD_UPSAMPLE)
    card_jpeg["bytes"] = len(jpeg)
    card_jpeg["quality"] = quality
    return {"photo": photo, "card": card, "card_jpeg": card_jpeg}


_WORKER_MODEL: FaceModel | None = None


def _start_worker() -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = FaceModel()


def _describe_in_worker(path: str) -> dict:
    assert _WORKER_MODEL is not None
    return describe_photograph(_WORKER_MODEL, Path(path).read_bytes())


def cache_settings() -> dict:
    """Return everything a cached record depends on. A cache made with other settings is discarded.

    The source files of FaceModel and decode_image are hashed too, so a change to how
    the kiosk decodes images or detects and describes faces invalidates the cache.
    """
    import dlib

    sources = hashlib.sha256()
    for function in (FaceModel, decode_image):
        sources.update(Path(inspect.getsourcefile(function)).read_bytes())
    return {
        "version": CACHE_VERSION,
        "dlib": dlib.__version__,
        "kiosk_sources": sources.hexdigest(),
        "max_detection_side": MAX_DETECTION_SIDE,
        "small_image_side": SMALL_IMAGE_SIDE,
        "card_upsample": CARD_UPSAMPLE,
        "card_size": list(CARD_PHOTO_SIZE),
        "card_jpeg_budget": CARD_JPEG_BUDGET,
        "thumbnail_side": THUMBNAIL_SIDE,
    }


def load_cache(path: Path) -> dict[str, dict]:
    """Return the cached records by SHA-256, or none when the file is missing, unreadable or stale."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as error:
        log.warning("descriptor cache %s is unreadable (%s), so every image is described again", path, error)
        return {}
    if document.get("settings") != cache_settings():
        log.info("descriptor cache %s was made with other settings or kiosk code, so every image is described again", path)
        return {}
    return document.get("records", {})


def save_cache(path: Path, records: dict[str, dict]) -> None:
    """Write the cache atomically, so an interrupted run leaves the previous file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps({"settings": cache_settings(), "records": records}), encoding="utf-8")
    os.replace(temporary, path)


def describe_inventory(inventory: Inventory, cache_path: Path, jobs: int) -> tuple[dict[str, dict], dict]:
    """Describe every image of ``inventory`` not yet in the cache, with ``jobs`` processes.

    Returns the records by SHA-256 and the counts of cached and computed images with the
    seconds spent describing.
    """
    records = load_cache(cache_path)
    missing = [image for image in inventory.images if image.sha256 not in records]
    log.info("%d images: %d cached, %d to describe with %d process(es)", len(inventory.images), len(inventory.images) - len(missing), len(missing), jobs)
    start = time.perf_counter()

    if missing and jobs <= 1:
        model = FaceModel()
        for done, image in enumerate(missing, start=1):
            records[image.sha256] = describe_photograph(model, image.path.read_bytes())
            if done % 100 == 0:
                log.info("described %d of %d images", done, len(missing))
    elif missing:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
            results = pool.map(_describe_in_worker, [str(image.path) for image in missing], chunksize=4)
            for done, (image, record) in enumerate(zip(missing, results), start=1):
                records[image.sha256] = record
                if done % 100 == 0:
                    log.info("described %d of %d images", done, len(missing))

    seconds = time.perf_counter() - start
    if missing:
        save_cache(cache_path, records)
    return records, {"cached": len(inventory.images) - len(missing), "computed": len(missing), "seconds": round(seconds, 1), "jobs": jobs}


# ---------------------------------------------------------------------------------------
# Pairs: copies of one photograph, genuine and impostor distances


@dataclass(frozen=True)
class Comparison:
    """Genuine and impostor distances of one condition, with the images and identities behind each pair.

    Pair indices point into ``image_names``, and ``identity_index`` gives each image's
    person. An ordered comparison counts (a, b) and (b, a) as two pairs, the first image
    being the probe (a card portrait) and the second the reference photograph.
    """

    label: str
    image_names: list[str]
    identity_index: np.ndarray
    genuine_distances: np.ndarray
    genuine_images: np.ndarray
    impostor_distances: np.ndarray
    impostor_images: np.ndarray
    ordered: bool

    @property
    def genuine_identity(self) -> np.ndarray:
        return self.identity_index[self.genuine_images[:, 0]]

    @property
    def impostor_identities(self) -> np.ndarray:
        return self.identity_index[self.impostor_images]


def pairwise_distances(probes: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Return the Euclidean distance of every probe row to every reference row."""
    squared = (probes**2).sum(axis=1)[:, None] + (references**2).sum(axis=1)[None, :] - 2.0 * probes @ references.T
    return np.sqrt(np.clip(squared, 0.0, None))


def build_comparison(label: str, distances: np.ndarray, names: list[str], identity_index: np.ndarray, excluded: np.ndarray, ordered: bool) -> Comparison:
    """Split a square distance matrix into genuine and impostor pairs.

    ``excluded`` marks the image pairs to leave out: each image with itself and copies of
    one photograph. An unordered comparison takes each pair once, from the upper triangle.
    """
    usable = ~excluded
    if not ordered:
        usable &= np.triu(np.ones_like(usable, dtype=bool), k=1)
    first, second = np.nonzero(usable)
    same = identity_index[first] == identity_index[second]
    values = distances[first, second]
    return Comparison(
        label=label,
        image_names=names,
        identity_index=identity_index,
        genuine_distances=values[same],
        genuine_images=np.stack([first[same], second[same]], axis=1),
        impostor_distances=values[~same],
        impostor_images=np.stack([first[~same], second[~same]], axis=1),
        ordered=ordered,
    )


def masked_correlation(grey: np.ndarray, inside: np.ndarray, other_grey: np.ndarray, other_inside: np.ndarray) -> np.ndarray:
    """Return the Pearson correlation of every row of ``grey`` with every row of ``other_grey``.

    Each correlation uses only the pixels inside the photograph in both crops. It is NaN
    where they share less than COPY_MIN_OVERLAP of the crop.
    """
    values, other_values = grey * inside, other_grey * other_inside
    shared = inside @ other_inside.T
    sum_first, sum_second = values @ other_inside.T, inside @ other_values.T
    squares_first, squares_second = (values * grey) @ other_inside.T, inside @ (other_values * other_grey).T
    products = values @ other_values.T

    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = products - sum_first * sum_second / shared
        variance_first = squares_first - sum_first**2 / shared
        variance_second = squares_second - sum_second**2 / shared
        correlation = covariance / np.sqrt(variance_first * variance_second)
    correlation[shared < COPY_MIN_OVERLAP * grey.shape[1]] = np.nan
    return correlation


def find_copies(thumbnails: np.ndarray, masks: np.ndarray, identity_index: np.ndarray) -> list[tuple[int, int, float]]:
    """Return the same-identity image pairs whose aligned face crops correlate at least COPY_CORRELATION.

    Each crop is also compared mirrored left to right, which finds a front-camera mirror
    copy. Returns (first index, second index, correlation) with first < second.
    """
    def mirror(rows: np.ndarray) -> np.ndarray:
        return rows.reshape(-1, THUMBNAIL_SIDE, THUMBNAIL_SIDE)[:, :, ::-1].reshape(len(rows), -1)

    direct = masked_correlation(thumbnails, masks, thumbnails, masks)
    mirrored = masked_correlation(thumbnails, masks, mirror(thumbnails), mirror(masks))
    correlation = np.fmax(direct, mirrored)

    same = identity_index[:, None] == identity_index[None, :]
    candidates = np.triu(same & (np.nan_to_num(correlation, nan=-1.0) >= COPY_CORRELATION), k=1)
    first, second = np.nonzero(candidates)
    return [(int(a), int(b), float(correlation[a, b])) for a, b in zip(first, second)]


def copy_groups(count: int, pairs) -> np.ndarray:
    """Return a group label per image, equal for images linked by ``pairs`` directly or through others."""
    parent = list(range(count))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for first, second in pairs:
        parent[root(first)] = root(second)
    return np.array([root(index) for index in range(count)], dtype=np.int64)


# ---------------------------------------------------------------------------------------
# Statistics: error rates, exact binomial intervals, identity bootstrap


def false_match_counts(impostor_distances: np.ndarray, thresholds) -> np.ndarray:
    """Count the impostor pairs that match (distance below the threshold) at each threshold."""
    return np.searchsorted(np.sort(impostor_distances), np.asarray(thresholds, dtype=np.float64), side="left")


def false_non_match_counts(genuine_distances: np.ndarray, thresholds) -> np.ndarray:
    """Count the genuine pairs that do not match (distance at or above the threshold) at each threshold."""
    below = np.searchsorted(np.sort(genuine_distances), np.asarray(thresholds, dtype=np.float64), side="left")
    return len(genuine_distances) - below


@functools.lru_cache(maxsize=8)
def _log_factorials(n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))])


def binomial_probability(first: int, last: int, n: int, p: float) -> float:
    """Return P(first <= X <= last) for X ~ Binomial(n, p), summed in log space."""
    if p <= 0.0:
        return 1.0 if first == 0 else 0.0
    if p >= 1.0:
        return 1.0 if last == n else 0.0
    k = np.arange(first, last + 1)
    log_factorial = _log_factorials(n)
    log_terms = log_factorial[n] - log_factorial[k] - log_factorial[n - k] + k * math.log(p) + (n - k) * math.log1p(-p)
    peak = log_terms.max()
    return float(math.exp(peak) * np.exp(log_terms - peak).sum())


def _bisect_decreasing(function, target: float) -> float:
    """Return the p in [0, 1] at which ``function``, decreasing in p, falls to ``target``."""
    low, high = 0.0, 1.0
    for _ in range(100):
        middle = (low + high) / 2
        if function(middle) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def clopper_pearson(errors: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Return the Clopper-Pearson exact two-sided interval of a binomial proportion.

    The lower bound is the p at which P(X >= errors) equals (1 - confidence) / 2 and the
    upper bound the p at which P(X <= errors) does. They are 0 and 1 at the ends.
    """
    if trials <= 0:
        return 0.0, 1.0
    tail = (1.0 - confidence) / 2
    lower = 0.0
    if errors > 0:
        lower = _bisect_decreasing(lambda p: -binomial_probability(errors, trials, trials, p), -tail)
    upper = 1.0
    if errors < trials:
        upper = _bisect_decreasing(lambda p: binomial_probability(0, errors, trials, p), tail)
    return lower, upper


def identity_bootstrap(comparison: Comparison, thresholds, replicates: int = BOOTSTRAP_REPLICATES, seed: int = BOOTSTRAP_SEED) -> dict[float, dict]:
    """Return percentile intervals (CONFIDENCE) of FMR and FNMR from resampling people.

    Pairs that share a person are correlated, so the exact binomial interval, which treats
    every pair as independent, is too narrow. Each replicate draws as many people as the
    comparison has, with replacement. It counts a person's genuine pairs once per draw,
    and an impostor pair once per draw of each of its two people. With no false match in
    the sample every replicate has none, so the interval is [0, 0], which is no evidence
    of a zero rate (see demonstrable_fmr).
    """
    _, dense = np.unique(comparison.identity_index, return_inverse=True)
    count = int(dense.max()) + 1
    genuine = dense[comparison.genuine_images[:, 0]]
    impostor = dense[comparison.impostor_images]

    rng = np.random.default_rng(seed)
    draws = rng.multinomial(count, np.full(count, 1.0 / count), size=replicates).astype(np.float64)
    genuine_drawn = draws @ np.bincount(genuine, minlength=count).astype(np.float64)
    impostor_totals = np.zeros((count, count))
    np.add.at(impostor_totals, (impostor[:, 0], impostor[:, 1]), 1.0)
    impostor_drawn = ((draws @ impostor_totals) * draws).sum(axis=1)
    percentiles = [50 * (1 - CONFIDENCE), 100 - 50 * (1 - CONFIDENCE)]

    intervals = {}
    for threshold in thresholds:
        non_matches = comparison.genuine_distances >= threshold
        matches = comparison.impostor_distances < threshold
        genuine_errors = np.bincount(genuine[non_matches], minlength=count).astype(np.float64)
        impostor_errors = np.zeros((count, count))
        np.add.at(impostor_errors, (impostor[matches, 0], impostor[matches, 1]), 1.0)

        with np.errstate(invalid="ignore", divide="ignore"):
            fnmr = (draws @ genuine_errors) / genuine_drawn
            fmr = ((draws @ impostor_errors) * draws).sum(axis=1) / impostor_drawn
        intervals[threshold] = {
            "fmr": [float(value) for value in np.nanpercentile(fmr, percentiles)],
            "fnmr": [float(value) for value in np.nanpercentile(fnmr, percentiles)],
        }
    return intervals


def operating_points(comparison: Comparison, thresholds) -> list[dict]:
    """Return FMR and FNMR at each threshold with exact and identity-bootstrap intervals."""
    thresholds = list(thresholds)
    false_matches = false_match_counts(comparison.impostor_distances, thresholds)
    false_non_matches = false_non_match_counts(comparison.genuine_distances, thresholds)
    bootstrap = identity_bootstrap(comparison, thresholds)
    impostor_pairs = len(comparison.impostor_distances)
    genuine_pairs = len(comparison.genuine_distances)

    points = []
    for threshold, matches, non_matches in zip(thresholds, false_matches, false_non_matches):
        points.append({
            "threshold": threshold,
            "false_matches": int(matches),
            "impostor_pairs": impostor_pairs,
            "fmr": float(matches / impostor_pairs) if impostor_pairs else None,
            "fmr_ci": list(clopper_pearson(int(matches), impostor_pairs)),
            "fmr_bootstrap": bootstrap[threshold]["fmr"],
            "false_non_matches": int(non_matches),
            "genuine_pairs": genuine_pairs,
            "fnmr": float(non_matches / genuine_pairs) if genuine_pairs else None,
            "fnmr_ci": list(clopper_pearson(int(non_matches), genuine_pairs)),
            "fnmr_bootstrap": bootstrap[threshold]["fnmr"],
        })
    return points


def thresholds_for_goal(comparison: Comparison, fmr_goal: float = FMR_GOAL, fnmr_goal: float = FNMR_GOAL) -> dict:
    """Find, on a THRESHOLD_STEP grid, where the observed rates meet the goal.

    ``fmr_limited`` is the largest threshold whose observed FMR is at most ``fmr_goal``,
    ``zero_false_matches`` the largest with no false match, and ``fnmr_limited`` the
    smallest whose observed FNMR is at most ``fnmr_goal``. The sample meets the goal when
    fnmr_limited <= fmr_limited. An observed rate below what the sample can show proves
    nothing (see demonstrable_fmr).
    """
    grid = np.round(np.arange(0, 1501) * THRESHOLD_STEP, 3)
    fmr = false_match_counts(comparison.impostor_distances, grid) / max(1, len(comparison.impostor_distances))
    fnmr = false_non_match_counts(comparison.genuine_distances, grid) / max(1, len(comparison.genuine_distances))
    meets_fmr = np.nonzero(fmr <= fmr_goal)[0]
    zero_matches = np.nonzero(fmr == 0)[0]
    meets_fnmr = np.nonzero(fnmr <= fnmr_goal)[0]

    fmr_limited = float(grid[meets_fmr[-1]]) if len(meets_fmr) else None
    fnmr_limited = float(grid[meets_fnmr[0]]) if len(meets_fnmr) else None
    return {
        "fmr_goal": fmr_goal,
        "fnmr_goal": fnmr_goal,
        "fmr_limited": fmr_limited,
        "zero_false_matches": float(grid[zero_matches[-1]]) if len(zero_matches) else None,
        "fnmr_limited": fnmr_limited,
        "met_in_sample": fmr_limited is not None and fnmr_limited is not None and fnmr_limited <= fmr_limited,
    }


def demonstrable_fmr(comparison: Comparison, fmr_goal: float = FMR_GOAL) -> dict:
    """Return the smallest FMR the comparison could show at 95% confidence, with no false match seen.

    With zero false matches in N independent trials the one-sided 95% upper bound is
    1 - 0.05**(1/N), about 3/N (the rule of three). Pairs that share an image are not
    independent, so 3/N over all pairs is optimistic. The images allow at most
    images // 2 pairs with no image in common, which gives the conservative bound.
    """
    pairs = len(comparison.impostor_distances)
    disjoint = len(comparison.image_names) // 2
    needed = math.ceil(3 / fmr_goal)
    return {
        "impostor_pairs": pairs,
        "rule_of_three_all_pairs": 3 / pairs if pairs else None,
        "disjoint_pairs": disjoint,
        "rule_of_three_disjoint_pairs": 3 / disjoint if disjoint else None,
        "independent_pairs_needed": needed,
        "goal_demonstrable": disjoint >= needed,
    }


def distance_summary(values: np.ndarray) -> dict:
    """Return the count, mean and percentiles (0, 1, 5, 50, 95, 99, 100) of a distance sample."""
    if len(values) == 0:
        return {"count": 0}
    percentiles = np.percentile(values, [0, 1, 5, 50, 95, 99, 100])
    keys = ["min", "p1", "p5", "median", "p95", "p99", "max"]
    return {"count": int(len(values)), "mean": float(values.mean()), **{key: float(value) for key, value in zip(keys, percentiles)}}


def histogram(values: np.ndarray, width: float = 0.05, top: float = 1.3) -> dict:
    """Return counts of ``values`` in bins of ``width`` from 0 to ``top``, with larger values in the last bin."""
    edges = np.round(np.arange(0, top + width / 2, width), 3)
    counts, _ = np.histogram(np.clip(values, 0, top - 1e-9), bins=edges)
    return {"edges": edges.tolist(), "counts": counts.astype(int).tolist()}


def extreme_pairs(comparison: Comparison) -> dict:
    """Return the closest impostor pairs and the farthest genuine pairs, by image name."""
    def listed(distances: np.ndarray, images: np.ndarray, order: np.ndarray) -> list[dict]:
        return [
            {"distance": round(float(distances[index]), 4), "images": [comparison.image_names[images[index, 0]], comparison.image_names[images[index, 1]]]}
            for index in order[:CLOSEST_PAIRS_LISTED]
        ]

    return {
        "closest_impostors": listed(comparison.impostor_distances, comparison.impostor_images, np.argsort(comparison.impostor_distances)),
        "farthest_genuine": listed(comparison.genuine_distances, comparison.genuine_images, np.argsort(-comparison.genuine_distances)),
    }


def analyse(comparison: Comparison, extra_thresholds=()) -> dict:
    """Return every figure of one comparison: counts, distributions, operating points and the goal."""
    goal = thresholds_for_goal(comparison)
    reported = sorted({*REPORTED_THRESHOLDS, goal["fmr_limited"], goal["fnmr_limited"], *extra_thresholds} - {None}, reverse=True)
    curve_grid = np.round(np.arange(30, 81) * 0.01, 2)
    fmr_curve = false_match_counts(comparison.impostor_distances, curve_grid) / max(1, len(comparison.impostor_distances))
    fnmr_curve = false_non_match_counts(comparison.genuine_distances, curve_grid) / max(1, len(comparison.genuine_distances))
    return {
        "label": comparison.label,
        "ordered_pairs": comparison.ordered,
        "images": len(comparison.image_names),
        "identities": int(len(np.unique(comparison.identity_index))),
        "identities_with_genuine_pairs": int(len(np.unique(comparison.genuine_identity))),
        "genuine_pairs": int(len(comparison.genuine_distances)),
        "impostor_pairs": int(len(comparison.impostor_distances)),
        "genuine_distances": distance_summary(comparison.genuine_distances),
        "impostor_distances": distance_summary(comparison.impostor_distances),
        "goal": goal,
        "operating_points": operating_points(comparison, reported),
        "demonstrable": demonstrable_fmr(comparison),
        "extremes": extreme_pairs(comparison),
        "curve": [{"threshold": float(t), "fmr": float(a), "fnmr": float(b)} for t, a, b in zip(curve_grid, fmr_curve, fnmr_curve)],
        "histogram": {"genuine": histogram(comparison.genuine_distances), "impostor": histogram(comparison.impostor_distances)},
    }


# ---------------------------------------------------------------------------------------
# LFW 10-fold protocol


def read_lfw_pairs(path: Path) -> list[list[tuple[str, str, bool]]]:
    """Parse an LFW View 2 pairs.txt into folds of (image, image, same person).

    The first line is "<folds>\\t<n>". Each fold then has n matched lines "name\\ti\\tj" and
    n mismatched lines "name1\\ti\\tname2\\tj". Images are paths relative to the file's folder.
    Raises ValueError naming the line when the file does not follow that layout.
    """
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fold_count, per_fold = (int(value) for value in lines[0][:2])
    if len(lines) != 1 + 2 * fold_count * per_fold:
        raise ValueError(f"{path}: header announces {fold_count} folds of 2 x {per_fold} pairs, but the file has {len(lines) - 1} pair lines")

    def image(name: str, number: str) -> str:
        return f"{name}/{name}_{int(number):04d}.jpg"

    folds = []
    position = 1
    for _ in range(fold_count):
        fold = []
        for same in (True, False):
            for _ in range(per_fold):
                fields = lines[position]
                if same and len(fields) == 3:
                    fold.append((image(fields[0], fields[1]), image(fields[0], fields[2]), True))
                elif not same and len(fields) == 4:
                    fold.append((image(fields[0], fields[1]), image(fields[2], fields[3]), False))
                else:
                    raise ValueError(f"{path} line {position + 1}: expected a {'matched' if same else 'mismatched'} pair, read {fields}")
                position += 1
        folds.append(fold)
    return folds


def best_accuracy_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """Return the threshold that decides the most pairs right (a match when distance < threshold).

    Candidates are the midpoints between consecutive sorted distances, plus one below
    and one above all. Among equally good candidates the middle one is taken.
    """
    order = np.argsort(distances)
    ordered = distances[order]
    labels = same[order]
    candidates = np.concatenate([[ordered[0] - 1e-6], (ordered[:-1] + ordered[1:]) / 2, [ordered[-1] + 1e-6]])

    # Candidate c lies after the first c sorted pairs: those are called matches, the rest not.
    same_below = np.concatenate([[0], np.cumsum(labels)])
    different_above = (~labels).sum() - np.concatenate([[0], np.cumsum(~labels)])
    correct = same_below + different_above
    best = np.nonzero(correct == correct.max())[0]
    return float(candidates[best[len(best) // 2]])


def ten_fold_accuracy(fold_distances: list[np.ndarray], fold_same: list[np.ndarray]) -> dict:
    """Choose the threshold on all folds but one by accuracy, measure on that one, for every fold.

    A NaN distance (no face found) counts as a wrong decision.
    """
    results = []
    for test in range(len(fold_distances)):
        train_distances = np.concatenate([d for index, d in enumerate(fold_distances) if index != test])
        train_same = np.concatenate([s for index, s in enumerate(fold_same) if index != test])
        known = ~np.isnan(train_distances)
        threshold = best_accuracy_threshold(train_distances[known], train_same[known])
        decided = np.where(np.isnan(fold_distances[test]), ~fold_same[test], fold_distances[test] < threshold)
        results.append({"fold": test + 1, "threshold": round(threshold, 4), "accuracy": float((decided == fold_same[test]).mean()), "pairs": int(len(fold_same[test]))})

    accuracies = np.array([result["accuracy"] for result in results])
    return {"folds": results, "mean_accuracy": float(accuracies.mean()), "standard_error": float(accuracies.std(ddof=1) / math.sqrt(len(accuracies)))}


def lfw_protocol(pairs_file: Path, records_by_path: dict[Path, dict]) -> dict:
    """Run the LFW 10-fold protocol on ``pairs_file`` with the photograph records of its images.

    LFW images are crops centred on the named person, so an image with several faces
    uses its most central face. A pair with an image where no face was found counts as
    an error. The protocol also runs under the kiosk's rule (exactly one face, else an
    error) for comparison.
    """
    folds = read_lfw_pairs(pairs_file)
    root = pairs_file.parent

    def vector(name: str, central_allowed: bool) -> np.ndarray | None:
        record = records_by_path.get((root / name).resolve(), {})
        if record.get("status") == "ok":
            return np.asarray(record["descriptor"])
        if central_allowed and record.get("status") == "several_faces":
            return np.asarray(record["central_descriptor"])
        return None

    def distances(central_allowed: bool) -> list[np.ndarray]:
        values = []
        for fold in folds:
            row = []
            for first, second, _ in fold:
                vectors = [vector(first, central_allowed), vector(second, central_allowed)]
                row.append(math.nan if any(v is None for v in vectors) else float(np.linalg.norm(vectors[0] - vectors[1])))
            values.append(np.array(row))
        return values

    fold_same = [np.array([same for _, _, same in fold]) for fold in folds]
    central = distances(True)
    strict = distances(False)
    all_distances = np.concatenate(central)
    all_same = np.concatenate(fold_same)
    at_published = np.where(np.isnan(all_distances), ~all_same, all_distances < DLIB_PUBLISHED_THRESHOLD)
    images = {name for fold in folds for first, second, _ in fold for name in (first, second)}
    several = sorted(name for name in images if records_by_path.get((root / name).resolve(), {}).get("status") == "several_faces")
    no_face = sorted(name for name in images if records_by_path.get((root / name).resolve(), {}).get("status") not in ("ok", "several_faces"))

    return {
        "pairs_file": str(pairs_file),
        "pairs": int(len(all_same)),
        "images": len(images),
        "images_with_several_faces": several,
        "images_without_a_face": no_face,
        "pairs_counted_as_errors": int(np.isnan(all_distances).sum()),
        "central_face": ten_fold_accuracy(central, fold_same),
        "exactly_one_face": {**ten_fold_accuracy(strict, fold_same), "pairs_counted_as_errors": int(np.isnan(np.concatenate(strict)).sum())},
        "accuracy_at_published_threshold": float((at_published == all_same).mean()),
        "errors_at_published_threshold": int((at_published != all_same).sum()),
        "false_non_matches_at_published_threshold": int((all_same & ~at_published).sum()),
        "false_matches_at_published_threshold": int((~all_same & at_published).sum()),
        "dlib_published_accuracy": DLIB_LFW_ACCURACY,
        "dlib_published_accuracy_without_jitter": DLIB_LFW_ACCURACY_WITHOUT_JITTER,
    }


# ---------------------------------------------------------------------------------------
# The whole calibration


@dataclass(frozen=True)
class PhotoSet:
    """The usable photographs: names, records, descriptors, people and the pairs to leave out."""

    names: list[str]
    records: list[dict]
    vectors: np.ndarray
    identity_index: np.ndarray
    excluded: np.ndarray


def card_comparison(label: str, variant: str, photos: PhotoSet) -> Comparison:
    """Compare the ``variant`` card portrait of each image with the photograph of every other image.

    Images whose portrait shows no single face drop out of the comparison.
    """
    with_face = np.array([index for index, record in enumerate(photos.records) if record[variant]["status"] == "ok"], dtype=np.int64)
    probes = np.array([photos.records[index][variant]["descriptor"] for index in with_face], dtype=np.float64).reshape(len(with_face), -1)
    distances = pairwise_distances(probes, photos.vectors[with_face])
    excluded = photos.excluded[np.ix_(with_face, with_face)]
    names = [photos.names[index] for index in with_face]
    return build_comparison(label, distances, names, photos.identity_index[with_face], excluded, ordered=True)


def genuine_shift(photos: PhotoSet) -> dict:
    """Return how a card portrait changes genuine distances, pair by pair.

    Takes the ordered genuine pairs whose first image has both card portraits and
    compares the photograph-to-photograph distance with the card-to-photograph and
    1 KB JPEG card-to-photograph distances of the same pair.
    """
    both = np.array([index for index, record in enumerate(photos.records) if record["card"]["status"] == "ok" and record["card_jpeg"]["status"] == "ok"], dtype=np.int64)
    if len(both) == 0:
        return {"pairs": 0}
    card = np.array([photos.records[index]["card"]["descriptor"] for index in both])
    jpeg = np.array([photos.records[index]["card_jpeg"]["descriptor"] for index in both])
    references = photos.vectors[both]

    genuine = (photos.identity_index[both][:, None] == photos.identity_index[both][None, :]) & ~photos.excluded[np.ix_(both, both)]
    photo_distances = pairwise_distances(references, references)[genuine]
    card_change = pairwise_distances(card, references)[genuine] - photo_distances
    jpeg_change = pairwise_distances(jpeg, references)[genuine] - photo_distances
    if len(photo_distances) == 0:
        return {"pairs": 0}

    def summary(change: np.ndarray) -> dict:
        return {"mean": float(change.mean()), "median": float(np.median(change)), "share_increased": float((change > 0).mean())}

    return {"pairs": int(len(photo_distances)), "card_minus_photo": summary(card_change), "jpeg_minus_photo": summary(jpeg_change)}


def acquisition(records: list[dict], variant: str) -> dict:
    """Count how often the card portrait of a usable photograph showed exactly one face."""
    statuses = Counter(record[variant]["status"] for record in records)
    result = {"attempted": len(records), "statuses": dict(statuses), "failure_to_acquire": 1 - statuses["ok"] / len(records) if records else None}
    if variant == "card_jpeg" and records:
        sizes = np.array([record[variant]["bytes"] for record in records])
        qualities = np.array([record[variant]["quality"] for record in records])
        result["jpeg_bytes"] = {"median": float(np.median(sizes)), "min": int(sizes.min()), "max": int(sizes.max())}
        result["jpeg_quality"] = {"median": float(np.median(qualities)), "min": int(qualities.min()), "max": int(qualities.max())}
    return result


def collect_photos(inventory: Inventory, records_by_sha: dict[str, dict]) -> tuple[PhotoSet, dict]:
    """Gather the photographs with exactly one face and mark every pair of copies of one photograph.

    Copies come from manifest notes, KNOWN_COPIES and the aligned-crop check. A group of
    copies linked through any of them is left out as a whole. Returns the set and a
    description of the copies found.
    """
    usable = [image for image in inventory.images if records_by_sha[image.sha256]["photo"]["status"] == "ok"]
    records = [records_by_sha[image.sha256] for image in usable]
    identities = sorted({image.identity for image in usable})
    identity_index = np.array([identities.index(image.identity) for image in usable], dtype=np.int64)
    vectors = np.array([record["photo"]["descriptor"] for record in records], dtype=np.float64).reshape(len(usable), -1)
    position = {image.sha256: index for index, image in enumerate(usable)}

    declared = sorted(tuple(sorted(position[sha] for sha in pair)) for pair in inventory.declared_copies if all(sha in position for sha in pair))
    known = [
        (position[group[0]], position[other])
        for group in (tuple(sha for sha in copies if sha in position) for copies in KNOWN_COPIES)
        if len(group) >= 2
        for other in group[1:]
    ]
    thumbnails = np.array([record["photo"]["thumbnail"] for record in records], dtype=np.float64).reshape(len(usable), -1)
    masks = np.array([record["photo"]["thumbnail_mask"] for record in records], dtype=np.float64).reshape(len(usable), -1)
    found = find_copies(thumbnails, masks, identity_index)

    groups = copy_groups(len(usable), [*declared, *known, *[(first, second) for first, second, _ in found]])
    excluded = groups[:, None] == groups[None, :]
    names = [image.name for image in usable]
    copies = {
        "declared_in_manifest": [[names[a], names[b]] for a, b in declared],
        "known": [[names[a], names[b]] for a, b in known],
        "found_by_crop_check": [{"images": [names[a], names[b]], "correlation": round(value, 4)} for a, b, value in found],
        "pairs_left_out": int(np.triu(excluded, k=1).sum()),
    }
    return PhotoSet(names, records, vectors, identity_index, excluded), copies


def recommend(goals: dict[str, dict]) -> dict:
    """Apply the security-first rule: the largest 0.01 step whose observed FMR is at most FMR_GOAL in every condition.

    The result is at most 0.6, and None when some condition never meets the FMR goal.
    """
    limits = {name: goal["fmr_limited"] for name, goal in goals.items()}
    if any(limit is None for limit in limits.values()):
        return {"threshold": None, "limits": limits}
    # FaceMatcher rejects thresholds above dlib's published 0.6.
    threshold = min(math.floor(min(limits.values()) * 100 + 1e-9) / 100, DLIB_PUBLISHED_THRESHOLD)
    return {"threshold": threshold, "limits": limits}


def run_calibration(folders: list[Path], cache_path: Path, jobs: int) -> dict:
    """Describe the images of ``folders`` and return every figure of the report as plain data."""
    start = time.perf_counter()
    inventory = read_data_folders(folders)
    records_by_sha, timing = describe_inventory(inventory, cache_path, jobs)
    photos, copies = collect_photos(inventory, records_by_sha)
    if len(photos.names) < 2:
        raise ValueError(f"only {len(photos.names)} photograph(s) with exactly one face in {', '.join(map(str, folders))}, but at least two are needed: add a data folder")

    photo = build_comparison("photograph vs photograph", pairwise_distances(photos.vectors, photos.vectors), photos.names, photos.identity_index, photos.excluded, ordered=False)
    card = card_comparison("card portrait vs photograph", "card", photos)
    jpeg = card_comparison("1 KB JPEG card portrait vs photograph", "card_jpeg", photos)
    comparisons = {"photo": photo, "card": card, "card_jpeg": jpeg}
    goals = {name: thresholds_for_goal(comparison) for name, comparison in comparisons.items()}
    recommendation = recommend(goals)
    extra = [*(goal["fmr_limited"] for goal in goals.values()), recommendation["threshold"]]
    conditions = {name: analyse(comparison, extra) for name, comparison in comparisons.items()}

    lfw = None
    if inventory.pair_lists:
        records_by_path = {path: records_by_sha[sha]["photo"] for path, sha in inventory.sha_by_path.items() if sha in records_by_sha}
        lfw = lfw_protocol(inventory.pair_lists[0], records_by_path)

    statuses = Counter(records_by_sha[image.sha256]["photo"]["status"] for image in inventory.images)
    per_identity = Counter(photos.identity_index.tolist())
    return {
        "data": {
            "folders": [str(folder) for folder in folders],
            "distinct_images": len(inventory.images),
            "skipped": dict(inventory.skipped),
            "aliases_applied": dict(inventory.aliases_applied),
            "detection": dict(statuses),
            "not_usable": [
                {"name": image.name, "status": records_by_sha[image.sha256]["photo"]["status"], "faces": records_by_sha[image.sha256]["photo"].get("faces")}
                for image in inventory.images
                if records_by_sha[image.sha256]["photo"]["status"] != "ok"
            ],
            "usable_images": len(photos.names),
            "identities": len(per_identity),
            "identities_with_two_or_more_images": sum(1 for count in per_identity.values() if count >= 2),
            "copies": copies,
            "description": timing,
        },
        **conditions,
        "card_acquisition": {"card": acquisition(photos.records, "card"), "card_jpeg": acquisition(photos.records, "card_jpeg")},
        "genuine_shift": genuine_shift(photos),
        "recommendation": recommendation,
        "lfw": lfw,
        "seconds": round(time.perf_counter() - start, 1),
    }


# ---------------------------------------------------------------------------------------
# Report


def machine_description() -> dict:
    """Return the CPU, memory, OS and library versions of this machine."""
    import dlib
    import PIL

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "dlib": dlib.__version__,
        "numpy": np.__version__,
        "pillow": PIL.__version__,
    }


def percent(rate: float | None) -> str:
    """Format a rate as a percentage with three significant digits."""
    if rate is None:
        return "n/a"
    if rate == 0:
        return "0%"
    return f"{rate * 100:.3g}%"


def interval(bounds: list[float]) -> str:
    return f"{percent(bounds[0])} to {percent(bounds[1])}"


def threshold_text(threshold: float | None) -> str:
    return "none" if threshold is None else f"{threshold:.3f}".rstrip("0").rstrip(".")


def point_at(results: dict, threshold: float | None) -> dict | None:
    """Return the operating point of ``results`` at ``threshold``, or None when it was not computed."""
    for point in results["operating_points"]:
        if threshold is not None and abs(point["threshold"] - threshold) < 1e-9:
            return point
    return None


def operating_point_table(results: dict) -> list[str]:
    lines = [
        "| threshold | false matches | FMR | 95% CI exact | 95% CI bootstrap | false non-matches | FNMR | 95% CI exact | 95% CI bootstrap |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for point in results["operating_points"]:
        lines.append(
            f"| {threshold_text(point['threshold'])} | {point['false_matches']:,} / {point['impostor_pairs']:,} | {percent(point['fmr'])} | "
            f"{interval(point['fmr_ci'])} | {interval(point['fmr_bootstrap'])} | {point['false_non_matches']:,} / {point['genuine_pairs']:,} | "
            f"{percent(point['fnmr'])} | {interval(point['fnmr_ci'])} | {interval(point['fnmr_bootstrap'])} |"
        )
    return lines


def data_section(data: dict) -> list[str]:
    copies = data["copies"]
    lines = ["## Data", ""]
    lines.append(f"- Folders: {', '.join(f'`{folder}`' for folder in data['folders'])}.")
    lines.append(f"- Distinct image files considered: {data['distinct_images']:,} (one per SHA-256).")
    for reason, count in sorted(data["skipped"].items()):
        lines.append(f"- Skipped, {reason}: {count}.")
    for alias, count in data["aliases_applied"].items():
        lines.append(f"- Identity slug merged, {alias}: {count} file(s).")
    detection = data["detection"]
    lines.append(
        f"- HOG detection: exactly one face in {detection.get('ok', 0):,}, several faces in {detection.get('several_faces', 0)}, "
        f"no face in {detection.get('no_face', 0)}, unreadable {detection.get('unreadable', 0)}; images with no face or several faces are left out."
    )
    lines.append(
        f"- Usable photographs: {data['usable_images']:,} of {data['identities']:,} people, "
        f"{data['identities_with_two_or_more_images']:,} of whom have two or more."
    )
    lines.append(
        f"- Copies of one photograph left out as genuine pairs: {copies['pairs_left_out']} pairs. Declared in a manifest: "
        f"{len(copies['declared_in_manifest'])}; known by SHA-256: {len(copies['known'])}; found by the aligned-crop check: "
        f"{len(copies['found_by_crop_check'])}."
    )
    for pair in copies["declared_in_manifest"] + copies["known"]:
        lines.append(f"  - `{pair[0]}` and `{pair[1]}`")
    for found in copies["found_by_crop_check"]:
        lines.append(f"  - `{found['images'][0]}` and `{found['images'][1]}` (crop correlation {found['correlation']:.3f})")
    not_usable = ", ".join(f"`{item['name']}` ({item['status'].replace('_', ' ')})" for item in data["not_usable"])
    lines += ["", f"Photographs left out: {not_usable or 'none'}.", ""]
    return lines


def pairs_section(results: dict) -> list[str]:
    lines = [
        "## Pairs",
        "",
        "A photograph-to-photograph pair is counted once. A card pair is ordered: the card portrait cut from one",
        "photograph against every other photograph, so each pair of images appears twice, once in each role.",
        "",
        "| condition | images | people | people with genuine pairs | genuine pairs | impostor pairs |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in ("photo", "card", "card_jpeg"):
        item = results[key]
        lines.append(
            f"| {item['label']} | {item['images']:,} | {item['identities']:,} | {item['identities_with_genuine_pairs']:,} | "
            f"{item['genuine_pairs']:,} | {item['impostor_pairs']:,} |"
        )
    lines += ["", "## Distance distributions", "", "| condition | pairs | count | min | 1% | 5% | median | 95% | 99% | max |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key in ("photo", "card", "card_jpeg"):
        for kind in ("genuine", "impostor"):
            summary = results[key][f"{kind}_distances"]
            if summary["count"] == 0:
                lines.append(f"| {results[key]['label']} | {kind} | 0 | | | | | | | |")
                continue
            values = " | ".join(f"{summary[name]:.3f}" for name in ("min", "p1", "p5", "median", "p95", "p99", "max"))
            lines.append(f"| {results[key]['label']} | {kind} | {summary['count']:,} | {values} |")
    return lines + [""]


def rates_section(results: dict) -> list[str]:
    lines = [
        "## Error rates against the threshold",
        "",
        "A pair matches when its distance is below the threshold. FMR is the share of impostor pairs that",
        "match, FNMR the share of genuine pairs that do not. The exact interval is Clopper-Pearson (two-sided,",
        "95%) and treats every pair as independent, which they are not: pairs share images and people. The",
        f"bootstrap interval resamples people ({BOOTSTRAP_REPLICATES} replicates, percentile method) and so",
        "allows for that dependence; it is [0, 0] whenever no error was observed, which proves nothing.",
        "",
    ]
    for key in ("photo", "card", "card_jpeg"):
        lines += [f"### {results[key]['label']}", "", *operating_point_table(results[key]), ""]
    return lines


def goal_section(results: dict) -> list[str]:
    lines = [
        f"## The goal: FMR at most {percent(FMR_GOAL)} at FNMR at most {percent(FNMR_GOAL)}",
        "",
        "Thresholds on a 0.001 grid. A threshold meets the FMR goal in the sample when the observed FMR is at most",
        "the goal; the next section says why the sample cannot prove it.",
        "",
        "| condition | largest threshold with observed FMR <= goal | FMR there (95% CI exact) | FNMR there (95% CI exact) | largest threshold with no false match | smallest threshold with FNMR <= goal | FMR there (95% CI exact) | goal met in the sample |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key in ("photo", "card", "card_jpeg"):
        goal = results[key]["goal"]
        point = point_at(results[key], goal["fmr_limited"])
        fmr = f"{percent(point['fmr'])} ({interval(point['fmr_ci'])})" if point else "n/a"
        fnmr = f"{percent(point['fnmr'])} ({interval(point['fnmr_ci'])})" if point else "n/a"
        fnmr_point = point_at(results[key], goal["fnmr_limited"])
        fmr_at_fnmr_goal = f"{percent(fnmr_point['fmr'])} ({interval(fnmr_point['fmr_ci'])})" if fnmr_point else "n/a"
        lines.append(
            f"| {results[key]['label']} | {threshold_text(goal['fmr_limited'])} | {fmr} | {fnmr} | {threshold_text(goal['zero_false_matches'])} | "
            f"{threshold_text(goal['fnmr_limited'])} | {fmr_at_fnmr_goal} | {'yes' if goal['met_in_sample'] else 'no'} |"
        )
    return lines + [""]


def demonstrable_section(results: dict) -> list[str]:
    demonstrable = results["photo"]["demonstrable"]
    lines = [
        "## The smallest FMR this sample can show",
        "",
        "With no false match among N independent impostor comparisons, the one-sided 95% upper bound on FMR is",
        f"about 3/N (the rule of three), so showing FMR <= {percent(FMR_GOAL)} needs at least {demonstrable['independent_pairs_needed']:,}",
        "independent comparisons without a single false match.",
        "",
        f"- Photograph vs photograph has {demonstrable['impostor_pairs']:,} impostor pairs, so 3/N = {percent(demonstrable['rule_of_three_all_pairs'])}.",
        "  This figure is optimistic and not valid as a claim: the pairs are built from "
        f"{results['photo']['images']:,} images, each in {2 * demonstrable['impostor_pairs'] / max(1, results['photo']['images']):,.0f} impostor pairs on average.",
        f"- The images allow at most {demonstrable['disjoint_pairs']:,} pairs that share no image, so the conservative bound is "
        f"3/{demonstrable['disjoint_pairs']:,} = {percent(demonstrable['rule_of_three_disjoint_pairs'])}.",
        f"- {'The goal is demonstrable.' if demonstrable['goal_demonstrable'] else f'An FMR of {percent(FMR_GOAL)} is not demonstrable with this data at any threshold.'}"
        " The true dependence-adjusted figure lies between the two bounds; the bootstrap intervals above show it where errors occur.",
        "- The card comparisons count ordered pairs, which doubles N without adding independent information.",
        "",
    ]
    return lines


def extremes_section(results: dict) -> list[str]:
    extremes = results["photo"]["extremes"]
    lines = ["## Closest impostor pairs and farthest genuine pairs (photograph vs photograph)", "", "| distance | impostor pair |", "| ---: | --- |"]
    lines += [f"| {item['distance']:.3f} | `{item['images'][0]}`, `{item['images'][1]}` |" for item in extremes["closest_impostors"]]
    lines += ["", "| distance | genuine pair |", "| ---: | --- |"]
    lines += [f"| {item['distance']:.3f} | `{item['images'][0]}`, `{item['images'][1]}` |" for item in extremes["farthest_genuine"]]
    return lines + [""]


def lfw_section(lfw: dict | None) -> list[str]:
    if lfw is None:
        return ["## LFW 10-fold protocol", "", "Not run: no data folder contains `lfw/pairs.txt`.", ""]
    central = lfw["central_face"]
    strict = lfw["exactly_one_face"]
    lines = [
        "## LFW 10-fold protocol",
        "",
        f"`{lfw['pairs_file']}`: {lfw['pairs']} pairs in {len(central['folds'])} folds, {lfw['images']} images. For each fold the threshold",
        "that decides the most pairs of the other nine folds right is applied to it. LFW images are crops centred on",
        f"the named person, so an image with several faces uses its most central face ({len(lfw['images_with_several_faces'])} images).",
        f"A pair with an image where no face was found counts as an error ({lfw['pairs_counted_as_errors']} pairs, with the images "
        f"{', '.join(f'`{name}`' for name in lfw['images_without_a_face']) or 'none'}).",
        "",
        "| fold | threshold | accuracy |",
        "| ---: | ---: | ---: |",
    ]
    def accuracy(value: float) -> str:
        return f"{value * 100:.2f}%"

    lines += [f"| {fold['fold']} | {fold['threshold']:.3f} | {accuracy(fold['accuracy'])} |" for fold in central["folds"]]
    lines += [
        "",
        f"- Mean accuracy {accuracy(central['mean_accuracy'])} ± {accuracy(central['standard_error'])} (standard error over the folds).",
        f"- At dlib's fixed 0.6 on all {lfw['pairs']} pairs: {accuracy(lfw['accuracy_at_published_threshold'])} ({lfw['errors_at_published_threshold']} errors: "
        f"{lfw['false_non_matches_at_published_threshold']} matched pairs rejected, {lfw['false_matches_at_published_threshold']} mismatched pairs accepted).",
        f"- Under the kiosk's rule (exactly one face, otherwise an error): {accuracy(strict['mean_accuracy'])} ± {accuracy(strict['standard_error'])}, "
        f"with {strict['pairs_counted_as_errors']} pairs counted as errors.",
        f"- dlib publishes {accuracy(lfw['dlib_published_accuracy'])} on all 6,000 pairs with 100 jittered copies per face, and "
        f"{accuracy(lfw['dlib_published_accuracy_without_jitter'])} without jitter, which is how FaceModel describes faces. One error here moves "
        f"the accuracy by {accuracy(1 / lfw['pairs'])}.",
        "",
    ]
    return lines


def card_section(results: dict) -> list[str]:
    card = results["card_acquisition"]["card"]
    jpeg = results["card_acquisition"]["card_jpeg"]
    shift = results["genuine_shift"]
    lines = [
        "## Card portraits",
        "",
        f"Each usable photograph was cut to a {CARD_PHOTO_SIZE[0]}×{CARD_PHOTO_SIZE[1]} portrait with the rule of",
        "`countersign.demo_branch.make_card_photo` (1.6 face widths wide, Lanczos) and detected again with",
        f"{CARD_UPSAMPLE} upsamplings, as the kiosk does with the card photo. The portrait was also saved as the",
        f"best JPEG of at most {CARD_JPEG_BUDGET} bytes (the size of the chip's WLT photo) and decoded again.",
        "",
        "| portrait | attempted | exactly one face | no face | several faces | failure to acquire |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, item in (("lossless", card), (f"JPEG <= {CARD_JPEG_BUDGET} bytes", jpeg)):
        statuses = item["statuses"]
        lines.append(
            f"| {label} | {item['attempted']:,} | {statuses.get('ok', 0):,} | {statuses.get('no_face', 0)} | {statuses.get('several_faces', 0)} | {percent(item['failure_to_acquire'])} |"
        )
    if "jpeg_bytes" in jpeg:
        lines += [
            "",
            f"The JPEG files have a median of {jpeg['jpeg_bytes']['median']:.0f} bytes ({jpeg['jpeg_bytes']['min']} to {jpeg['jpeg_bytes']['max']}) at a median "
            f"quality of {jpeg['jpeg_quality']['median']:.0f} ({jpeg['jpeg_quality']['min']} to {jpeg['jpeg_quality']['max']}).",
        ]
    if shift["pairs"]:
        lines += [
            "",
            f"On the same {shift['pairs']:,} ordered genuine pairs, replacing one photograph by its lossless portrait changes the distance by a mean of "
            f"{shift['card_minus_photo']['mean']:+.3f} (median {shift['card_minus_photo']['median']:+.3f}, larger in {percent(shift['card_minus_photo']['share_increased'])} of pairs). "
            f"The 1 KB JPEG portrait changes it by {shift['jpeg_minus_photo']['mean']:+.3f} (median {shift['jpeg_minus_photo']['median']:+.3f}, larger in "
            f"{percent(shift['jpeg_minus_photo']['share_increased'])}). The error rates of both are in the tables above.",
        ]
    return lines + [""]


def recommendation_section(results: dict) -> list[str]:
    recommendation = results["recommendation"]
    lines = ["## Candidate threshold from the security-first rule", ""]
    if recommendation["threshold"] is None:
        return lines + ["No threshold keeps the observed FMR at or below the goal in every condition.", ""]
    lines += [
        f"The largest 0.01 step at which the observed FMR is at most {percent(FMR_GOAL)} in all three conditions is "
        f"**{threshold_text(recommendation['threshold'])}** (per condition: "
        + ", ".join(f"{name} {threshold_text(limit)}" for name, limit in recommendation["limits"].items())
        + ").",
        "",
        "| condition | FMR (95% CI exact; bootstrap) | FNMR (95% CI exact; bootstrap) |",
        "| --- | ---: | ---: |",
    ]
    for key in ("photo", "card", "card_jpeg"):
        point = point_at(results[key], recommendation["threshold"])
        lines.append(
            f"| {results[key]['label']} | {percent(point['fmr'])} ({interval(point['fmr_ci'])}; {interval(point['fmr_bootstrap'])}) | "
            f"{percent(point['fnmr'])} ({interval(point['fnmr_ci'])}; {interval(point['fnmr_bootstrap'])}) |"
        )
    return lines + [""]


def render_report(results: dict) -> str:
    """Render the figures of run_calibration, with how and where they were measured, as Markdown."""
    machine = results["machine"]
    timing = results["data"]["description"]
    lines = [
        "# Face-match threshold calibration: measured figures",
        "",
        f"Generated by `benchmarks/face_calibration.py` on {results['generated']}.",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gib']} GiB RAM, {machine['os']}; Python {machine['python']}, "
        f"dlib {machine['dlib']}, numpy {machine['numpy']}, Pillow {machine['pillow']}.",
        "",
        f"Run time: {results['seconds']:.0f} s in all. Describing {timing['computed']:,} images took {timing['seconds']:.0f} s with "
        f"{timing['jobs']} process(es); {timing['cached']:,} came from the descriptor cache.",
        "",
    ]
    lines += data_section(results["data"])
    lines += pairs_section(results)
    lines += rates_section(results)
    lines += goal_section(results)
    lines += demonstrable_section(results)
    lines += extremes_section(results)
    lines += lfw_section(results["lfw"])
    lines += card_section(results)
    lines += recommendation_section(results)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True, help="folder of face photographs (repeat for several)")
    parser.add_argument("--report", type=Path, required=True, help="Markdown report to write")
    parser.add_argument("--json", type=Path, required=True, help="JSON file of every figure to write")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="descriptor cache keyed by file SHA-256 (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes that describe images (default: the CPU count, %(default)s)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    results = run_calibration(args.data, args.cache, args.jobs)
    results["generated"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    results["command"] = " ".join(["python", *sys.argv])
    results["machine"] = machine_description()

    for path, text in ((args.json, json.dumps(results, indent=1)), (args.report, render_report(results) + "\n")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    log.info("wrote %s and %s in %.0f s", args.report, args.json, results["seconds"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
