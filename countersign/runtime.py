"""Wiring a branch: open the store, start the devices (or their simulators) and build sessions."""

import logging
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from countersign.config import BranchConfig
from countersign.demo_branch import load_simulated_card
from countersign.national_id_link import build_national_id_service
from countersign.scheduler import RetentionScheduler, start_retention_scheduler
from devices.camera import Camera, OpenCvCamera, RecordedCamera
from devices.camera_feed import RECORDED_FRAMES_PER_SECOND, CameraFeed
from devices.idcard.photo import NoWltDecoder, PhotoDecoder, SimulatedPhotoCodec
from devices.idcard.reader import IdCardReader
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.simulator import ReaderSimulator
from devices.idcard.vendor_sdk import VendorSdkReader, load_library
from devices.pty_pair import PtyPair
from kiosk.contracts.approval import load_approved_template
from kiosk.contracts.fonts import contract_fonts
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import ContractTimestamper
from kiosk.contracts.validation import load_trust_roots
from kiosk.errors import ConfigError
from kiosk.identity.documents import DocumentType
from kiosk.identity.face import FaceMatcher, FaceModel
from kiosk.identity.face.process import FaceModelProcess
from kiosk.identity.licence import ProbationPolicy
from kiosk.session import RentalSession, SessionServices
from kiosk.store.database import Database
from kiosk.store.biometrics import BiometricCipher
from kiosk.store.key_sources.rotation import load_branch_keys
from kiosk.store.quarantine import open_at_start
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)


def build_sealer(config: BranchConfig) -> ContractSealer:
    """Open the seal key of ``[signing]`` and attach the TSA, if one is configured.

    Raises a :class:`kiosk.contracts.signers.SealKeyError` subclass naming the file,
    module, token or label that failed, so a branch with an unusable key does not start.
    """
    timestamper = ContractTimestamper(config.tsa_url, config.tsa_timeout) if config.tsa_url else None
    try:
        trust_roots = load_trust_roots(list(config.trust_roots)) if timestamper else None
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot load a trust root certificate of [signing] trust_roots: {error}") from error
    return ContractSealer.open(config.seal_key, location=config.branch.city_zh, timestamper=timestamper, trust_roots=trust_roots)


