"""Branch configuration: one TOML file per branch, paths relative to its folder."""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devices.idcard.vendor_sdk import VendorSdkConfig
from kiosk.contracts.signers import KeySource, Pkcs11KeySource, Pkcs12KeySource
from kiosk.contracts.timestamps import DEFAULT_TSA_BUDGET_SECONDS
from kiosk.errors import ConfigError
from kiosk.identity.face import DEFAULT_THRESHOLD
from kiosk.store.key_sources import StoreKeySource
from kiosk.store.key_sources.os_keyring import KeyringSource
from kiosk.store.key_sources.plain_file import PlainFileSource
from kiosk.store.key_sources.tpm import TpmSource
from kiosk.store.key_sources.wrapped_file import WrappedFileSource
from kiosk.rental import Branch
from kiosk.store.retention import RetentionPolicy
from resources import CONTRACTS_DIR

CONFIG_NAME = "branch.toml"


@dataclass(frozen=True)
class ReaderConfig:
    """``kind`` is "simulated" (GA 467 simulator on a socat pty pair), "serial" or "vendor_sdk"."""

    kind: str
    port: str
    baudrate: int
    card: Path | None  # the simulated card presented at start, as JSON
    vendor_sdk: VendorSdkConfig | None = None
    read_appended_address: bool = False  # also read the address endorsed after issue (30 03)


@dataclass(frozen=True)
class CameraConfig:
    """``kind`` is "recorded" (a folder of frames) or "opencv" (a camera index, or ``device``: a path or video file)."""

    kind: str
    frames: Path | None
    index: int
    device: str = ""


@dataclass(frozen=True)
class HqLink:
    """The branch's link to HQ ([hq] in branch.toml): address, pinned CA and the kiosk's certificate."""

    url: str
    ca: Path
    certificate: Path
    private_key: Path
    kiosk_id: str
    interval_minutes: float = 5.0
    id_check_timeout: float = 3.0  # seconds the kiosk waits for the national ID check


@dataclass(frozen=True)
class BranchConfig:
    home: Path
    branch: Branch
    store_path: Path
    store_key: StoreKeySource  # where the store and biometric keys are kept ([store] key_source)
    store_key_file: Path | None  # the legacy plain key file; None with any other key source
    pkcs12_path: Path | None  # set when signing.kind is "pkcs12"
    pkcs12_passphrase_file: Path | None
    trust_roots: tuple[Path, ...]
    seal_key: KeySource
    tsa_url: str | None  # RFC 3161 timestamp authority; None seals PAdES B-B only
    tsa_timeout: float  # seconds that one seal may wait for the TSA in total
    reader: ReaderConfig
    camera: CameraConfig
    template_id: str
    template_version: str
    face_threshold: float
    margin_months_resident: int = 1
    margin_months_other: int = 2
    minimum_age: int = 18
    probation_policy: str = "allow"
    liveness: bool = True
    liveness_capture_seconds: float = 4.0
    camera_mirrored: bool = False
    duplicate_face_threshold: float = 0.45
    hq_template_key: Path | None = None  # HQ's template public key (PEM); no template is usable without it
    templates_dir: Path = CONTRACTS_DIR
    retention: RetentionPolicy = RetentionPolicy()
    purge_interval_minutes: int = 60  # how often the retention purge runs
    hq: HqLink | None = None  # None: the branch works offline, as the demo does
    kiosk_idle_seconds: int = 120  # seconds without input before the kiosk ends a session ([kiosk] idle_seconds)
    kiosk_font_scale: float = 1.0  # every text and control size of the screens is multiplied by it ([kiosk] font_scale)
    kiosk_theme: str = "standard"  # "standard" or "high_contrast" ([kiosk] theme)
    counter_font_scale: float = 1.0  # the counter terminal's text and control sizes are multiplied by it ([counter] font_scale)
    counter_theme: str = "standard"  # the counter terminal's theme ([counter] theme)

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


