"""Provisioning a demo branch: configuration, certificates, store, simulated card and camera.

The demo customer's card photo and live frames are real photographs of one person,
and the impostor frames show another, so face matching runs on real faces. The
photographs come from a folder the caller names (``make fixtures`` downloads them).
"""

import fcntl
import io
import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image

from countersign.config import CONFIG_NAME, BranchConfig, load_config
from countersign.demo_templates import provision_demo_templates
from countersign.files import write_atomically
from countersign.pki import make_demo_pki
from devices.idcard.simulator import SimulatedCard
from devices.idcard.photo import SimulatedPhotoCodec
from devices.idcard.text_block import ResidentTextFields, encode_resident_text
from kiosk.contracts.pricing import PriceList
from kiosk.errors import ConfigError, ImageUnreadable, NoFaceFound, SeveralFacesFound
from kiosk.identity.face import FaceMatcher, FaceModel
from kiosk.identity.images import decode_image
from kiosk.identity.licence import DrivingLicence
from kiosk.rental import Branch, Reservation, Vehicle
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.key_sources.wrapped_file import write_passphrase_file
from kiosk.store.rentals import RentalStore
from resources import DEMO_DIR

log = logging.getLogger(__name__)

CARD_PHOTO_SIZE = (102, 126)  # width × height of the photo stored on a resident ID card chip
CUSTOMER_FRAMES = "camera/customer"
IMPOSTOR_FRAMES = "camera/impostor"


def demo_data() -> dict:
    return json.loads((DEMO_DIR / "demo-branch.json").read_text(encoding="utf-8"))


def make_card_photo(image_file: bytes, model: FaceModel) -> bytes:
    """Crop a photograph around its one face to the card's 102×126 portrait, as PNG."""
    rgb = decode_image(image_file)
    face = FaceMatcher(model).describe_single(rgb).box
    centre_x = (face.left + face.right) / 2
    centre_y = (face.top + face.bottom) / 2 + 0.05 * face.width
    width = face.width * 1.6
    height = width * CARD_PHOTO_SIZE[1] / CARD_PHOTO_SIZE[0]
    box = (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2), round(centre_y + height / 2))
    portrait = Image.fromarray(rgb).crop(box).resize(CARD_PHOTO_SIZE, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    portrait.save(output, format="PNG")
    return output.getvalue()


CAMERA_FRAME_SIZE = (640, 480)
# Share of the frame's width the face box takes, about what a kiosk camera at arm's
# length sees; the live quality gate wants the eyes well apart in pixels.
CAMERA_FACE_FRACTION = 0.4


def make_camera_frame(image_file: bytes, model: FaceModel) -> bytes:
    """Cut a 640×480 frame around a photograph's one face, as a kiosk camera frames it, as JPEG."""
    rgb = decode_image(image_file)
    face = FaceMatcher(model).describe_single(rgb).box
    width = face.width / CAMERA_FACE_FRACTION
    height = width * CAMERA_FRAME_SIZE[1] / CAMERA_FRAME_SIZE[0]
    centre_x = (face.left + face.right) / 2
    centre_y = (face.top + face.bottom) / 2
    box = (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2), round(centre_y + height / 2))
    frame = Image.fromarray(rgb).crop(box).resize(CAMERA_FRAME_SIZE, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    frame.save(output, format="JPEG", quality=92)
    return output.getvalue()


def load_simulated_card(card_file: Path, codec: SimulatedPhotoCodec) -> SimulatedCard:
    """Build the chip contents of a simulated card from its JSON file and photo.

    Raises :class:`ConfigError` naming the file when either is missing or malformed.
    """
    try:
        document = json.loads(card_file.read_text(encoding="utf-8"))
        photo_file = card_file.parent / document["photo"]
        photo = photo_file.read_bytes()
        text = encode_resident_text(ResidentTextFields(**document["fields"]))
    except OSError as error:
        raise ConfigError(f"simulated card {card_file}: cannot read {error.filename}: {error.strerror}") from error
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"simulated card {card_file} is malformed: {error}") from error
    return SimulatedCard(text=text, photo=codec.register(photo))


