"""Training mode of the counter terminal: a throwaway demo branch with demo customers and accounts.

The training branch is provisioned in a temporary folder that :meth:`TrainingBranch.close`
deletes, so training never writes to a branch's store. Its reader, camera and store
are the demo branch's simulators. Before each session the chosen demo customer's card
is put on the simulated reader, their reservation is booked and the camera replays
their frames.
"""

import enum
import json
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import cv2

from countersign.config import BranchConfig
from countersign.demo_branch import CUSTOMER_FRAMES, IMPOSTOR_FRAMES, load_simulated_card, provision_demo_branch, seed_demo_reservation
from countersign.files import write_atomically
from countersign.runtime import BranchRuntime
from devices.camera import RecordedCamera
from devices.camera_feed import RECORDED_FRAMES_PER_SECOND, CameraFeed
from devices.idcard.photo import SimulatedPhotoCodec
from devices.print_attack import HandMotion, held_print_frames, print_on_paper
from kiosk.errors import ConfigError
from kiosk.identity.face import FaceModel
from kiosk.messages import Message
from kiosk.session import RentalSession, SessionServices
from kiosk.store.accounts import AccountStore, Role
from kiosk.store.sync_store import StoreSyncAdapter
from sync.protocol import ReferenceChange

log = logging.getLogger(__name__)

EXPIRING_CARD = "cards/expiring-customer.json"
# The expiring card ends this many days after today, inside the rental's one-month margin.
EXPIRING_DAYS = 10
# The blacklist entry of the blacklisted demo customer, as HQ would send it, keyed apart from real entries.
BLACKLIST_DATASET = "blacklist"
TRAINING_BLACKLIST_KEY = "BL-TRAIN"
TRAINING_BLACKLIST_SOURCE = "培训 / training"

# The photo customer's frames: a print of the demo customer's first camera frame, held up
# and moved by a hand. The motion loops every PHOTO_ATTACK_SECONDS, so the recorded camera
# replays it without a jump, and a liveness capture of that length contains every motion.
PHOTO_ATTACK_FRAMES = "camera/photo-attack"
PHOTO_ATTACK_SECONDS = 4.0
# 15 frames a second keeps the loop at 60 frames, about 55 MB once the recorded camera
# has decoded and kept them all.
PHOTO_ATTACK_FRAMES_PER_SECOND = 15.0
PHOTO_ATTACK_SEED = 7


@dataclass(frozen=True)
class TrainingAccount:
    """A training sign-in, shown on the training login screen; it exists only in the throwaway store."""

    account_id: str
    display_name: str
    role: Role
    pin: str


TRAINING_ACCOUNTS = (
    TrainingAccount("training.clerk", "培训柜员 Training clerk", Role.CLERK, "246810"),
    TrainingAccount("training.supervisor", "培训主管 Training supervisor", Role.SUPERVISOR, "975310"),
)
_TRAINING_IT = TrainingAccount("training.it", "培训 IT Training IT", Role.BRANCH_IT, "864200")


class DemoCustomer(enum.Enum):
    """The demo customers of training mode, each showing one outcome of the checks.

    The blacklisted customer is the card holder with a blacklist entry on their card
    number, which the risk step refuses offline; the entry exists only while that
    customer's session is prepared. The photo customer is the card holder's printed
    photo moved in front of the camera, with liveness required. Each liveness attempt
    fails because the face moves as a plane, and after the last allowed attempt the
    session goes to clerk review.
    """

    MATCH = "match"
    MISMATCH = "mismatch"
    EXPIRING = "expiring"
    PHOTO = "photo"
    BLACKLISTED = "blacklisted"

    @property
    def label(self) -> Message:
        from kiosk.ui import strings  # the catalogue needs Qt, which only the counter terminal loads

        return strings.message(f"counter.training.customer.{self.value}")


