"""Store keys in a passphrase-wrapped file: provisioning, loading, rotation and the branch configuration."""

import json
import secrets
import stat

import pytest

from countersign import cli
from countersign.config import load_config
from countersign.demo_branch import demo_data
from kiosk.errors import ConfigError, WrongStoreKey
from kiosk.store.database import Database
from kiosk.store.key_sources import StoreKeyError, StoreKeyMissing
from kiosk.store.key_sources.plain_file import PlainFileSource
from kiosk.store.key_sources.rotation import load_branch_keys, open_keyed_store, rotate_store_key
from kiosk.store.key_sources.wrapped_file import WrappedFileSource, WrongPassphrase, write_passphrase_file
from kiosk.store.keys import create_key_file

CONFIG = """\
[branch]
profile = "branch.json"
[store]
path = "store/countersign.db"
{store}
[signing]
kind = "pkcs12"
pkcs12 = "seal.p12"
passphrase_file = "seal.pass"
[reader]
kind = "simulated"
[camera]
kind = "recorded"
[contract]
"""


@pytest.fixture
def source(tmp_path):
    write_passphrase_file(tmp_path / "keys" / "store.pass", "correct horse battery staple")
    return WrappedFileSource(tmp_path / "keys" / "store.keys", passphrase_file=tmp_path / "keys" / "store.pass")


def test_wrapped_keys_round_trip(source):
    created = source.create()
    loaded = WrappedFileSource(source.path, passphrase_file=source.passphrase_file).load()
    assert loaded == created
    assert loaded.store != loaded.biometric
    text = source.path.read_text()
    assert created.store.hex() not in text
    assert created.biometric.hex() not in text
    assert stat.S_IMODE(source.path.stat().st_mode) == 0o600
    assert json.loads(text)["header"]["kdf"]["name"] == "scrypt"


def test_wrong_passphrase_changes_nothing(source, tmp_path):
    source.create()
    before = source.path.read_bytes()
    (tmp_path / "wrong.pass").write_text("not the passphrase")
    (tmp_path / "wrong.pass").chmod(0o600)
    with pytest.raises(WrongPassphrase, match="does not unwrap"):
        WrappedFileSource(source.path, passphrase_file=tmp_path / "wrong.pass").load()
    assert source.path.read_bytes() == before


def test_passphrase_from_environment(source, monkeypatch):
    created = source.create()
    monkeypatch.setenv("TEST_STORE_PASSPHRASE", "correct horse battery staple")
    assert WrappedFileSource(source.path, passphrase_env="TEST_STORE_PASSPHRASE").load() == created
    monkeypatch.delenv("TEST_STORE_PASSPHRASE")
    with pytest.raises(StoreKeyError, match="TEST_STORE_PASSPHRASE is not set"):
        WrappedFileSource(source.path, passphrase_env="TEST_STORE_PASSPHRASE").load()


def test_passphrase_file_readable_by_others_is_rejected(source):
    source.create()
    source.passphrase_file.chmod(0o644)
    with pytest.raises(StoreKeyError, match="chmod 600"):
        WrappedFileSource(source.path, passphrase_file=source.passphrase_file).load()


def test_unprovisioned_source_and_second_create(source):
    with pytest.raises(StoreKeyMissing):
        source.load()
    source.create()
    with pytest.raises(StoreKeyError, match="refusing to replace"):
        source.create()


def test_rotation_reopens_with_new_key_only(source, tmp_path):
    path = tmp_path / "store.db"
    old = source.create()
    open_keyed_store(path, source, create=True).database.close()

    result = rotate_store_key(path, source)
    new = source.load()
    assert result.to_json()["rotated"] is True
    assert new.store != old.store
    assert new.biometric == old.biometric
    assert source.pending() is None
    Database.open(path, new.store).close()
    with pytest.raises(WrongStoreKey):
        Database.open(path, old.store)


def test_rotation_interrupted_before_rekey(source, tmp_path):
    path = tmp_path / "store.db"
    keys = source.create()
    open_keyed_store(path, source, create=True).database.close()
    source.save_pending(secrets.token_bytes(32))

    assert load_branch_keys(path, source) == keys
    assert source.pending() is None


def test_rotation_interrupted_after_rekey(source, tmp_path):
    path = tmp_path / "store.db"
    keys = source.create()
    database = open_keyed_store(path, source, create=True).database
    new_key = secrets.token_bytes(32)
    source.save_pending(new_key)
    database.connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    database.close()

    keyed = open_keyed_store(path, source)
    keyed.database.close()
    assert keyed.keys.store == new_key
    assert source.load().store == new_key
    assert source.load().biometric == keys.biometric
    assert source.pending() is None


def test_plain_key_file_cannot_rotate(tmp_path):
    key_file = tmp_path / "keys" / "store.key"
    create_key_file(key_file)
    path = tmp_path / "store.db"
    open_keyed_store(path, PlainFileSource(key_file), create=True).database.close()
    with pytest.raises(StoreKeyError, match="cannot take a new key"):
        rotate_store_key(path, PlainFileSource(key_file))