def _write_config(home: Path) -> None:
    text = """\
# CounterSign demo branch. Paths are relative to this folder.
[branch]
profile = "branch.json"

[store]
path = "store/countersign.db"
# The store and biometric keys, wrapped under a passphrase (docs/store-keys.md). A kiosk
# with a TPM uses key_source = "tpm"; a desktop may use "keyring".
key_source = "wrapped_file"
wrapped_key_file = "keys/store.keys"
passphrase_file = "keys/store.pass"

[signing]
kind = "pkcs12"
pkcs12 = "pki/company-seal.p12"
passphrase_file = "keys/company-seal.pass"
trust_roots = ["pki/demo-root-ca.pem"]

[reader]
# "simulated", "serial" or "vendor_sdk" (see docs/vendor-sdk-readers.md).
kind = "simulated"
baudrate = 115200
card = "cards/demo-customer.json"
# Set to true to also read the address endorsed on the card after issue (command 30 03).
read_appended_address = false

[camera]
kind = "recorded"
frames = "camera/customer"

[contract]
template_id = "rental-agreement"
template_version = "1"
# Approved template versions, and headquarters' public key that verifies each approval.
templates_dir = "templates"
hq_template_key = "pki/hq-template-key.pub.pem"

[face]
# Largest descriptor distance that counts as a match; docs/face-calibration.md explains 0.48.
threshold = 0.48
# The demo camera replays still photographs, which no liveness check should pass, so the
# demo switches liveness off. A real branch keeps the default, true (docs/liveness.md).
liveness = false
capture_seconds = 4.0
camera_mirrored = false
# A stored face closer than this under another identity is shown to the clerk.
duplicate_threshold = 0.45

[documents]
# Months a document must stay valid after the return date.
margin_months_resident = 1
margin_months_other = 2
minimum_age = 18

[licence]
# A licence in its probationary year: "allow" (noted), "review" (a clerk decides) or "refuse".
probation_policy = "allow"
"""
    write_atomically(home / CONFIG_NAME, text.encode("utf-8"), mode=0o644)


@dataclass(frozen=True)
class DemoFaces:
    card_photo: Path
    customer_frames: list[Path]
    impostor_frames: list[Path]


def find_demo_faces(faces_dir: Path) -> DemoFaces:
    """Locate the demo photographs in ``faces_dir``; raises :class:`ConfigError` naming the missing file."""
    names = demo_data()["faces"]
    faces = DemoFaces(
        card_photo=faces_dir / names["card_photo"],
        customer_frames=[faces_dir / name for name in names["customer_frames"]],
        impostor_frames=[faces_dir / name for name in names["impostor_frames"]],
    )
    for path in [faces.card_photo, *faces.customer_frames, *faces.impostor_frames]:
        if not path.is_file():
            raise ConfigError(
                f"demo photograph {path} not found; run 'make fixtures' or pass --faces with the folder "
                "of face_recognition 1.3.0's tests/test_images"
            )
    return faces


