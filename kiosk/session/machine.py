"""The rental session state machine.

welcome → consent → document → licence → face → verification → contract → sign → done,
with exits to "refused, with a reason", "clerk review" and "cancelled". Each step is a
method that checks it is called in its stage, does the work through
:class:`SessionServices`, appends a :class:`StageRecord` and moves the state. Bad input,
a failing device or an unexpected exception never propagates out of a step. The step
records the outcome instead (``retry`` keeps the stage) and returns the record. The one
exception is :class:`SessionStateError` for a step called in the wrong stage. Steps
block, so front ends call them off the UI thread, one at a time.
"""

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from devices import errors as device_errors
from devices.signature_pad import Signature
from kiosk.checks import Check, Outcome
from kiosk.contracts.check import ContractCheckResult, check_contract
from kiosk.contracts.drafting import ContractDraft, ContractSources, draft_contract
from kiosk.contracts.pricing import PriceList, make_quote
from kiosk.contracts.render import Acknowledgement, render_contract
from kiosk.contracts.signature_image import check_signature, render_signature_png
from kiosk.errors import (
    CounterSignError,
    DocumentUnreadable,
    ImageUnreadable,
    NoFaceFound,
    SessionStateError,
    SeveralFacesFound,
    SignatureRejected,
    UnknownDocumentType,
    user_message,
)
from kiosk.identity.documents import Identity
from kiosk.identity.face import FaceDescriptor, FaceSource
from kiosk.identity.face_search import search_duplicates
from kiosk.identity.images import bgr_to_rgb, decode_image
from kiosk.identity.licence import (
    check_licence_class,
    check_licence_holder,
    check_licence_probation,
    check_licence_validity,
)
from kiosk.identity.national_id import check_national_id
from kiosk.identity.liveness import Challenge, LiveFrame, LivenessAttempts, assess_liveness, choose_challenge
from kiosk.identity.cards import parse_card
from kiosk.identity.verification import (
    Decision,
    VerificationResult,
    check_document_number,
    check_customer_age,
    check_document_validity,
    check_face_match,
)
from kiosk.messages import Message
from kiosk.rental import Reservation
from kiosk.session.services import SessionServices
from kiosk.risk.decision import DecisionRecord
from kiosk.session.risk_step import assess_risk, risk_check
from kiosk.session.stages import TERMINAL_STAGES, Stage, StageRecord
from kiosk.session.consent import FACE_CONSENT_VERSION, ID_CONSENT_VERSION
from kiosk.store.clock_check import ClockImplausible, check_clock
from kiosk.store.evidence import ContractReading
from kiosk.store.rentals import Consent, StoredContract

log = logging.getLogger(__name__)

# Reading can fail for a moment (the card moved, the line was noisy). A card's content
# does not change on a second read, so content that cannot be understood goes to a clerk.
_RETRYABLE_CARD_ERRORS = (device_errors.ReaderError, device_errors.PhotoDecodeError)
_CARD_NOT_UNDERSTOOD = Message(
    "本机无法识别此证件的内容，请到柜台由工作人员为您办理。",
    "This card's contents cannot be understood here. Please go to the counter, where staff can help you.",
)
_RETRYABLE_FACE_ERRORS = (ImageUnreadable, NoFaceFound, SeveralFacesFound)
_LIVENESS_OFF = Message("本终端未启用活体检测。", "The liveness check is switched off on this terminal.")


@dataclass(frozen=True)
class SignedContract:
    contract_no: str
    pdf: bytes
    pdf_sha256: str


