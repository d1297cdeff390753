"""Build the fake vendor SDK with gcc and play the reader it talks to.

The library's behaviour is documented in fake_idcard_sdk.c. :class:`FakeDevice` writes
the folder that plays the reader: the card's text block and photo, the card state, and
the folder's presence for a plugged-in reader.
"""

import shutil
import subprocess
from pathlib import Path

import cv2

from devices.idcard.vendor_sdk import SdkFunctions, VendorSdkConfig

SOURCE = Path(__file__).resolve().parent / "fake_idcard_sdk.c"

FUNCTIONS = SdkFunctions(
    open="fake_open", find="fake_find", select="fake_select", read="fake_read", photo="fake_photo", close="fake_close"
)

# dlib's frontal face detector finds the face in obama.jpg (910 x 1137) at (366, 136) to
# (624, 394). This crop frames it as an ID photo frames a head, in the card's 102:126 ratio.
PHOTO_CROP = (301, 46, 688, 524)
PHOTO_SIZE = (102, 126)


def build_fake_sdk(folder: Path) -> Path:
    """Compile fake_idcard_sdk.c into ``folder``/libfakeidcard.so and return its path."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise RuntimeError("gcc is missing; tools/setup-debian.sh installs it with build-essential")
    library = folder / "libfakeidcard.so"
    command = [gcc, "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", "-o", str(library), str(SOURCE)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"gcc failed to build the fake vendor SDK:\n{result.stderr}")
    return library


def face_bmp(faces_dir: Path) -> bytes:
    """Return a 102 x 126 24-bit BMP of a real face, as a vendor SDK decodes a card photo."""
    image = cv2.imread(str(faces_dir / "obama.jpg"), cv2.IMREAD_COLOR)
    left, top, right, bottom = PHOTO_CROP
    photo = cv2.resize(image[top:bottom, left:right], PHOTO_SIZE, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".bmp", photo)
    assert ok, "OpenCV could not encode a BMP"
    return encoded.tobytes()


def sdk_config(library: Path, **changes) -> VendorSdkConfig:
    """Return the configuration for the fake library, with ``changes`` to its fields."""
    values = {"library": library, "functions": FUNCTIONS, "port": 1001}
    values.update(changes)
    return VendorSdkConfig(**values)


class FakeDevice:
    """The folder that plays the reader; ``monkeypatch`` points the library at it."""

    def __init__(self, folder: Path, monkeypatch) -> None:
        self.folder = folder
        self._unplugged = folder.with_name(folder.name + "-unplugged")
        folder.mkdir(parents=True)
        self.set_state("empty")
        monkeypatch.setenv("FAKE_IDCARD_DEVICE", str(folder))

    def present(self, text: bytes, photo_bmp: bytes, wlt: bytes | None = None) -> None:
        (self.folder / "text.bin").write_bytes(text)
        (self.folder / "photo.bmp").write_bytes(photo_bmp)
        if wlt is not None:
            (self.folder / "photo.wlt").write_bytes(wlt)
        self.set_state("card")

    def set_state(self, state: str) -> None:
        """Set "card", "empty", "removed" (the card leaves during the next read) or "timeout"."""
        (self.folder / "state").write_text(state)

    def state(self) -> str:
        return (self.folder / "state").read_text()

    def unplug(self) -> None:
        self.folder.rename(self._unplugged)

    def replug(self) -> None:
        self._unplugged.rename(self.folder)