def write_branch(home, store_lines: str) -> None:
    home.mkdir(exist_ok=True)
    (home / "branch.json").write_text(json.dumps(demo_data()["branch"], ensure_ascii=False))
    (home / "seal.p12").write_bytes(b"")
    (home / "seal.pass").write_text("x")
    (home / "branch.toml").write_text(CONFIG.format(store=store_lines))


def test_config_wrapped_file_source(tmp_path):
    home = tmp_path / "branch"
    write_branch(home, 'key_source = "wrapped_file"\nwrapped_key_file = "keys/store.keys"\npassphrase_file = "keys/store.pass"')
    config = load_config(home)
    assert isinstance(config.store_key, WrappedFileSource)
    assert config.store_key.path == home / "keys" / "store.keys"
    assert config.store_key_file is None


def test_config_rejects_keys_of_other_sources(tmp_path):
    home = tmp_path / "branch"
    write_branch(home, 'key_source = "tpm"\ntpm_dir = "keys/tpm"\ntpm_tcti = "device:/dev/tpmrm0"\nkey_file = "keys/store.key"')
    with pytest.raises(ConfigError, match="store.key_file does not apply to key_source 'tpm'"):
        load_config(home)


def test_config_legacy_key_file(tmp_path):
    home = tmp_path / "branch"
    write_branch(home, 'key_file = "keys/store.key"')
    config = load_config(home)
    assert isinstance(config.store_key, PlainFileSource)
    assert config.store_key_file == home / "keys" / "store.key"


def test_rekey_command_rotates(tmp_path, capsys, monkeypatch):
    home = tmp_path / "branch"
    write_branch(home, 'key_source = "wrapped_file"\nwrapped_key_file = "keys/store.keys"\npassphrase_env = "TEST_REKEY_PASSPHRASE"')
    monkeypatch.setenv("TEST_REKEY_PASSPHRASE", "rekey test passphrase")
    config = load_config(home)
    old = config.store_key.create()
    open_keyed_store(config.store_path, config.store_key, create=True).database.close()

    status = cli.main(["--home", str(home), "--json", "store", "rekey"])
    output = json.loads(capsys.readouterr().out)
    assert status == 0
    assert output["key_source"]["kind"] == "wrapped_file"
    with pytest.raises(WrongStoreKey):
        Database.open(config.store_path, old.store)


def test_adopt_key_moves_a_legacy_branch_off_its_plain_file(tmp_path, capsys, monkeypatch):
    home = tmp_path / "branch"
    write_branch(home, 'key_file = "keys/store.key"')
    legacy = load_config(home)
    create_key_file(legacy.store_key_file)
    keyed = open_keyed_store(legacy.store_path, legacy.store_key, create=True)
    sealed = keyed.biometrics.seal_template(b"\x01" * 512)
    keyed.database.close()
    old_key = PlainFileSource(legacy.store_key_file).load().store

    write_branch(home, 'key_source = "wrapped_file"\nwrapped_key_file = "keys/store.keys"\npassphrase_env = "TEST_ADOPT_PASSPHRASE"')
    monkeypatch.setenv("TEST_ADOPT_PASSPHRASE", "adopt test passphrase")
    status = cli.main(["--home", str(home), "--json", "store", "adopt-key", "--from-key-file", str(legacy.store_key_file)])
    output = json.loads(capsys.readouterr().out)

    assert status == 0
    assert output["key_source"]["kind"] == "wrapped_file"
    assert not legacy.store_key_file.exists()
    with pytest.raises(WrongStoreKey):
        Database.open(legacy.store_path, old_key)
    adopted = open_keyed_store(legacy.store_path, load_config(home).store_key)
    try:
        assert adopted.biometrics.open_template(sealed) == b"\x01" * 512
    finally:
        adopted.database.close()


def test_adopt_key_needs_a_key_source_in_the_config(tmp_path, capsys):
    home = tmp_path / "branch"
    write_branch(home, 'key_file = "keys/store.key"')
    config = load_config(home)
    create_key_file(config.store_key_file)

    status = cli.main(["--home", str(home), "store", "adopt-key", "--from-key-file", str(config.store_key_file)])

    assert status == 2
    assert "set [store] key_source" in capsys.readouterr().err
    assert config.store_key_file.exists()


def test_adopt_key_rejects_a_source_with_other_keys(tmp_path, monkeypatch):
    home = tmp_path / "branch"
    write_branch(home, 'key_source = "wrapped_file"\nwrapped_key_file = "keys/store.keys"\npassphrase_env = "TEST_ADOPT_PASSPHRASE"')
    monkeypatch.setenv("TEST_ADOPT_PASSPHRASE", "adopt test passphrase")
    config = load_config(home)
    config.store_key.create()
    key_file = home / "keys" / "store.key"
    create_key_file(key_file)
    Database.open(config.store_path, PlainFileSource(key_file).load().store, create=True).close()

    from countersign.commands.store_rekey import adopt_plain_key

    with pytest.raises(StoreKeyError, match="do not belong"):
        adopt_plain_key(config.store_path, key_file, config.store_key)
    assert key_file.exists()