class RentalSession:
    """One customer's rental, from welcome to a signed contract or a reasoned exit."""

    def __init__(self, services: SessionServices, session_id: str | None = None) -> None:
        self.services = services
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.stage = Stage.WELCOME
        self.records: list[StageRecord] = []
        self.identity: Identity | None = None
        self.reservation: Reservation | None = None
        self.checks: list[Check] = []
        self.verification: VerificationResult | None = None
        self.verification_id = uuid.uuid4().hex
        self.risk_record: DecisionRecord | None = None  # the risk layer's decision, kept with the verification
        self.draft: ContractDraft | None = None
        self.contract_check: ContractCheckResult | None = None
        self.acknowledgements: list[Acknowledgement] = []
        self.reading = ContractReading()
        self.signed: SignedContract | None = None
        self.consent: Consent | None = None
        self.challenge: Challenge | None = None
        self.liveness_attempts = LivenessAttempts()
        self._live_face: FaceDescriptor | None = None
        self._price_list: PriceList | None = None
        self._sources: ContractSources | None = None

    # Bookkeeping ---------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.stage in TERMINAL_STAGES

    @property
    def decision(self) -> str:
        """Return "approved", "refused", "clerk_review", "cancelled" or "in_progress"."""
        return {
            Stage.DONE: "approved",
            Stage.REFUSED: "refused",
            Stage.CLERK_REVIEW: "clerk_review",
            Stage.CANCELLED: "cancelled",
        }.get(self.stage, "in_progress")

    @property
    def last_record(self) -> StageRecord | None:
        return self.records[-1] if self.records else None

    def _require(self, stage: Stage) -> None:
        if self.stage is not stage:
            raise SessionStateError(f"step for {stage.value} called in stage {self.stage.value}")

    def _record(self, outcome: Outcome, reason: Message, next_stage: Stage | None = None) -> StageRecord:
        record = StageRecord(self.stage, outcome, reason, self.services.clock())
        self.records.append(record)
        log.info(
            "session %s: %s %s -> %s: %s",
            self.session_id,
            record.stage.value,
            outcome.value,
            (next_stage or self.stage).value,
            reason.en,
        )
        if next_stage is not None:
            self.stage = next_stage
        return record

    def _unexpected(self, error: Exception) -> StageRecord:
        log.exception("session %s: unexpected error in stage %s", self.session_id, self.stage.value)
        return self._record(Outcome.REVIEW, user_message(error), Stage.CLERK_REVIEW)

    def _store_verification(self, result: VerificationResult) -> None:
        self.verification = result
        self.services.store.record_verification(
            self.verification_id,
            self.session_id,
            self.services.branch.branch_id,
            self.identity,
            self.reservation,
            result,
            self.services.clock(),
            consent=self.consent,
            risk=self.risk_record.to_json() if self.risk_record else None,
        )

    def _refuse(self, check: Check) -> StageRecord:
        """Store the failed checks so far as a refused verification and leave the session."""
        self.checks.append(check)
        self._store_verification(VerificationResult(tuple(self.checks)))
        return self._record(Outcome.FAIL, check.reason, Stage.REFUSED)

    # Steps ---------------------------------------------------------------------

    def start(self) -> StageRecord:
        self._require(Stage.WELCOME)
        return self._record(Outcome.PASS, Message("欢迎使用自助租车。", "Welcome to self-service rental."), Stage.CONSENT)

    def give_consent(
        self,
        id_processing: bool,
        face_processing: bool,
        id_version: str = ID_CONSENT_VERSION,
        face_version: str = FACE_CONSENT_VERSION,
    ) -> StageRecord:
        """Record the answers to the ID-processing and face-processing consents, shown as the given text versions.

        Both answers are stored with a verification record. Without ID consent the
        customer goes to the counter. Without face consent the session goes to clerk
        review before any camera step, so a clerk verifies the customer in person.
        """
        self._require(Stage.CONSENT)
        self.consent = Consent(id_version, self.services.clock(), face_version, id_processing, face_processing)
        log.info(
            "session %s: consent to ID processing %s (%s), to face processing %s (%s)",
            self.session_id,
            "given" if id_processing else "declined",
            id_version,
            "given" if face_processing else "declined",
            face_version,
        )
        if id_processing and face_processing:
            return self._record(Outcome.PASS, Message("您已同意处理个人信息。", "You consented to the processing of your data."), Stage.DOCUMENT)

        if not id_processing:
            check = Check(
                "id_consent",
                Outcome.REVIEW,
                Message(
                    "您未同意处理身份证信息，无法自助办理。请到柜台由工作人员为您办理。",
                    "Without your consent to processing your ID card data the kiosk cannot continue. "
                    "Please go to the counter, where staff can help you.",
                ),
                {"reason": "customer declined ID processing"},
            )
        else:
            check = Check(
                "face_consent",
                Outcome.REVIEW,
                Message(
                    "您未同意处理人脸信息，本机不会拍摄您的面部。请到柜台由工作人员人工核验您的身份。",
                    "You declined face processing, so the kiosk will not take a picture of your face. "
                    "Please go to the counter, where staff will check your identity in person.",
                ),
                {"reason": "customer declined face processing"},
            )
        self.checks.append(check)
        try:
            self._store_verification(VerificationResult(tuple(self.checks)))
        except Exception as error:
            return self._unexpected(error)
        return self._record(Outcome.REVIEW, check.reason, Stage.CLERK_REVIEW)

    def read_document(self) -> StageRecord:
        """Read the ID card, check it and find the customer's reservation."""
        self._require(Stage.DOCUMENT)
        today = self.services.clock().date()
        try:
            read = self.services.reader.read_card()
            photo = read.photo_image or self.services.photo_decoder.decode(read.photo)
            identity = parse_card(read, photo, today)
        except _RETRYABLE_CARD_ERRORS as error:
            log.warning("session %s: card read failed: %s: %s", self.session_id, type(error).__name__, error)
            return self._record(Outcome.RETRY, user_message(error))
        except UnknownDocumentType as error:
            log.warning("session %s: %s", self.session_id, error)
            return self._record(Outcome.REVIEW, error.message, Stage.CLERK_REVIEW)
        except DocumentUnreadable as error:
            log.warning("session %s: card content not understood: %s", self.session_id, error)
            return self._record(Outcome.REVIEW, _CARD_NOT_UNDERSTOOD, Stage.CLERK_REVIEW)
        except CounterSignError as error:
            log.warning("session %s: card rejected: %s", self.session_id, error)
            try:
                return self._refuse(Check("document_number", Outcome.FAIL, error.message))
            except Exception as store_error:
                return self._unexpected(store_error)
        except Exception as error:
            return self._unexpected(error)

        self.identity = identity
        try:
            self.reservation = self.services.store.find_reservation(identity.number)
        except Exception as error:
            return self._unexpected(error)
        self.checks.append(check_document_number(identity))

        if self.reservation is None:
            log.info("session %s: no open reservation for %s", self.session_id, identity.masked_number)
            return self._record(
                Outcome.REVIEW,
                Message(
                    "未找到与该证件对应的预订，请到柜台办理。",
                    "No reservation was found for this ID card. Please go to the counter.",
                ),
                Stage.CLERK_REVIEW,
            )
        if self.reservation.customer_name != identity.name:
            return self._record(
                Outcome.REVIEW,
                Message("预订人姓名与证件不一致，请到柜台办理。", "The name on the reservation differs from the card. Please go to the counter."),
                Stage.CLERK_REVIEW,
            )
        return self._record(
            Outcome.PASS,
            Message(
                f"身份证已读取，号码校验通过；已找到预订 {self.reservation.reservation_no}。",
                f"ID card read and its number is valid; reservation {self.reservation.reservation_no} found.",
            ),
            Stage.LICENCE,
        )

    def check_licence(self) -> StageRecord:
        """Check the licence on the reservation, and the card's validity, against the rental."""
        self._require(Stage.LICENCE)
        assert self.identity is not None and self.reservation is not None
        reservation = self.reservation
        checks = [
            check_document_validity(
                self.identity,
                reservation.return_at,
                self.services.validity_margin_months.get(self.identity.document_type),
            ),
            check_customer_age(self.identity, reservation.pickup_at, self.services.minimum_age),
            check_licence_holder(reservation.licence, self.identity.name, self.identity.number),
            check_licence_class(reservation.licence, reservation.vehicle.licence_class_required),
            check_licence_validity(reservation.licence, reservation.pickup_at, reservation.return_at),
            check_licence_probation(reservation.licence, reservation.pickup_at, self.services.probation_policy),
        ]
        failed = next((check for check in checks if check.outcome is Outcome.FAIL), None)
        if failed is not None:
            self.checks.extend(check for check in checks if check is not failed)
            try:
                return self._refuse(failed)
            except Exception as error:
                return self._unexpected(error)
        self.checks.extend(checks)
        if self.services.liveness_required:
            self.challenge = choose_challenge()
        review = next((check for check in checks if check.outcome is Outcome.REVIEW), None)
        if review is not None:
            try:
                self._store_verification(VerificationResult(tuple(self.checks)))
            except Exception as error:
                return self._unexpected(error)
            return self._record(Outcome.REVIEW, review.reason, Stage.CLERK_REVIEW)
        return self._record(
            Outcome.PASS,
            Message("驾驶证与证件有效期核验通过。", "Licence and ID card validity checked."),
            Stage.FACE,
        )

    @property
    def challenge_prompt(self) -> Message | None:
        """Return what the customer must do while the face step records, or ``None`` without liveness."""
        return self.challenge.prompt if self.challenge is not None else None

    def capture_face(self) -> StageRecord:
        """Take the live face: with liveness, frames of the customer following the challenge.

        The frames are not kept; only the descriptor of one frontal frame is.
        """
        self._require(Stage.FACE)
        if not self.services.liveness_required:
            return self._capture_single_frame()
        return self._capture_with_liveness()

    def _capture_single_frame(self) -> StageRecord:
        last_error: Exception | None = None
        for attempt in range(self.services.face_capture_attempts):
            try:
                frame = self.services.camera.read_frame()
                self._live_face = self.services.face_matcher.describe_checked(bgr_to_rgb(frame), FaceSource.LIVE)
            except device_errors.CameraError as error:
                if isinstance(error, device_errors.FrameUnreadableError):
                    last_error = error
                    continue
                log.error("session %s: camera failed: %s", self.session_id, error)
                return self._record(Outcome.RETRY, user_message(error))
            except _RETRYABLE_FACE_ERRORS as error:
                last_error = error
                continue
            except Exception as error:
                return self._unexpected(error)
            log.info("session %s: face captured on frame %d, liveness not required", self.session_id, attempt + 1)
            self.checks.append(Check("liveness", Outcome.SKIPPED, _LIVENESS_OFF))
            return self._record(Outcome.PASS, Message("已拍摄人脸。", "Face captured."), Stage.VERIFICATION)

        assert last_error is not None
        log.warning("session %s: no usable face in %d frames: %s", self.session_id, self.services.face_capture_attempts, last_error)
        return self._record(Outcome.RETRY, user_message(last_error))

    def _capture_with_liveness(self) -> StageRecord:
        assert self.challenge is not None
        services = self.services
        try:
            frames = self._record_frames(services.liveness_capture_seconds)
            result = assess_liveness(services.face_matcher.model, frames, self.challenge, services.camera_mirrored)
            check = self.liveness_attempts.record(result)
        except device_errors.CameraError as error:
            log.error("session %s: camera failed: %s", self.session_id, error)
            return self._record(Outcome.RETRY, user_message(error))
        except Exception as error:
            return self._unexpected(error)

        if check.outcome is Outcome.REVIEW:
            self.checks.append(check)
            try:
                self._store_verification(VerificationResult(tuple(self.checks)))
            except Exception as error:
                return self._unexpected(error)
            return self._record(Outcome.REVIEW, check.reason, Stage.CLERK_REVIEW)
        if check.outcome is not Outcome.PASS:
            self.challenge = choose_challenge()
            return self._record(Outcome.RETRY, check.reason)

        # The descriptor comes from a frame of the same attempt, so the person who passed
        # liveness is the person who is matched. The last frames are the most frontal:
        # every challenge ends facing the camera.
        for frame in reversed(frames):
            try:
                self._live_face = services.face_matcher.describe_checked(bgr_to_rgb(frame.image), FaceSource.LIVE)
                break
            except _RETRYABLE_FACE_ERRORS:
                continue
        else:
            self.challenge = choose_challenge()
            return self._record(Outcome.RETRY, NoFaceFound.message)
        self.checks.append(check)
        log.info("session %s: liveness passed on attempt %d", self.session_id, len(self.liveness_attempts.results))
        return self._record(Outcome.PASS, check.reason, Stage.VERIFICATION)

    def _record_frames(self, seconds: float) -> list[LiveFrame]:
        """Read distinct frames for ``seconds``; unreadable frames are skipped, camera failures raised."""
        frames: list[LiveFrame] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                image = self.services.camera.read_frame()
            except device_errors.FrameUnreadableError:
                continue
            frames.append(LiveFrame(image, time.monotonic()))
        return frames

    def verify(self) -> StageRecord:
        """Match the live face to the card photo, ask the national ID check when all else passed, and decide."""
        self._require(Stage.VERIFICATION)
        assert self.identity is not None
        assert self._live_face is not None
        live_face, self._live_face = self._live_face, None
        try:
            card_face = self.services.face_matcher.describe_checked(decode_image(self.identity.photo), FaceSource.DOCUMENT)
        except (ImageUnreadable, NoFaceFound, SeveralFacesFound) as error:
            log.warning("session %s: card photo unusable: %s", self.session_id, error)
            return self._record(
                Outcome.REVIEW,
                Message("证件照片无法用于比对，请到柜台办理。", "The card photo cannot be used for matching. Please go to the counter."),
                Stage.CLERK_REVIEW,
            )
        except Exception as error:
            return self._unexpected(error)

        try:
            match = self.services.face_matcher.compare(card_face, live_face)
            self.checks.append(check_face_match(match))
            store = self.services.store
            own_id = store.document_index(self.identity.number)
            self.checks.append(
                search_duplicates(live_face.vector, store.face_templates(), own_id, self.services.duplicate_face_threshold)
            )
            if self.reservation is not None:
                self.risk_record = assess_risk(
                    store, self.verification_id, self.services.branch.branch_id, self.identity, self.reservation, self.checks,
                    self.services.clock(),
                )
                self.checks.append(risk_check(self.risk_record))
            # Last, because each query reaches the national service: a customer already
            # refused or sent to a clerk (the blacklist, say) is not looked up.
            if VerificationResult(tuple(self.checks)).decision is Decision.APPROVED:
                national = check_national_id(self.identity, self.services.national_id, self.verification_id)
                log.info("session %s: national ID check %s", self.session_id, national.details.get("outcome", national.outcome.value))
                self.checks.append(national)
            result = VerificationResult(tuple(self.checks))
            self._store_verification(result)
            if result.decision is Decision.APPROVED:
                store.save_face_template(self.identity, live_face.vector, self.verification_id, self.services.clock())
        except Exception as error:
            return self._unexpected(error)

        if result.decision is Decision.APPROVED:
            return self._record(Outcome.PASS, Message("身份核验通过。", "Identity verified."), Stage.CONTRACT)
        problem = result.first_problem
        assert problem is not None
        next_stage = Stage.REFUSED if result.decision is Decision.REFUSED else Stage.CLERK_REVIEW
        return self._record(problem.outcome, problem.reason, next_stage)

    def prepare_contract(self) -> StageRecord:
        """Fill the contract and run the contract check; the stage stays for the customer to read."""
        self._require(Stage.CONTRACT)
        assert self.identity is not None and self.reservation is not None
        services = self.services
        try:
            now = services.clock()
            self._price_list = services.store.price_list(self.reservation.price_list_version)
            quote = make_quote(
                self._price_list, self.reservation.vehicle.price_group, self.reservation.pickup_at, self.reservation.return_at
            )
            self._sources = ContractSources(
                contract_number=services.store.reserve_contract_number(services.branch.branch_id, now.date()),
                branch=services.branch,
                identity=self.identity,
                licence=self.reservation.licence,
                reservation=self.reservation,
                quote=quote,
            )
            self.draft = draft_contract(services.template, self._sources)
            self.contract_check = check_contract(self.draft, services.template, self._sources, self._price_list, services.validity_margin_months)
        except Exception as error:
            return self._unexpected(error)

        summary = self.contract_check.to_check()
        self.checks.append(summary)
        if not self.contract_check.passed:
            log.error("session %s: contract check failed: %s", self.session_id, self.contract_check.describe_for_log())
            return self._record(Outcome.REVIEW, summary.reason, Stage.CLERK_REVIEW)
        return self._record(Outcome.PASS, summary.reason)

    @property
    def clauses_to_acknowledge(self) -> list[str]:
        return [clause.clause_id for clause in self.services.template.clauses if clause.must_acknowledge]

    def acknowledge(
        self,
        clause_ids: list[str],
        reading_seconds: float | None = None,
        ticked_after_seconds: Mapping[str, float] | None = None,
    ) -> StageRecord:
        """Record the key clauses the customer confirmed; all of them are needed to go on.

        ``reading_seconds`` is how long the contract was on screen, and
        ``ticked_after_seconds`` the seconds from its display to each clause's tick, as
        the screen measured them. Both are stored with the contract as evidence; without
        them (the headless demo) they are stored as not measured. Times that
        :class:`ContractReading` rejects end the session in clerk review.
        """
        self._require(Stage.CONTRACT)
        if self.draft is None:
            raise SessionStateError("acknowledge called before prepare_contract")
        try:
            reading = ContractReading(reading_seconds, dict(ticked_after_seconds or {}))
        except ValueError as error:
            return self._unexpected(error)
        missing = [clause for clause in self.clauses_to_acknowledge if clause not in clause_ids]
        if missing:
            titles = {clause.clause_id: clause.title for clause in self.draft.clauses}
            return self._record(
                Outcome.RETRY,
                Message(
                    "请逐条确认以下条款：" + "、".join(titles[c].zh for c in missing),
                    "Please confirm each of these clauses: " + ", ".join(titles[c].en for c in missing),
                ),
            )
        now = self.services.clock()
        self.acknowledgements = [Acknowledgement(clause, now) for clause in self.clauses_to_acknowledge]
        self.reading = reading
        return self._record(
            Outcome.PASS, Message("您已确认全部重要条款。", "You confirmed every key clause."), Stage.SIGN
        )

    def sign(self, signature: Signature) -> StageRecord:
        """Check the signature, check the contract again, render, seal and store it."""
        self._require(Stage.SIGN)
        assert self.draft is not None
        assert self._sources is not None
        assert self._price_list is not None
        assert self.identity is not None
        assert self.reservation is not None
        services = self.services
        try:
            check_clock(services.store.database, services.clock())
        except ClockImplausible as error:
            log.error("session %s: signing refused because the clock is implausible: %s", self.session_id, error)
            return self._record(Outcome.REVIEW, error.message, Stage.CLERK_REVIEW)
        except Exception as error:
            return self._unexpected(error)

        try:
            check_signature(signature)
        except SignatureRejected as error:
            log.info("session %s: signature rejected: %s", self.session_id, error)
            return self._record(Outcome.RETRY, error.message)

        try:
            recheck = check_contract(self.draft, services.template, self._sources, self._price_list, services.validity_margin_months)
            if not recheck.passed:
                log.error("session %s: contract changed before signing: %s", self.session_id, recheck.describe_for_log())
                return self._record(Outcome.REVIEW, recheck.to_check().reason, Stage.CLERK_REVIEW)

            now = services.clock()
            rendered = render_contract(self.draft, services.template, services.branch, self.acknowledgements, now)
            sealed = services.sealer.seal(
                rendered, render_signature_png(signature), reason=f"租车合同 Car rental contract {self.draft.contract_number}"
            )
            stored: StoredContract = services.store.save_signed_contract(
                branch_id=services.branch.branch_id,
                verification_id=self.verification_id,
                identity=self.identity,
                reservation=self.reservation,
                draft=self.draft,
                acknowledgements=self.acknowledgements,
                signature_strokes=signature.to_json(),
                pdf=sealed.pdf,
                signer_subject=sealed.signer_subject,
                signed_at=now,
                reading=self.reading,
                pades_level=sealed.pades_level,
                pending_timestamp=sealed.timestamp_pending,
            )
        except CounterSignError as error:
            log.exception("session %s: signing failed", self.session_id)
            return self._record(Outcome.REVIEW, error.message, Stage.CLERK_REVIEW)
        except Exception as error:
            return self._unexpected(error)

        self.signed = SignedContract(stored.contract_no, stored.pdf, stored.pdf_sha256)
        return self._record(
            Outcome.PASS,
            Message(f"合同 {stored.contract_no} 已签署并保存。", f"Contract {stored.contract_no} is signed and saved."),
            Stage.DONE,
        )

    def cancel(self) -> StageRecord | None:
        """End an unfinished session at the customer's request or on an idle timeout."""
        if self.finished:
            return None
        return self._record(
            Outcome.FAIL,
            Message("已取消办理。如需租车，请重新开始或到柜台办理。", "The session was cancelled. To rent a car, start again or go to the counter."),
            Stage.CANCELLED,
        )

    def forget_personal_data(self) -> None:
        """Drop identity, photo, face, checks and contract data from memory, as at the end of a session.

        The stage records stay: their reasons name no person.
        """
        self.identity = None
        self.reservation = None
        self._live_face = None
        self.challenge = None
        self.liveness_attempts = LivenessAttempts()
        self.checks = []
        self.verification = None
        self.draft = None
        self.contract_check = None
        self.acknowledgements = []
        self.reading = ContractReading()
        self.consent = None
        self._sources = None
        self._price_list = None
        self.signed = None
