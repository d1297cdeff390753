"""Key slots sealed to a TPM 2.0 through the ``tpm2-tools`` commands.

Each slot is a sealed-data object under the owner hierarchy's primary key. The TPM
recreates the same primary key from its seed on every start, so only the sealed
object's public and private blobs are kept, as one JSON file per slot in the branch
folder. Those blobs can be unsealed by this TPM only. Every command runs with the
TCTI from the branch configuration, for example ``device:/dev/tpmrm0`` or
``swtpm:host=127.0.0.1,port=2321``.

NOTE: the sealed objects have no PCR policy and the owner hierarchy is assumed to
have an empty password, so any process of the kiosk's user on this machine can unseal.
"""

import base64
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kiosk.store.key_sources import StoreKeyError, StoreKeySource
from kiosk.store.key_sources.wrapped_file import _write_private

log = logging.getLogger(__name__)

TPM_TIMEOUT_SECONDS = 30


class TpmSource(StoreKeySource):
    """Slots sealed to the TPM reached through ``tcti``; blobs kept in ``directory``."""

    kind = "tpm"

    def __init__(self, directory: Path, tcti: str) -> None:
        self.directory = directory
        self.tcti = tcti

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "directory": str(self.directory), "tcti": self.tcti}

    def read_secret(self, slot: str) -> bytes | None:
        path = self._blob_path(slot)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            public = base64.b64decode(document["public"])
            private = base64.b64decode(document["private"])
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
            raise StoreKeyError(f"sealed key blob {path} is malformed: {error}") from error

        with self._workspace() as work:
            (work / "sealed.pub").write_bytes(public)
            (work / "sealed.priv").write_bytes(private)
            self._create_primary(work)
            self._run("tpm2_load", "-C", str(work / "primary.ctx"), "-u", str(work / "sealed.pub"),
                      "-r", str(work / "sealed.priv"), "-c", str(work / "sealed.ctx"))
            self._flush()
            return self._run("tpm2_unseal", "-c", str(work / "sealed.ctx"))

    def write_secret(self, slot: str, secret: bytes) -> None:
        with self._workspace() as work:
            self._create_primary(work)
            self._run("tpm2_create", "-C", str(work / "primary.ctx"), "-i", "-",
                      "-u", str(work / "sealed.pub"), "-r", str(work / "sealed.priv"), data=secret)
            self._flush()
            document = {
                "format": "countersign-tpm-sealed",
                "public": base64.b64encode((work / "sealed.pub").read_bytes()).decode(),
                "private": base64.b64encode((work / "sealed.priv").read_bytes()).decode(),
            }
        _write_private(self._blob_path(slot), json.dumps(document, indent=2).encode("utf-8"))
        log.info("key slot %s sealed to the TPM (%s)", slot, self.tcti)

    def delete_secret(self, slot: str) -> None:
        self._blob_path(slot).unlink(missing_ok=True)

    def _blob_path(self, slot: str) -> Path:
        return self.directory / f"{slot}.sealed.json"

    def _workspace(self) -> "_PathContext":
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        workspace = tempfile.TemporaryDirectory(prefix=".tpm-", dir=self.directory)
        return _PathContext(workspace)

    def _create_primary(self, work: Path) -> None:
        self._run("tpm2_createprimary", "-C", "o", "-c", str(work / "primary.ctx"))
        # Without a resource manager (swtpm, /dev/tpm0) loaded objects stay in the TPM's
        # three transient slots until flushed; each step reloads what it needs from files.
        self._flush()

    def _flush(self) -> None:
        self._run("tpm2_flushcontext", "-t")

    def _run(self, tool: str, *arguments: str, data: bytes | None = None) -> bytes:
        if shutil.which(tool) is None:
            raise StoreKeyError(f"{tool} not found; install the Debian package tpm2-tools")
        environment = {**os.environ, "TPM2TOOLS_TCTI": self.tcti}
        try:
            result = subprocess.run(
                [tool, *arguments], input=data, capture_output=True, env=environment, timeout=TPM_TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise StoreKeyError(f"{tool} timed out after {TPM_TIMEOUT_SECONDS} s talking to the TPM at {self.tcti}") from None
        if result.returncode != 0:
            detail = " ".join(result.stderr.decode("utf-8", "replace").split())[-300:]
            raise StoreKeyError(f"{tool} failed with status {result.returncode} (TPM {self.tcti}): {detail}")
        return result.stdout


class _PathContext:
    """A temporary folder as a ``with`` block that yields a :class:`Path`."""

    def __init__(self, workspace: tempfile.TemporaryDirectory) -> None:
        self.workspace = workspace

    def __enter__(self) -> Path:
        return Path(self.workspace.name)

    def __exit__(self, *exc_info) -> None:
        self.workspace.cleanup()
