"""Branch configuration: every typo and unsafe value is reported, never guessed around."""

import json

import pytest

from countersign.config import load_config
from kiosk.errors import ConfigError


def _edit(home, old: str, new: str) -> None:
    path = home / "branch.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_demo_configuration_loads(branch_home):
    config = load_config(branch_home)
    assert config.face_threshold == 0.48
    assert config.reader.baudrate == 115200
    assert config.branch.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("threshold = 0.48", "threshold = 6.0", "between 0.3 and 0.6"),
        ("threshold = 0.48", "threshold = 0.61", "between 0.3 and 0.6"),
        ("threshold = 0.48", 'threshold = "0,6"', "must be a number"),
        ("threshold = 0.48", "threshhold = 0.4", "unknown key face.threshhold"),
        ("[face]", "[faces]", "unknown table [faces]"),
        ("baudrate = 115200", 'baudrate = "fast"', "reader.baudrate must be an integer"),
        ("baudrate = 115200", "baudrate = 115000", "use one of 9600"),
        ('kind = "recorded"', 'kind = "webcam"', "camera.kind is 'webcam'"),
        ('kind = "pkcs12"', 'kind = "pkcs11"', "signing.kind is 'pkcs11'"),
        ("[store]", "[storage]", "unknown table [storage]"),
        ('card = "cards/demo-customer.json"', "card = 7", "reader.card must be a path"),
    ],
)
def test_bad_values_are_reported(branch_home, old, new, message):
    _edit(branch_home, old, new)
    with pytest.raises(ConfigError) as caught:
        load_config(branch_home)
    assert message in str(caught.value)


def test_unknown_time_zone_is_reported(branch_home):
    profile = branch_home / "branch.json"
    data = json.loads(profile.read_text())
    data["timezone"] = "Asia/Shanghia"
    profile.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="unknown time zone 'Asia/Shanghia'"):
        load_config(branch_home)


def test_toml_syntax_error_is_reported(branch_home):
    _edit(branch_home, "[store]", "[store")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(branch_home)