# Every key each table may contain; any other key is a typo and is reported.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "branch": frozenset({"profile"}),
    "store": frozenset(
        {
            "path", "key_source", "key_file", "wrapped_key_file", "passphrase_file", "passphrase_env", "tpm_dir", "tpm_tcti",
            "keyring_service", "keyring_name",
        }
    ),
    "signing": frozenset(
        {
            "kind", "pkcs12", "passphrase_file", "module", "token_label", "key_label", "cert_label", "pin_file",
            "trust_roots", "tsa_url", "tsa_timeout",
        }
    ),
    "reader": frozenset({"kind", "port", "baudrate", "card", "vendor_sdk", "read_appended_address"}),
    "camera": frozenset({"kind", "frames", "index", "device"}),
    "contract": frozenset({"template_id", "template_version", "templates_dir", "hq_template_key"}),
    "face": frozenset({"threshold", "liveness", "capture_seconds", "camera_mirrored", "duplicate_threshold"}),
    "documents": frozenset({"margin_months_resident", "margin_months_other", "minimum_age"}),
    "licence": frozenset({"probation_policy"}),
    "retention": frozenset({"face_template_days", "unsigned_session_days", "sent_event_days", "purge_interval_minutes"}),
    "hq": frozenset({"url", "ca", "certificate", "private_key", "kiosk_id", "interval_minutes", "id_check_timeout"}),
    "kiosk": frozenset({"idle_seconds", "font_scale", "theme"}),
    "counter": frozenset({"font_scale", "theme"}),
}
REQUIRED_TABLES = ("branch", "store", "signing", "reader", "camera", "contract")
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)

# The [store] keys each key source reads, besides path and key_source.
STORE_KEYS_BY_SOURCE = {
    "wrapped_file": ("wrapped_key_file", "passphrase_file", "passphrase_env"),
    "tpm": ("tpm_dir", "tpm_tcti"),
    "keyring": ("keyring_service", "keyring_name"),
}

SIGNING_KEYS_BY_KIND = {
    "pkcs12": ("pkcs12", "passphrase_file"),
    "pkcs11": ("module", "token_label", "key_label", "pin_file"),
}
# The kiosk waits this long at most for a timestamp before sealing B-B and queueing the timestamp.
TSA_TIMEOUT_RANGE = (0.5, 5.0)

# The idle timeout must leave room for the 15-second "are you still there?" warning and
# for reading a contract page; an hour is the most that still protects the next customer.
KIOSK_IDLE_RANGE = (30, 3600)

# At 0.8 the step indicator's text is 16 px. On a 1280 x 800 display the welcome and
# document screens fit up to 1.5 in Chinese and 1.25 in English; larger scales widen the
# step indicator past the screen.
KIOSK_FONT_SCALE_RANGE = (0.8, 2.0)
KIOSK_THEMES = ("standard", "high_contrast")

# A lower threshold is stricter. Above 0.6, dlib's published operating point, strangers
# start to match, so a larger value is a configuration error, not a policy choice.
FACE_THRESHOLD_RANGE = (0.3, 0.6)


def _check_tables(document: dict) -> None:
    for name in document:
        if name not in KNOWN_KEYS:
            raise ConfigError(f"unknown table [{name}] in {CONFIG_NAME}; known tables: {', '.join(KNOWN_KEYS)}")
    for name in REQUIRED_TABLES:
        if not isinstance(document.get(name), dict):
            raise ConfigError(f"{CONFIG_NAME} has no [{name}] table")
    for name, table in document.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[{name}] in {CONFIG_NAME} must be a table")
        for key in table:
            if key not in KNOWN_KEYS[name]:
                known = ", ".join(sorted(KNOWN_KEYS[name]))
                raise ConfigError(f"unknown key {name}.{key} in {CONFIG_NAME}; known keys of [{name}]: {known}")


def _path(home: Path, value: object, name: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"configuration value {name} must be a path, not {value!r}")
    path = Path(value)
    return path if path.is_absolute() else home / path


def _integer(value: object, name: str, allowed: tuple[int, ...] | None = None, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"configuration value {name} must be an integer, not {value!r}")
    if allowed is not None and value not in allowed:
        raise ConfigError(f"configuration value {name} is {value}; use one of {', '.join(map(str, allowed))}")
    if value < minimum:
        raise ConfigError(f"configuration value {name} is {value}; it must be at least {minimum}")
    return value


