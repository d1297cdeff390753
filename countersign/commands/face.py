"""``countersign face check`` and ``countersign face compare``: the kiosk's face pipeline on image files.

Both run the same decoding, detection, quality gate and descriptor as the kiosk, so IT
can see why a photo is refused and how far apart two faces are.
"""

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.errors import ConfigError, ImageTooLarge, ImageUnreadable
from kiosk.identity.face import DEFAULT_THRESHOLD, MAX_THRESHOLD, FaceMatcher, FaceModel, FaceSource
from kiosk.identity.face.pipeline import FaceExamination, FacePipeline, FaceStatus
from kiosk.identity.images import decode_still
from kiosk.messages import Message

log = logging.getLogger("countersign.commands.face")

# Files larger than this are not read at all. A 24 MP JPEG from a camera is under 20 MB.
MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024

# A pairs file of this size lists hundreds of thousands of pairs, far more than one run needs.
MAX_PAIRS_FILE_BYTES = 16 * 1024 * 1024

_CANNOT_OPEN = Message("无法打开图像文件，请检查路径。", "The image file cannot be opened. Check the path.")
_PAIRS_UNREADABLE = Message("无法读取图像对列表。", "The list of image pairs could not be read.")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``face check`` and ``face compare`` to the ``countersign`` parser."""
    face = commands.add_parser("face", parents=[common], help="check face photos and compare two faces as the kiosk does")
    actions = face.add_subparsers(dest="face_command", required=True)

    check = actions.add_parser(
        "check",
        parents=[common],
        help="find the faces in an image and run the quality gate",
        description="Exit status: 0 when the image has one face that passes the quality gate, 1 when it does not.",
    )
    check.add_argument("image", type=Path, help="a JPEG, PNG or other image file")
    check.add_argument("--document", action="store_true", help="check the image as a document photo (card or passport), not a camera picture")
    check.set_defaults(handler=command_face_check)

    compare = actions.add_parser(
        "compare",
        parents=[common],
        help="compare the faces of two images, or of every pair in a list",
        description=(
            "Exit status: 0 when the faces match (every pair, with --pairs), 1 when they do not or an image has "
            "no usable face, 2 on a usage error or an unreadable --pairs file."
        ),
    )
    compare.add_argument("images", type=Path, nargs="*", metavar="IMAGE", help="the two images to compare (IMAGE_A IMAGE_B)")
    compare.add_argument(
        "--pairs",
        metavar="FILE",
        help="a text file with one pair of image paths a line, separated by a tab; relative paths are relative to the file's folder; - reads standard input",
    )
    compare.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"largest descriptor distance that still counts as a match, in (0, {MAX_THRESHOLD}] (default: %(default)s)",
    )
    compare.add_argument(
        "--first-is-document",
        action="store_true",
        help="treat IMAGE_A (and the first path of each pair) as a document photo, as the kiosk treats the card photo",
    )
    compare.set_defaults(handler=command_face_compare)


@dataclass(frozen=True)
class CheckedImage:
    """One image file through the pipeline: its examination, or why it could not be decoded."""

    path: Path
    examination: FaceExamination | None
    unreadable: Message | None = None
    rgb: np.ndarray | None = None

    def to_json(self) -> dict:
        """Return the ``face check`` object: status, faces, reasons ({"zh", "en"}), codes, width, height."""
        if self.examination is None:
            assert self.unreadable is not None
            return {"status": "unreadable", "faces": 0, "reasons": [self.unreadable.to_json()], "codes": ["unreadable"], "width": None, "height": None}
        examination = self.examination
        if examination.quality is not None and examination.quality.issues:
            codes = [issue.problem.value for issue in examination.quality.issues]
        else:
            codes = [] if examination.status is FaceStatus.OK else [examination.status.value]
        return {
            "status": examination.status.value,
            "faces": examination.faces,
            "reasons": [reason.to_json() for reason in examination.reasons],
            "codes": codes,
            "width": examination.width,
            "height": examination.height,
        }

    @property
    def usable(self) -> bool:
        return self.examination is not None and self.examination.status is FaceStatus.OK


def check_image(pipeline: FacePipeline, path: Path, source: FaceSource) -> CheckedImage:
    """Read, decode and examine one image file; a missing, unreadable or undecodable file gives an unreadable result."""
    try:
        with path.open("rb") as image_file:
            data = image_file.read(MAX_IMAGE_FILE_BYTES + 1)
    except OSError as error:
        log.info("face: cannot read %s: %s", path, error.strerror)
        return CheckedImage(path, None, _CANNOT_OPEN)
    if len(data) > MAX_IMAGE_FILE_BYTES:
        log.info("face: %s is over %d bytes", path, MAX_IMAGE_FILE_BYTES)
        return CheckedImage(path, None, ImageTooLarge.message)

    try:
        decoded = decode_still(data)
    except ImageUnreadable as error:
        log.info("face: %s: %s", path, error)
        return CheckedImage(path, None, error.message)

    examination = pipeline.examine_still(decoded.rgb, source)
    log.info("face: %s: %s, %d face(s), %dx%d", path, examination.status.value, examination.faces, examination.width, examination.height)
    return CheckedImage(path, examination, rgb=decoded.rgb)


def command_face_check(args: argparse.Namespace) -> int:
    pipeline = FacePipeline(FaceModel())
    checked = check_image(pipeline, args.image, FaceSource.DOCUMENT if args.document else FaceSource.LIVE)
    payload = checked.to_json()

    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        size = f"{payload['width']}x{payload['height']}" if payload["width"] else "size unknown"
        print(f"{payload['status']}: {payload['faces']} face(s), {size}")
        for code, reason in zip(payload["codes"], checked.examination.reasons if checked.examination else [checked.unreadable]):
            print(f"  {code}: {reason.bilingual()}")
    return 0 if checked.usable else 1


def command_face_compare(args: argparse.Namespace) -> int:
    try:
        matcher = FaceMatcher(FaceModel(), threshold=args.threshold)
    except ValueError as error:
        raise ConfigError(f"invalid --threshold: {error}") from error

    if args.pairs is not None:
        if args.images:
            raise ConfigError("give either two images or --pairs FILE, not both")
        return _compare_pairs(matcher, read_pairs(args.pairs), args.first_is_document)
    if len(args.images) != 2:
        raise ConfigError(f"face compare needs two images (IMAGE_A IMAGE_B) or --pairs FILE; {len(args.images)} given")

    result = compare_images(matcher, args.images[0], args.images[1], args.first_is_document)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif "match" in result:
        verdict = "match" if result["match"] else "no match"
        print(f"{verdict}: distance {result['distance']:.3f}, threshold {result['threshold']:.3f}")
    else:
        print(f"{result['image']}: {result['status']}: " + "; ".join(reason["en"] for reason in result["reasons"]))
    return 0 if result.get("match") else 1


def compare_images(matcher: FaceMatcher, path_a: Path, path_b: Path, first_is_document: bool) -> dict:
    """Return ``{"match", "distance", "threshold"}``, or the check object (with ``image``) of the first image without a usable face."""
    pipeline = FacePipeline(matcher.model)
    descriptors = []
    for path, source in ((path_a, FaceSource.DOCUMENT if first_is_document else FaceSource.LIVE), (path_b, FaceSource.LIVE)):
        checked = check_image(pipeline, path, source)
        if not checked.usable:
            return {"image": str(path), **checked.to_json()}
        assert checked.examination is not None
        descriptors.append(pipeline.describe(checked.rgb, checked.examination))

    result = matcher.compare(descriptors[0], descriptors[1])
    log.info("face compare %s %s: distance %.3f, %s", path_a, path_b, result.distance, "match" if result.is_match else "no match")
    return {"match": result.is_match, "distance": round(result.distance, 4), "threshold": result.threshold}


def read_pairs(name: str) -> list[tuple[Path, Path]]:
    """Read a tab-separated list of image pairs; raises :class:`ConfigError` naming the line that is not a pair.

    Blank lines and lines starting with ``#`` are skipped. Relative paths are taken
    relative to the list's folder, or to the working folder for standard input (``-``).
    """
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_PAIRS_FILE_BYTES + 1)
            base = Path.cwd()
        else:
            with Path(name).open("rb") as pairs_file:
                data = pairs_file.read(MAX_PAIRS_FILE_BYTES + 1)
            base = Path(name).parent
    except OSError as error:
        raise ConfigError(f"cannot read {name}: {error.strerror}", _PAIRS_UNREADABLE) from error
    if len(data) > MAX_PAIRS_FILE_BYTES:
        raise ConfigError(f"{name} is over {MAX_PAIRS_FILE_BYTES} bytes", _PAIRS_UNREADABLE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name} is not UTF-8 text: {error.reason} at byte {error.start}", _PAIRS_UNREADABLE) from error

    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise ConfigError(f"{name} line {number}: expected two image paths separated by one tab, found {len(fields)} field(s)", _PAIRS_UNREADABLE)
        pairs.append((base / fields[0].strip(), base / fields[1].strip()))
    return pairs


def _compare_pairs(matcher: FaceMatcher, pairs: list[tuple[Path, Path]], first_is_document: bool) -> int:
    all_matched = True
    for path_a, path_b in pairs:
        result = compare_images(matcher, path_a, path_b, first_is_document)
        all_matched = all_matched and bool(result.get("match"))
        print(json.dumps(result, ensure_ascii=False), flush=True)
    log.info("face compare: %d pair(s), %s", len(pairs), "all matched" if all_matched else "not all matched")
    return 0 if all_matched else 1
