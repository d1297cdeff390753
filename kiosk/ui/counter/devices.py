"""The device panel: reader, camera, signature pad, HQ link, last sync and what waits to be sent."""

from datetime import datetime

from devices.camera_feed import CameraFeed
from kiosk.messages import Message
from kiosk.ui import strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QGridLayout, QHBoxLayout, QLabel, QTimer, Signal, Slot

CAMERA_REFRESH_MS = 1000


class DevicePanel(CounterPanel):
    """Shows each device's state; "Probe" queries the reader and the store on the worker.

    The camera line is read from the camera feed every second on the UI thread (the
    feed's counters may be read from any thread). Sync reports arrive through
    ``report_received`` from the sync thread.
    """

    report_received = Signal(object)

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.layout_.addWidget(self.label("counter.devices.title", name="subtitle"))
        grid = QGridLayout()
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, name in enumerate(("reader", "camera", "pad", "hq", "last_sync", "outbox")):
            # The outbox's own key is the value's sentence with counts, so its label has a key of its own.
            label_key = "counter.devices.outbox_label" if name == "outbox" else f"counter.devices.{name}"
            self.names[name] = self.label(label_key)
            grid.addWidget(self.names[name], row, 0)
            value = QLabel(self)
            value.setObjectName(f"{name}Value")
            value.setWordWrap(True)
            grid.addWidget(value, row, 1)
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        self.layout_.addLayout(grid)

        row = QHBoxLayout()
        self.probe_button = self.button("counter.devices.probe", self.probe, "probeButton")
        self.sync_button = self.button("counter.devices.sync_now", self._sync_now, "syncButton")
        self.sync_button.setEnabled(context.runtime.config.hq is not None)
        row.addWidget(self.probe_button)
        row.addWidget(self.sync_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.notice)
        self.layout_.addStretch(1)

        self._report: operations.DeviceReport | None = None
        self._sync_report = None
        self._camera_frames = 0
        self._camera_ok: bool | None = None
        self.report_received.connect(self._sync_reported)
        context.runtime.sync_listeners.append(self.report_received.emit)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_camera)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.timer.start(CAMERA_REFRESH_MS)
        self.refresh_camera()

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def probe(self) -> None:
        self.show_notice(None)
        self.start(operations.probe_devices(self.context), self._probed)

    def _sync_now(self) -> None:
        self.start(operations.sync_now(self.context), lambda _result: self.show_notice(strings.message("counter.devices.sync_asked"), "info"))

    def _probed(self, report: operations.DeviceReport) -> None:
        self._report = report
        self.retranslate()

    @Slot(object)
    def _sync_reported(self, report) -> None:
        self._sync_report = report
        self.retranslate()

    def refresh_camera(self) -> None:
        services = self.context.runtime.services
        camera = services.camera if services is not None else None
        if isinstance(camera, CameraFeed):
            # latest() counts as demand, so the feed opens the camera while the panel is shown.
            camera.latest()
            self._camera_ok = camera.error is None and camera.running
            self._camera_frames = camera.stats.frames
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        language = self.language
        for name, message in self._lines().items():
            self.values[name].setText(message.text(language))

    def _lines(self) -> dict[str, Message]:
        report = self._report
        unknown = strings.message("counter.devices.not_probed")
        lines: dict[str, Message] = {}
        if report is None:
            lines["reader"] = unknown
        elif report.reader_error is not None:
            lines["reader"] = _join(strings.message("counter.devices.reader_failed"), report.reader_error)
        elif report.reader_ok is None:
            lines["reader"] = strings.message("counter.devices.reader_unprobed")
        else:
            card = "counter.devices.card_present" if report.card_present else "counter.devices.card_absent"
            state = "counter.devices.reader_ok" if report.reader_ok else "counter.devices.reader_sam_fault"
            lines["reader"] = _join(strings.message(state), strings.message(card))

        if self._camera_ok is None:
            lines["camera"] = strings.message("counter.devices.camera_unknown")
        else:
            key = "counter.devices.camera_ok" if self._camera_ok else "counter.devices.camera_failed"
            lines["camera"] = strings.message(key).format(frames=self._camera_frames)
        # NOTE: the branch configuration names no external signature pad; customers sign on the screen canvas.
        lines["pad"] = strings.message("counter.devices.pad_canvas")

        hq = self.context.runtime.config.hq
        if hq is None:
            lines["hq"] = strings.message("counter.devices.hq_none")
        else:
            status = self._sync_report.status if self._sync_report is not None else "unknown"
            key = f"counter.devices.hq_status.{status}"
            state = strings.message(key if strings.has(key) else "counter.devices.hq_status.unknown")
            lines["hq"] = _join(strings.message("counter.devices.hq_link").format(url=hq.url), state)

        last_sync = self._last_sync()
        lines["last_sync"] = (
            strings.message("counter.devices.last_sync_at").format(time=f"{last_sync:%Y-%m-%d %H:%M}")
            if last_sync is not None
            else strings.message("counter.devices.never_synced")
        )
        pending, failed = self._outbox()
        lines["outbox"] = unknown if pending is None else strings.message("counter.devices.outbox").format(pending=pending, failed=failed)
        return lines

    def _last_sync(self) -> datetime | None:
        times = []
        if self._sync_report is not None and self._sync_report.status == "ok" and self._sync_report.finished_at:
            times.append(self._sync_report.finished_at)
        if self._report is not None and self._report.last_sync is not None:
            times.append(self._report.last_sync)
        return max(times) if times else None

    def _outbox(self) -> tuple[int | None, int]:
        if self._sync_report is not None:
            return self._sync_report.pending, self._sync_report.failed
        if self._report is not None:
            return self._report.pending, self._report.failed
        return None, 0


def _join(first: Message, second: Message) -> Message:
    return Message(f"{first.zh}，{second.zh}", f"{first.en}, {second.en}")
