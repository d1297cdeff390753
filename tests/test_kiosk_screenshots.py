"""``countersign kiosk --screenshots``: a demo rental rendered to PNG in both languages, offscreen."""

import pytest

from kiosk.ui.qt import QImage
from kiosk.ui.screenshots import SCREEN_NAMES, take_screenshots
from tests.test_kiosk_ui import branch_config  # noqa: F401 (fixtures are found by name)

pytestmark = pytest.mark.gui


def ink_pixels(image: QImage) -> int:
    """Count the dark pixels (text) in every fourth row and column of ``image``."""
    count = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            if image.pixelColor(x, y).lightness() < 100:
                count += 1
    return count


def test_first_screens_saved_in_both_languages(qtbot, branch_config, face_model, tmp_path):
    folder = tmp_path / "screens"
    saved = take_screenshots(branch_config, folder, until="consent", face_model=face_model)

    assert [path.name for path in saved] == ["01-welcome-zh.png", "01-welcome-en.png", "02-consent-zh.png", "02-consent-en.png"]
    images = {path.name: QImage(str(path)) for path in saved}
    for name, image in images.items():
        assert not image.isNull(), name
        assert image.width() >= 1024, name
        assert ink_pixels(image) > 500, f"{name} looks blank"
    assert images["01-welcome-zh.png"] != images["01-welcome-en.png"]
    assert images["02-consent-zh.png"] != images["02-consent-en.png"]


def test_unknown_screen_name_rejected(branch_config, tmp_path):
    with pytest.raises(ValueError, match="unknown screen"):
        take_screenshots(branch_config, tmp_path, until="settings")
    assert "service-needed" in SCREEN_NAMES


def test_screenshot_command_leaves_the_branch_store_alone(branch_home, faces_dir, tmp_path, capsys):
    """The rental of the pictures runs on a throwaway branch: no contract or event reaches the branch's store."""
    from countersign.cli import main
    from countersign.config import load_config
    from kiosk.store.key_sources.rotation import open_keyed_store

    assert main(["--home", str(branch_home), "--faces", str(faces_dir), "--json", "kiosk", "--screenshots", str(tmp_path / "shots")]) == 0
    assert "01-welcome-zh.png" in capsys.readouterr().out

    config = load_config(branch_home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        counts = [keyed.database.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("contracts", "outbox", "reservations")]
    finally:
        keyed.database.close()
    assert counts == [0, 0, 0]
