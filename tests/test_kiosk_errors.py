"""The kiosk UI's one error mapping: typed errors get their sentence, anything else the generic one, all logged."""

import logging

import pytest

from devices.errors import NoCardError
from kiosk.contracts.template_errors import TemplateNotFound
from kiosk.errors import ConfigError, CounterSignError, NoFaceFound, StoreCorrupt
from kiosk.session import Stage
from kiosk.ui.errors import GENERIC, customer_message, report_error
from sync.client import HqNotTrusted, HqUnreachable
from tests.test_kiosk_ui import (  # noqa: F401 (fixtures are found by name)
    STEP_TIMEOUT_MS,
    branch_config,
    click,
    open_kiosk,
    visible_text,
    walk_to_document,
)

TECHNICAL_TEXT = "invalid literal for int() with base 16: 'zz' at /opt/lib/parser.py"


@pytest.mark.parametrize(
    ("error", "expected_zh"),
    [
        (NoFaceFound("no face in frame 3"), "未检测到人脸"),
        (NoCardError("SW1=6A SW2=82"), "未检测到证件"),
        (StoreCorrupt("page 4 checksum"), "本机数据存储已损坏"),
        (HqUnreachable("connect timeout to 10.0.0.1"), "暂时无法连接总部"),
        (HqNotTrusted("certificate verify failed"), "安全连接配置有误"),
        (ValueError(TECHNICAL_TEXT), GENERIC.zh),
        (KeyError("lessee_id_number"), GENERIC.zh),
    ],
)
def test_error_maps_to_its_sentence(error, expected_zh):
    message = customer_message(error)
    assert expected_zh in message.zh
    assert message.en.strip()
    assert str(error) not in message.zh
    assert str(error) not in message.en


def test_it_detail_never_reaches_customer():
    template_error = TemplateNotFound("rental-agreement", "3", "/srv/branch/templates/rental-agreement-3.json")
    assert "/srv/branch" in template_error.message.zh  # the sentence written for IT names the path
    assert "/srv/branch" not in customer_message(template_error).zh
    config_error = ConfigError("bad key", CounterSignError.message)
    assert customer_message(config_error) == ConfigError.message


def test_report_error_logs_traceback_and_session(caplog):
    try:
        int("zz", 16)
    except ValueError as raised:
        error = raised
    with caplog.at_level(logging.ERROR, logger="kiosk.ui.errors"):
        message = report_error(error, "operation parse", "S-42")
    assert message == GENERIC
    (record,) = caplog.records
    assert "S-42" in record.getMessage()
    assert "untyped error ValueError" in record.getMessage()
    assert record.exc_info[1] is error
    assert record.exc_info[2] is not None


def test_raw_library_error_shows_generic_sentence(qtbot, open_kiosk, monkeypatch, caplog):
    window = open_kiosk()
    walk_to_document(qtbot, window)
    session = window.context.session
    document = window.screens[Stage.DOCUMENT]

    def read_document_failing():
        # A library bug surfacing as a bare ValueError in the middle of the read.
        return int("zz", 16)

    monkeypatch.setattr(session, "read_document", read_document_failing)
    with caplog.at_level(logging.ERROR, logger="kiosk.ui.errors"):
        click(qtbot, document.read_button)
        qtbot.waitUntil(lambda: document.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)

    assert document.notice.text() == GENERIC.zh
    shown = visible_text(window)
    assert "invalid literal" not in shown
    assert "ValueError" not in shown
    assert "Traceback" not in shown
    click(qtbot, window.language_button)
    assert document.notice.text() == GENERIC.en

    (record,) = [record for record in caplog.records if record.name == "kiosk.ui.errors"]
    assert session.session_id in record.getMessage()
    assert "read_document" in record.getMessage()
    assert isinstance(record.exc_info[1], ValueError)
    assert "invalid literal" in caplog.text
    assert "Traceback" in caplog.text
    assert window.context.session is session
    assert session.stage is Stage.DOCUMENT
