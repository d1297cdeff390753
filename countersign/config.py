"""Branch configuration: one TOML file per branch, paths relative to its folder."""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.rental import Branch

CONFIG_NAME = "branch.toml"


@dataclass(frozen=True)
class ReaderConfig:
    """``kind`` is "simulated" (GA 467 simulator on a socat pty pair) or "serial"."""

    kind: str
    port: str
    baudrate: int
    card: Path | None  # the simulated card presented at start, as JSON


@dataclass(frozen=True)
class CameraConfig:
    """``kind`` is "recorded" (a folder of frames) or "opencv" (a camera index, or ``device``: a path or video file)."""

    kind: str
    frames: Path | None
    index: int
    device: str = ""


@dataclass(frozen=True)
class BranchConfig:
    home: Path
    branch: Branch
    store_path: Path
    store_key_file: Path
    pkcs12_path: Path
    pkcs12_passphrase_file: Path
    trust_roots: tuple[Path, ...]
    reader: ReaderConfig
    camera: CameraConfig
    template_id: str
    template_version: str
    face_threshold: float

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


def _section(document: dict, name: str) -> dict:
    value = document.get(name)
    if not isinstance(value, dict):
        raise ConfigError(f"configuration has no [{name}] table")
    return value


def _path(home: Path, value: object, name: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"configuration value {name} must be a path")
    path = Path(value)
    return path if path.is_absolute() else home / path


def load_config(home: Path) -> BranchConfig:
    """Read ``home/branch.toml``; raises :class:`ConfigError` naming the bad value."""
    path = home / CONFIG_NAME
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no branch configuration at {path}") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"branch configuration {path} cannot be read: {error}") from error

    branch_file = _path(home, _section(document, "branch").get("profile"), "branch.profile")
    try:
        branch = Branch(**json.loads(branch_file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as error:
        raise ConfigError(f"branch profile {branch_file} cannot be read: {error}") from error

    store = _section(document, "store")
    signing = _section(document, "signing")
    reader = _section(document, "reader")
    camera = _section(document, "camera")
    contract = _section(document, "contract")
    face = document.get("face", {})

    if reader.get("kind") not in ("simulated", "serial"):
        raise ConfigError(f"reader.kind must be 'simulated' or 'serial', not {reader.get('kind')!r}")
    if camera.get("kind") not in ("recorded", "opencv"):
        raise ConfigError(f"camera.kind must be 'recorded' or 'opencv', not {camera.get('kind')!r}")
    if signing.get("kind") != "pkcs12":
        raise ConfigError(f"signing.kind {signing.get('kind')!r} is not supported; use 'pkcs12'")

    return BranchConfig(
        home=home,
        branch=branch,
        store_path=_path(home, store.get("path"), "store.path"),
        store_key_file=_path(home, store.get("key_file"), "store.key_file"),
        pkcs12_path=_path(home, signing.get("pkcs12"), "signing.pkcs12"),
        pkcs12_passphrase_file=_path(home, signing.get("passphrase_file"), "signing.passphrase_file"),
        trust_roots=tuple(_path(home, value, "signing.trust_roots") for value in signing.get("trust_roots", [])),
        reader=ReaderConfig(
            kind=reader["kind"],
            port=str(reader.get("port", "")),
            baudrate=int(reader.get("baudrate", 115200)),
            card=_path(home, reader["card"], "reader.card") if reader.get("card") else None,
        ),
        camera=CameraConfig(
            kind=camera["kind"],
            frames=_path(home, camera["frames"], "camera.frames") if camera.get("frames") else None,
            index=int(camera.get("index", 0)),
            device=str(camera.get("device", "")),
        ),
        template_id=str(contract.get("template_id", "rental-agreement")),
        template_version=str(contract.get("template_version", "1")),
        face_threshold=float(face.get("threshold", 0.6)),
    )