def _boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"configuration value {name} must be true or false, not {value!r}")
    return value


def _number(value: object, name: str, minimum: float, maximum: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"configuration value {name} must be a number, not {value!r}")
    if not minimum <= value <= maximum:
        raise ConfigError(f"configuration value {name} is {value}; it must lie between {minimum} and {maximum}")
    return float(value)


def _face_threshold(value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"configuration value face.threshold must be a number such as 0.6, not {value!r}")
    low, high = FACE_THRESHOLD_RANGE
    if not low <= value <= high:
        raise ConfigError(
            f"configuration value face.threshold is {value}; it must lie between {low} and {high}, "
            "because a larger distance lets strangers match"
        )
    return float(value)


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"configuration value {name} is {value!r}; use one of {', '.join(map(repr, choices))}")
    return str(value)


def _vendor_sdk(reader: dict, home: Path) -> VendorSdkConfig | None:
    if reader.get("kind") != "vendor_sdk":
        return None
    table = reader.get("vendor_sdk")
    if not isinstance(table, dict):
        raise ConfigError(f"reader.kind 'vendor_sdk' needs a [reader.vendor_sdk] table in {CONFIG_NAME}")
    try:
        return VendorSdkConfig.from_table(table, home)
    except ValueError as error:
        raise ConfigError(f"{CONFIG_NAME}: {error}") from error


def _seal_key(signing: dict, home: Path) -> KeySource:
    """Build the key source of ``[signing]``; every key of the chosen kind is required, the other kind's are rejected."""
    kind = _choice(signing.get("kind"), "signing.kind", tuple(SIGNING_KEYS_BY_KIND))
    missing = [f"signing.{key}" for key in SIGNING_KEYS_BY_KIND[kind] if key not in signing]
    if missing:
        needed = ", ".join(f"signing.{key}" for key in SIGNING_KEYS_BY_KIND[kind])
        raise ConfigError(f"signing.kind is {kind!r}, which needs {needed}; missing: {', '.join(missing)}")
    other_keys = {key for other, keys in SIGNING_KEYS_BY_KIND.items() if other != kind for key in keys}
    if kind != "pkcs11":
        other_keys.add("cert_label")
    stray = sorted(f"signing.{key}" for key in other_keys if key in signing)
    if stray:
        raise ConfigError(f"signing.kind is {kind!r}, so {', '.join(stray)} does not apply; remove it")

    if kind == "pkcs12":
        return Pkcs12KeySource(
            path=_path(home, signing["pkcs12"], "signing.pkcs12"),
            passphrase_file=_path(home, signing["passphrase_file"], "signing.passphrase_file"),
        )
    return Pkcs11KeySource(
        module=_path(home, signing["module"], "signing.module"),
        token_label=_label(signing["token_label"], "signing.token_label"),
        key_label=_label(signing["key_label"], "signing.key_label"),
        pin_file=_path(home, signing["pin_file"], "signing.pin_file"),
        cert_label=_label(signing["cert_label"], "signing.cert_label") if "cert_label" in signing else None,
    )


def _store_key(store: dict, home: Path) -> StoreKeySource:
    """Build the key source of ``[store]``; a bare ``key_file`` is a legacy plain key."""
    kind = store.get("key_source")
    if kind is None:
        if "key_file" not in store:
            raise ConfigError(f"[store] in {CONFIG_NAME} needs key_source: one of {', '.join(STORE_KEYS_BY_SOURCE)}")
        return PlainFileSource(_path(home, store["key_file"], "store.key_file"))
    kind = _choice(kind, "store.key_source", tuple(STORE_KEYS_BY_SOURCE))
    for key in store:
        if key not in ("path", "key_source", *STORE_KEYS_BY_SOURCE[kind]):
            raise ConfigError(f"store.{key} does not apply to key_source {kind!r}; remove it from {CONFIG_NAME}")

    if kind == "wrapped_file":
        if "passphrase_file" not in store and "passphrase_env" not in store:
            raise ConfigError("key_source \"wrapped_file\" needs store.passphrase_file or store.passphrase_env")
        return WrappedFileSource(
            _path(home, store.get("wrapped_key_file"), "store.wrapped_key_file"),
            passphrase_file=_path(home, store["passphrase_file"], "store.passphrase_file") if "passphrase_file" in store else None,
            passphrase_env=_label(store["passphrase_env"], "store.passphrase_env") if "passphrase_env" in store else None,
        )
    if kind == "tpm":
        return TpmSource(_path(home, store.get("tpm_dir"), "store.tpm_dir"), _label(store.get("tpm_tcti"), "store.tpm_tcti"))
    return KeyringSource(
        _label(store.get("keyring_service", "CounterSign"), "store.keyring_service"),
        _label(store.get("keyring_name"), "store.keyring_name"),
    )