def provision_demo_branch(home: Path, faces_dir: Path, model: FaceModel | None = None) -> BranchConfig:
    """Create a complete demo branch in ``home``; refuses when one exists already.

    The branch is built in a private folder next to ``home`` and moved in when complete,
    with ``branch.toml`` last, so a failed attempt leaves nothing behind and can simply
    be run again. A lock file lets two processes provisioning the same home at once
    wait for each other; the second then finds the branch and refuses.
    """
    faces = find_demo_faces(faces_dir)
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".provisioning.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / CONFIG_NAME).exists():
            raise ConfigError(f"{home} already contains a branch configuration")
        staging = Path(tempfile.mkdtemp(prefix=f".{home.name}.provisioning-", dir=home.parent))
        try:
            _build_demo_branch(staging, faces, model or FaceModel())
            for entry in sorted(staging.iterdir(), key=lambda path: path.name == CONFIG_NAME):
                target = home / entry.name
                if target.exists():
                    raise ConfigError(f"{target} already exists; move it away before provisioning a demo branch")
                os.rename(entry, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("demo branch provisioned in %s", home)
    return load_config(home)


def _build_demo_branch(home: Path, faces: DemoFaces, model: FaceModel) -> None:
    data = demo_data()
    branch = Branch(**data["branch"])
    # Folders of keys, customer data and contracts are private, public files in them too.
    for folder in ("keys", "pki", "cards", "store", "contracts"):
        (home / folder).mkdir(mode=0o700)
    write_atomically(home / "branch.json", json.dumps(data["branch"], ensure_ascii=False, indent=2).encode(), mode=0o644)
    make_demo_pki(home / "pki", home / "keys", branch)
    provision_demo_templates(home)
    # NOTE: the demo keeps the passphrase in a 0600 file next to the wrapped keys, so it
    # starts without a prompt; a real branch sets it at provisioning (docs/store-keys.md).
    write_passphrase_file(home / "keys" / "store.pass", secrets.token_urlsafe(24))

    try:
        card_photo = make_card_photo(faces.card_photo.read_bytes(), model)
    except (NoFaceFound, SeveralFacesFound, ImageUnreadable) as error:
        raise ConfigError(f"demo photograph {faces.card_photo} cannot be the card photo: {error}") from error
    write_atomically(home / "cards" / "demo-customer.png", card_photo)
    card = {"fields": data["customer"]["card"], "photo": "demo-customer.png"}
    write_atomically(home / "cards" / "demo-customer.json", json.dumps(card, ensure_ascii=False, indent=2).encode())

    for folder, frames in ((CUSTOMER_FRAMES, faces.customer_frames), (IMPOSTOR_FRAMES, faces.impostor_frames)):
        (home / folder).mkdir(parents=True, exist_ok=True)
        for index, frame in enumerate(frames):
            try:
                camera_frame = make_camera_frame(frame.read_bytes(), model)
            except (NoFaceFound, SeveralFacesFound, ImageUnreadable) as error:
                raise ConfigError(f"demo photograph {frame} cannot be a camera frame: {error}") from error
            write_atomically(home / folder / f"{index:03d}.jpg", camera_frame, mode=0o644)

    _write_config(home)
    config = load_config(home)
    config.store_key.create()
    keyed = open_keyed_store(config.store_path, config.store_key, create=True)
    database = keyed.database
    try:
        store = RentalStore(database, keyed.biometrics)
        for vehicle in data["vehicles"]:
            store.put_vehicle(Vehicle(**vehicle))
        store.put_price_list(PriceList.from_json(data["price_list"]))
    finally:
        database.close()


def seed_demo_reservation(store: RentalStore, now: datetime) -> Reservation:
    """Book the demo customer's car from ``now`` (to the minute) for the configured days."""
    data = demo_data()
    customer = data["customer"]
    vehicle = next(Vehicle(**v) for v in data["vehicles"] if v["vehicle_id"] == customer["vehicle_id"])
    licence_data = customer["licence"]
    pickup = now.replace(second=0, microsecond=0)
    reservation = Reservation(
        reservation_no=f"R{now:%Y%m%d%H%M%S%f}",
        customer_name=customer["card"]["name"],
        document_number=customer["card"]["number"],
        phone=customer["phone"],
        vehicle=vehicle,
        pickup_at=pickup,
        return_at=pickup + timedelta(days=int(customer["rental_days"])),
        licence=DrivingLicence(
            number=customer["card"]["number"],
            name=customer["card"]["name"],
            licence_class=licence_data["licence_class"],
            first_issue_date=date.fromisoformat(licence_data["first_issue_date"]),
            valid_from=date.fromisoformat(licence_data["valid_from"]),
            valid_to=date.fromisoformat(licence_data["valid_to"]) if licence_data["valid_to"] else None,
        ),
        price_list_version=data["price_list"]["version"],
    )
    store.supersede_open_reservations(reservation.document_number)
    store.put_reservation(reservation)
    return reservation