class TrainingBranch:
    """A demo branch in a temporary folder, with training accounts and demo customers.

    Call :meth:`provision` once before the runtime starts and :meth:`close` after it
    stopped. :meth:`prepare` runs on the runtime's worker thread.
    """

    def __init__(self, faces_dir: Path, model: FaceModel | None = None) -> None:
        self.faces_dir = faces_dir
        self.model = model
        self._folder = tempfile.TemporaryDirectory(prefix="countersign-training-")
        self.config: BranchConfig | None = None
        self._base_services: SessionServices | None = None
        self._feeds: dict[str, CameraFeed] = {}

    @property
    def home(self) -> Path:
        return Path(self._folder.name) / "branch"

    def provision(self) -> BranchConfig:
        """Provision the throwaway branch, with the photo customer's frames, and return its configuration."""
        self.config = provision_demo_branch(self.home, self.faces_dir, self.model)
        self._write_photo_attack_frames()
        log.info("training branch provisioned in %s", self.home)
        return self.config

    def _write_photo_attack_frames(self) -> None:
        """Write the frames of the demo customer's printed photo, held up and moved, as JPEG files.

        Raises :class:`ConfigError` when the customer's first camera frame is missing or cannot be decoded.
        """
        sources = sorted((self.home / CUSTOMER_FRAMES).glob("*.jpg"))
        if not sources:
            raise ConfigError(f"no demo camera frame (.jpg) found in {self.home / CUSTOMER_FRAMES}")
        source = sources[0]
        photo = cv2.imread(str(source), cv2.IMREAD_COLOR)
        if photo is None:
            raise ConfigError(f"demo camera frame {source} cannot be decoded")

        motion = HandMotion().looped(PHOTO_ATTACK_SECONDS)
        frames = held_print_frames(print_on_paper(photo), PHOTO_ATTACK_SECONDS, PHOTO_ATTACK_FRAMES_PER_SECOND, PHOTO_ATTACK_SEED, motion)
        for index, frame in enumerate(frames):
            encoded, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
            assert encoded, "OpenCV failed to encode a frame as JPEG"
            write_atomically(self.home / PHOTO_ATTACK_FRAMES / f"{index:03d}.jpg", jpeg.tobytes(), mode=0o644)
        log.info("training: %d photo-attack frames written from %s", len(frames), source.name)

    def create_accounts(self, accounts: AccountStore, at: datetime) -> None:
        """Add the training accounts to the throwaway store, once; must run on the store's thread."""
        if accounts.has_accounts():
            return
        it = _TRAINING_IT
        accounts.add_account(None, it.account_id, it.display_name, it.role, it.pin, at)
        actor = accounts.authenticate(it.account_id, it.pin, at)
        for account in TRAINING_ACCOUNTS:
            accounts.add_account(actor, account.account_id, account.display_name, account.role, account.pin, at)

    def prepare(self, runtime: BranchRuntime, customer: DemoCustomer) -> RentalSession:
        """Set the simulators up for ``customer``, book their car and return a new session; runs on the worker."""
        assert runtime.services is not None and runtime.simulator is not None
        if self._base_services is None:
            self._base_services = runtime.services
        base = self._base_services
        codec = base.photo_decoder
        assert isinstance(codec, SimulatedPhotoCodec)

        card_file = self.home / (EXPIRING_CARD if customer is DemoCustomer.EXPIRING else "cards/demo-customer.json")
        if customer is DemoCustomer.EXPIRING:
            self._write_expiring_card(runtime.clock())
        runtime.simulator.present(load_simulated_card(card_file, codec))
        blacklisted = customer is DemoCustomer.BLACKLISTED
        self._set_blacklist(base, self._card_number(card_file) if blacklisted else None)

        frames = {DemoCustomer.MISMATCH: IMPOSTOR_FRAMES, DemoCustomer.PHOTO: PHOTO_ATTACK_FRAMES}.get(customer, CUSTOMER_FRAMES)
        runtime.services = replace(
            base,
            camera=self._feed(frames) if frames != CUSTOMER_FRAMES else base.camera,
            liveness_required=customer is DemoCustomer.PHOTO,
        )
        reservation = seed_demo_reservation(runtime.services.store, runtime.clock())
        log.info("training: demo customer %s, reservation %s", customer.value, reservation.reservation_no)
        return runtime.new_session()

    @staticmethod
    def _card_number(card_file: Path) -> str:
        return json.loads(card_file.read_text(encoding="utf-8"))["fields"]["number"]

    @staticmethod
    def _set_blacklist(services: SessionServices, document_number: str | None) -> None:
        """Put the training blacklist entry on ``document_number``, or remove it when ``None``; runs on the store's thread."""
        value = None
        if document_number is not None:
            from kiosk.ui import strings

            reason = strings.message("counter.training.blacklist_reason")
            value = {
                "document_number": document_number,
                "reason": {"zh": reason.zh, "en": reason.en},
                "source": TRAINING_BLACKLIST_SOURCE,
                "starts_on": "2026-01-01",
                "expires_on": None,
            }
        change = ReferenceChange(key=TRAINING_BLACKLIST_KEY, cursor=1, value=value)
        StoreSyncAdapter(services.store).apply_reference_changes(BLACKLIST_DATASET, [change], 1)

    def _feed(self, frames: str) -> CameraFeed:
        if frames not in self._feeds:
            camera = RecordedCamera.from_folder(self.home / frames)
            rate = PHOTO_ATTACK_FRAMES_PER_SECOND if frames == PHOTO_ATTACK_FRAMES else RECORDED_FRAMES_PER_SECOND
            self._feeds[frames] = CameraFeed(camera, frames_per_second=rate).start()
        return self._feeds[frames]

    def _write_expiring_card(self, now: datetime) -> None:
        document = json.loads((self.home / "cards" / "demo-customer.json").read_text(encoding="utf-8"))
        valid_to = now.date() + timedelta(days=EXPIRING_DAYS)
        document["fields"] = dict(document["fields"], valid_from=f"{valid_to.year - 20}0520", valid_to=f"{valid_to:%Y%m%d}")
        (self.home / EXPIRING_CARD).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    def restore(self, runtime: BranchRuntime) -> None:
        """Give the runtime back its own services, so that its stop closes its own camera; runs on the worker."""
        if self._base_services is not None:
            runtime.services = self._base_services

    def close(self) -> None:
        """Stop the extra camera feeds and delete the training branch with its store."""
        for feed in self._feeds.values():
            feed.close()
        self._feeds.clear()
        self._folder.cleanup()