class BranchRuntime:
    """Everything a branch runs, started together and stopped together.

    With a simulated reader, the GA 467 simulator serves the configured card on one end
    of a socat pty pair and the real serial driver reads the other end. ``camera_frames``
    replaces the configured recorded frames (the demo uses it to present an impostor).
    Without a ``face_model`` the runtime starts a :class:`FaceModelProcess`, so that
    face work never holds the window's interpreter lock, and stops it with the rest.
    """

    def __init__(self, config: BranchConfig, camera_frames: Path | None = None, face_model: FaceModel | FaceModelProcess | None = None) -> None:
        self.config = config
        self.camera_frames = camera_frames
        self.face_model = face_model
        self._face_process: FaceModelProcess | None = None
        self.simulator: ReaderSimulator | None = None
        self._pty: PtyPair | None = None
        self._run_dir: tempfile.TemporaryDirectory | None = None
        self.database: Database | None = None
        self.sealer: ContractSealer | None = None
        self.retention: RetentionScheduler | None = None
        self.sync = None  # countersign.sync_link.BranchSync when the branch has [hq]
        self.sync_listeners: list = []  # callables given each SyncReport, on the sync thread
        self.sync_progress_listeners: list = []  # callables given (stage, done, total), on the sync thread
        self.services: SessionServices | None = None

    def clock(self) -> datetime:
        return datetime.now(ZoneInfo(self.config.branch.timezone))

    def start(self) -> "BranchRuntime":
        config = self.config
        camera: CameraFeed | None = None
        try:
            # Both integrity checks run here; a damaged store is moved into quarantine.
            keys = load_branch_keys(config.store_path, config.store_key)
            self.database = open_at_start(config.store_path, keys.store)
            store = RentalStore(self.database, BiometricCipher(keys.biometric))
            reader, decoder = self._start_reader()
            camera = self._open_camera()
            model = self.face_model
            if model is None:
                self._face_process = FaceModelProcess()
                model = self._face_process
            template = load_approved_template(
                config.templates_dir, config.template_id, config.template_version, config.hq_template_key, memory=store
            )
            sealer = build_sealer(config)
            self.sealer = sealer
            # Loading the contract fonts takes a quarter of a second of pure Python, which
            # starves the window's thread of the interpreter lock. Here it happens before
            # the first customer, and a branch without a Chinese font does not start.
            contract_fonts()
        except BaseException:
            # The services that stop() closes do not exist yet, so the feed is stopped here.
            if camera is not None:
                camera.close()
            self.stop()
            raise

        self.services = SessionServices(
            branch=config.branch,
            reader=reader,
            photo_decoder=decoder,
            camera=camera,
            face_matcher=FaceMatcher(model, threshold=config.face_threshold),
            store=store,
            template=template,
            sealer=sealer,
            clock=self.clock,
            validity_margin_months={
                document_type: config.margin_months_resident if document_type.domestic else config.margin_months_other
                for document_type in DocumentType
            },
            minimum_age=config.minimum_age,
            probation_policy=ProbationPolicy(config.probation_policy),
            liveness_required=config.liveness,
            liveness_capture_seconds=config.liveness_capture_seconds,
            camera_mirrored=config.camera_mirrored,
            duplicate_face_threshold=config.duplicate_face_threshold,
            national_id=build_national_id_service(config),
        )
        self.retention = start_retention_scheduler(config, keys.store, lambda: self.clock())
        if config.hq is not None:
            from countersign.sync_link import BranchSync

            self.sync = BranchSync(config, keys, on_report=self._sync_reported, on_progress=self._sync_progressed).start()
        log.info("branch %s started", config.branch.branch_id)
        return self

    def _start_reader(self) -> tuple[IdCardReader, PhotoDecoder]:
        reader_config = self.config.reader
        if reader_config.kind == "vendor_sdk":
            assert reader_config.vendor_sdk is not None
            # Load the library now, so a wrong path or function name stops the start-up.
            load_library(reader_config.vendor_sdk)
            return VendorSdkReader(reader_config.vendor_sdk), NoWltDecoder()
        if reader_config.kind == "serial":
            # TODO: decode WLT photos through the reader vendor's library; until then a
            # real serial reader can only be used with simulated cards.
            raise ConfigError("reader.kind 'serial' needs a vendor WLT decoder, which is not supported yet")

        if reader_config.card is None:
            raise ConfigError("a simulated reader needs reader.card")
        codec = SimulatedPhotoCodec()
        card = load_simulated_card(reader_config.card, codec)
        self._run_dir = tempfile.TemporaryDirectory(prefix="countersign-pty-")
        self._pty = PtyPair(Path(self._run_dir.name)).start()
        self.simulator = ReaderSimulator(str(self._pty.simulator_path), reader_config.baudrate).start()
        self.simulator.present(card)
        # Fingerprints are never read: no check here uses them, and PIPL allows collecting
        # biometric data only where it is needed.
        reader = SerialIdCardReader(
            str(self._pty.device_path), reader_config.baudrate, with_appended_address=reader_config.read_appended_address
        )
        return reader, codec

    def _open_camera(self) -> CameraFeed:
        """Open the configured camera once and start the feed that the session and the preview share.

        Recorded frames and a video file are paced at RECORDED_FRAMES_PER_SECOND; a
        camera device delivers at its own rate.
        """
        camera_config = self.config.camera
        camera: Camera
        frames_per_second: float | None = RECORDED_FRAMES_PER_SECOND
        if self.camera_frames is not None:
            camera = RecordedCamera.from_folder(self.camera_frames)
        elif camera_config.kind == "recorded":
            if camera_config.frames is None:
                raise ConfigError("a recorded camera needs camera.frames")
            camera = RecordedCamera.from_folder(camera_config.frames)
        else:
            source = camera_config.device or camera_config.index
            camera = OpenCvCamera(source)
            if not (isinstance(source, str) and Path(source).is_file()):
                frames_per_second = None
        return CameraFeed(camera, frames_per_second=frames_per_second).start()

    def new_session(self) -> RentalSession:
        if self.services is None:
            raise RuntimeError("BranchRuntime.start() must run before new_session()")
        return RentalSession(self.services)

    def _sync_reported(self, report) -> None:
        """Pass a sync report to whoever listens (the clerk's status line); called on the sync thread."""
        for listener in list(self.sync_listeners):
            listener(report)

    def _sync_progressed(self, stage: str, done: int, total: int) -> None:
        for listener in list(self.sync_progress_listeners):
            listener(stage, done, total)

    def stop(self) -> None:
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        if self.retention is not None:
            self.retention.stop()
            self.retention = None
        if self.services is not None:
            self.services.reader.close()
            self.services.camera.close()
            if self.services.national_id is not None:
                self.services.national_id.close()
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self._pty is not None:
            self._pty.stop()
            self._pty = None
        if self._run_dir is not None:
            self._run_dir.cleanup()
            self._run_dir = None
        if self.database is not None:
            self.database.close()
            self.database = None
        if self.sealer is not None:
            self.sealer.close()
            self.sealer = None
        if self._face_process is not None:
            self._face_process.close()
            self._face_process = None

    def __enter__(self) -> "BranchRuntime":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