def _label(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"configuration value {name} must be a non-empty label, not {value!r}")
    return value


def _tsa_url(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"configuration value signing.tsa_url must be an http:// or https:// URL, not {value!r}")
    return value


def _retention(table: dict) -> RetentionPolicy:
    """Build the retention periods of ``[retention]``; each is a whole number of days, at least 1."""
    defaults = RetentionPolicy()
    return RetentionPolicy(
        face_template_days=_integer(table.get("face_template_days", defaults.face_template_days), "retention.face_template_days", minimum=1),
        unsigned_session_days=_integer(
            table.get("unsigned_session_days", defaults.unsigned_session_days), "retention.unsigned_session_days", minimum=1
        ),
        sent_event_days=_integer(table.get("sent_event_days", defaults.sent_event_days), "retention.sent_event_days", minimum=1),
    )


def _load_branch(branch_file: Path) -> Branch:
    try:
        branch = Branch(**json.loads(branch_file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as error:
        raise ConfigError(f"branch profile {branch_file} cannot be read: {error}") from error
    try:
        ZoneInfo(branch.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"branch profile {branch_file}: unknown time zone {branch.timezone!r}, such as 'Asia/Shanghai'") from None
    return branch


def _hq_link(table: dict | None, home: Path) -> HqLink | None:
    if table is None:
        return None
    for key in ("url", "ca", "certificate", "private_key", "kiosk_id"):
        if key not in table:
            raise ConfigError(f"[hq] in {CONFIG_NAME} needs {key}")
    url = str(table["url"])
    if not url.startswith("https://"):
        raise ConfigError(f"configuration value hq.url must start with https://, not {url!r}; plain HTTP is not allowed")
    return HqLink(
        url=url,
        ca=_path(home, table["ca"], "hq.ca"),
        certificate=_path(home, table["certificate"], "hq.certificate"),
        private_key=_path(home, table["private_key"], "hq.private_key"),
        kiosk_id=_label(table["kiosk_id"], "hq.kiosk_id"),
        interval_minutes=_number(table.get("interval_minutes", 5.0), "hq.interval_minutes", 0.5, 240.0),
        id_check_timeout=_number(table.get("id_check_timeout", 3.0), "hq.id_check_timeout", 0.5, 15.0),
    )


def load_config(home: Path) -> BranchConfig:
    """Read ``home/branch.toml``; raises :class:`ConfigError` naming the bad table, key or value."""
    path = home / CONFIG_NAME
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no branch configuration at {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"branch configuration {path} cannot be read: {error}") from error
    _check_tables(document)

    store = document["store"]
    signing = document["signing"]
    reader = document["reader"]
    camera = document["camera"]
    contract = document["contract"]
    face = document.get("face", {})
    documents = document.get("documents", {})
    licence = document.get("licence", {})
    retention = document.get("retention", {})
    kiosk = document.get("kiosk", {})
    counter = document.get("counter", {})

    seal_key = _seal_key(signing, home)
    trust_roots = signing.get("trust_roots", [])
    if not isinstance(trust_roots, list):
        raise ConfigError(f"configuration value signing.trust_roots must be a list of paths, not {trust_roots!r}")

    return BranchConfig(
        home=home,
        branch=_load_branch(_path(home, document["branch"].get("profile"), "branch.profile")),
        store_path=_path(home, store.get("path"), "store.path"),
        store_key=_store_key(store, home),
        store_key_file=_path(home, store["key_file"], "store.key_file") if "key_source" not in store and "key_file" in store else None,
        pkcs12_path=seal_key.path if isinstance(seal_key, Pkcs12KeySource) else None,
        pkcs12_passphrase_file=seal_key.passphrase_file if isinstance(seal_key, Pkcs12KeySource) else None,
        trust_roots=tuple(_path(home, value, "signing.trust_roots") for value in trust_roots),
        seal_key=seal_key,
        tsa_url=_tsa_url(signing.get("tsa_url")),
        tsa_timeout=_number(signing.get("tsa_timeout", DEFAULT_TSA_BUDGET_SECONDS), "signing.tsa_timeout", *TSA_TIMEOUT_RANGE),
        reader=ReaderConfig(
            kind=_choice(reader.get("kind"), "reader.kind", ("simulated", "serial", "vendor_sdk")),
            port=str(reader.get("port", "")),
            baudrate=_integer(reader.get("baudrate", 115200), "reader.baudrate", allowed=BAUD_RATES),
            card=_path(home, reader["card"], "reader.card") if "card" in reader else None,
            vendor_sdk=_vendor_sdk(reader, home),
            read_appended_address=_boolean(reader.get("read_appended_address", False), "reader.read_appended_address"),
        ),
        camera=CameraConfig(
            kind=_choice(camera.get("kind"), "camera.kind", ("recorded", "opencv")),
            frames=_path(home, camera["frames"], "camera.frames") if "frames" in camera else None,
            index=_integer(camera.get("index", 0), "camera.index"),
            device=str(camera.get("device", "")),
        ),
        template_id=str(contract.get("template_id", "rental-agreement")),
        template_version=str(contract.get("template_version", "1")),
        face_threshold=_face_threshold(face.get("threshold", DEFAULT_THRESHOLD)),
        margin_months_resident=_integer(documents.get("margin_months_resident", 1), "documents.margin_months_resident"),
        margin_months_other=_integer(documents.get("margin_months_other", 2), "documents.margin_months_other"),
        minimum_age=_integer(documents.get("minimum_age", 18), "documents.minimum_age", minimum=18),
        probation_policy=_choice(licence.get("probation_policy", "allow"), "licence.probation_policy", ("allow", "review", "refuse")),
        liveness=_boolean(face.get("liveness", True), "face.liveness"),
        liveness_capture_seconds=_number(face.get("capture_seconds", 4.0), "face.capture_seconds", 1.5, 15.0),
        camera_mirrored=_boolean(face.get("camera_mirrored", False), "face.camera_mirrored"),
        duplicate_face_threshold=_number(face.get("duplicate_threshold", 0.45), "face.duplicate_threshold", 0.2, 0.6),
        hq_template_key=_path(home, contract["hq_template_key"], "contract.hq_template_key") if "hq_template_key" in contract else None,
        templates_dir=_path(home, contract["templates_dir"], "contract.templates_dir") if "templates_dir" in contract else CONTRACTS_DIR,
        retention=_retention(retention),
        purge_interval_minutes=_integer(retention.get("purge_interval_minutes", 60), "retention.purge_interval_minutes", minimum=1),
        hq=_hq_link(document.get("hq"), home),
        kiosk_idle_seconds=int(_number(_integer(kiosk.get("idle_seconds", 120), "kiosk.idle_seconds"), "kiosk.idle_seconds", *KIOSK_IDLE_RANGE)),
        kiosk_font_scale=_number(kiosk.get("font_scale", 1.0), "kiosk.font_scale", *KIOSK_FONT_SCALE_RANGE),
        kiosk_theme=_choice(kiosk.get("theme", "standard"), "kiosk.theme", KIOSK_THEMES),
        counter_font_scale=_number(counter.get("font_scale", 1.0), "counter.font_scale", *KIOSK_FONT_SCALE_RANGE),
        counter_theme=_choice(counter.get("theme", "standard"), "counter.theme", KIOSK_THEMES),
    )
