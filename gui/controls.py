"""The control column: source, live channel (loopback), radio (Pluto), replay file, codec target,
and the Start / Stop / Record buttons. It only emits signals; the window acts on them.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from dvst.link.catalog import radio_defaults, scenario_defaults
from foundation.errors import ProjectError
from gui.settings import SOURCES, LinkSettings

SOURCE_LABELS = {"loopback": "Loopback (simulated Plutos)", "pluto": "PlutoSDR",
                 "zmq": "GNU Radio (ZeroMQ)", "replay": "Replay SigMF"}


class SliderRow(QtWidgets.QWidget):
    """A labelled horizontal slider over [lo, hi] in steps of ``step``, with its value shown.

    ``value()`` / ``setValue(float)``; ``valueChanged(float)`` fires while dragging.
    """

    valueChanged = QtCore.Signal(float)

    def __init__(self, lo: float, hi: float, step: float, value: float, unit: str, digits: int = 1,
                 parent=None):
        super().__init__(parent)
        self.lo, self.step, self.unit, self.digits = lo, step, unit, digits
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((hi - lo) / step))
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("value")
        self.label.setMinimumWidth(72)
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)
        self.setValue(value)
        self._moved(self.slider.value())

    def value(self) -> float:
        return round(self.lo + self.slider.value() * self.step, 6)

    def setValue(self, value: float) -> None:
        self.slider.setValue(round((value - self.lo) / self.step))

    def _moved(self, _position: int) -> None:
        self.label.setText(f"{self.value():.{self.digits}f} {self.unit}")
        self.valueChanged.emit(self.value())


class ControlPanel(QtWidgets.QWidget):
    """Controls; ``settings()`` reads them into a LinkSettings.

    Signals: ``startRequested``, ``stopRequested``, ``recordToggled(bool)``,
    ``channelChanged(dict)`` (debounced ``set_channel`` keywords), ``targetChanged(dict)``
    (``set_target`` keywords), ``radioChanged(dict)`` (``dvst.link.devices.set_radio`` keywords:
    lo_hz, rx_gain_db, tx_gain_db). scenarios: loopback channel scenario names; models: zoo names.
    """

    startRequested = QtCore.Signal()
    stopRequested = QtCore.Signal()
    recordToggled = QtCore.Signal(bool)
    channelChanged = QtCore.Signal(dict)
    targetChanged = QtCore.Signal(dict)
    radioChanged = QtCore.Signal(dict)

    def __init__(self, settings: LinkSettings | None = None, models: list[str] | None = None,
                 scenarios: list[str] | None = None, multipath_profiles: list[str] | None = None,
                 debounce_ms: int = 120, parent=None):
        super().__init__(parent)
        s = settings or LinkSettings()
        link = s.link
        self._running = False
        try:  # offsets and multipath left open (None) start at the scenario's values
            d = scenario_defaults(link.channel)
        except ProjectError:
            d = {"cfo_ppm": 0.0, "sfo_ppm": 0.0, "multipath": None}
        self._base = link
        self._input = s.input
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)

        box = QtWidgets.QGroupBox("Source")
        form = QtWidgets.QFormLayout(box)
        self.source = QtWidgets.QComboBox()
        for key in SOURCES:
            self.source.addItem(SOURCE_LABELS[key], key)
        form.addRow(self.source)
        column.addWidget(box)

        self.channel_box = QtWidgets.QGroupBox("Loopback channel (live)")
        form = QtWidgets.QFormLayout(self.channel_box)
        self.scenario = QtWidgets.QComboBox()
        for name in scenarios or [link.channel]:
            self.scenario.addItem(name, name)
        if self.scenario.findData(link.channel) < 0:
            self.scenario.addItem(link.channel, link.channel)
        self.scenario.setCurrentIndex(self.scenario.findData(link.channel))
        self.snr = SliderRow(-5, 35, 0.5, link.snr_db, "dB")
        self.cfo = SliderRow(-30, 30, 0.5, d["cfo_ppm"] if link.cfo_ppm is None else link.cfo_ppm, "ppm")
        self.sfo = SliderRow(-50, 50, 0.5, d["sfo_ppm"] if link.sfo_ppm is None else link.sfo_ppm, "ppm")
        self.multipath = QtWidgets.QComboBox()
        self.multipath.addItem("none", "none")
        for name in multipath_profiles or []:
            self.multipath.addItem(name, name)
        self._set_multipath(d["multipath"] if s.multipath is None else s.multipath)
        form.addRow("scenario", self.scenario)
        form.addRow("SNR", self.snr)
        form.addRow("CFO", self.cfo)
        form.addRow("SFO", self.sfo)
        form.addRow("multipath", self.multipath)
        column.addWidget(self.channel_box)

        self.pluto_box = QtWidgets.QGroupBox("PlutoSDR (LO and gains live)")
        form = QtWidgets.QFormLayout(self.pluto_box)
        self.uri = QtWidgets.QLineEdit(link.uri or "ip:192.168.2.1")
        self.lo = QtWidgets.QDoubleSpinBox(decimals=3, minimum=70.0, maximum=6000.0, singleStep=1.0,
                                           suffix=" MHz")
        radio = radio_defaults(link.radio)  # what the board runs with unless told otherwise
        self.lo.setValue((link.lo_hz or radio["lo_hz"]) / 1e6)
        self.rx_gain = QtWidgets.QDoubleSpinBox(decimals=0, minimum=-3, maximum=71, suffix=" dB")
        self.rx_gain.setValue(link.rx_gain_db if link.rx_gain_db is not None else radio["rx_gain_db"])
        self.tx_gain = QtWidgets.QDoubleSpinBox(decimals=2, minimum=-89.75, maximum=0, singleStep=0.25,
                                                suffix=" dB")
        self.tx_gain.setValue(link.tx_gain_db if link.tx_gain_db is not None else radio["tx_gain_db"])
        form.addRow("URI", self.uri)
        form.addRow("LO", self.lo)
        form.addRow("RX gain", self.rx_gain)
        form.addRow("TX gain", self.tx_gain)
        self.cable = QtWidgets.QCheckBox("transmit too (one board, cable)")
        self.cable.setChecked(s.cable)
        form.addRow(self.cable)
        column.addWidget(self.pluto_box)

        self.replay_box = QtWidgets.QGroupBox("Replay")
        row = QtWidgets.QHBoxLayout(self.replay_box)
        self.replay_path = QtWidgets.QLineEdit(s.replay_path)
        self.replay_path.setPlaceholderText("capture.sigmf-meta")
        browse = QtWidgets.QPushButton("…")
        browse.setFixedWidth(34)
        browse.clicked.connect(self._browse)
        row.addWidget(self.replay_path, 1)
        row.addWidget(browse)
        column.addWidget(self.replay_box)

        box = QtWidgets.QGroupBox("Codec")
        form = QtWidgets.QFormLayout(box)
        self.model = QtWidgets.QComboBox()
        self.model.addItem("default", None)
        for name in models or []:
            self.model.addItem(name, name)
        if link.model is not None:
            if self.model.findData(link.model) < 0:
                self.model.addItem(link.model, link.model)
            self.model.setCurrentIndex(self.model.findData(link.model))
        self.cbr = QtWidgets.QDoubleSpinBox(decimals=4, minimum=0.0, maximum=0.9999, singleStep=0.005)
        self.cbr.setSpecialValueText("model's own")
        self.cbr.setValue(link.cbr or 0.0)
        form.addRow("model", self.model)
        form.addRow("target CBR", self.cbr)
        column.addWidget(box)

        buttons = QtWidgets.QHBoxLayout()
        self.start_button = QtWidgets.QPushButton("Start")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.record_button = QtWidgets.QPushButton("Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("record the link as SigMF: what the receiver hears "
                                      "(what is sent, on a transmitter alone)")
        for b in (self.start_button, self.stop_button, self.record_button):
            buttons.addWidget(b)
        column.addLayout(buttons)

        self.source.setCurrentIndex(max(self.source.findData(s.source), 0))
        self._source_changed()
        self.source.currentIndexChanged.connect(self._source_changed)
        self.scenario.currentIndexChanged.connect(self._scenario_changed)
        self.start_button.clicked.connect(self.startRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.record_button.toggled.connect(self.recordToggled)

        # Sliders fire on every pixel while dragged: send the channel once it settles.
        self._debounce = QtCore.QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(lambda: self.channelChanged.emit(self.settings().channel()))
        for slider in (self.snr, self.cfo, self.sfo):
            slider.valueChanged.connect(lambda _v: self._debounce.start())
        self.multipath.currentIndexChanged.connect(lambda _i: self._debounce.start())
        for box in (self.lo, self.rx_gain, self.tx_gain):
            box.setKeyboardTracking(False)  # one change per value typed, not per digit
            box.editingFinished.connect(self._radio_edited)
        self.model.currentIndexChanged.connect(lambda _i: self.targetChanged.emit(self.settings().target()))
        self.cbr.editingFinished.connect(lambda: self.targetChanged.emit(self.settings().target()))

    def radio(self) -> dict:
        """The PlutoSDR box as ``set_radio`` keywords: LO (Hz) and gains (dB)."""
        return {"lo_hz": self.lo.value() * 1e6, "rx_gain_db": self.rx_gain.value(),
                "tx_gain_db": self.tx_gain.value()}

    def _radio_edited(self) -> None:
        if self._running and self.source.currentData() == "pluto":
            self.radioChanged.emit(self.radio())

    def settings(self) -> LinkSettings:
        """The controls as a LinkSettings; fields the window has no control for keep their start values."""
        from dataclasses import replace

        cbr = self.cbr.value()
        link = replace(self._base, channel=self.scenario.currentData(), snr_db=self.snr.value(),
                       cfo_ppm=self.cfo.value(), sfo_ppm=self.sfo.value(), model=self.model.currentData(),
                       cbr=cbr if cbr > 0 else None)
        if self.source.currentData() == "pluto":  # elsewhere the radio profile's LO and gains stand
            link = replace(link, uri=self.uri.text().strip() or None, lo_hz=self.lo.value() * 1e6,
                           rx_gain_db=self.rx_gain.value(), tx_gain_db=self.tx_gain.value())
        multipath = self.multipath.currentData()
        return LinkSettings(source=self.source.currentData(), input=self._input,
                            replay_path=self.replay_path.text().strip(), cable=self.cable.isChecked(),
                            multipath=False if multipath == "none" else multipath, link=link)

    def show_settings(self, settings: LinkSettings) -> None:
        """Show what a session built elsewhere runs with (source, scenario, SNR, offsets,
        multipath), without sending anything back to it."""
        link = settings.link
        widgets = (self.source, self.scenario, self.snr.slider, self.cfo.slider, self.sfo.slider,
                   self.multipath)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.source.setCurrentIndex(max(self.source.findData(settings.source), 0))
            if self.scenario.findData(link.channel) < 0:
                self.scenario.addItem(link.channel, link.channel)
            self.scenario.setCurrentIndex(self.scenario.findData(link.channel))
            self.snr.setValue(link.snr_db)
            if link.cfo_ppm is not None:
                self.cfo.setValue(link.cfo_ppm)
            if link.sfo_ppm is not None:
                self.sfo.setValue(link.sfo_ppm)
            if settings.multipath is not None:
                self._set_multipath(settings.multipath)
        finally:
            for w in widgets:
                w.blockSignals(False)
        for row in (self.snr, self.cfo, self.sfo):  # the value labels follow the sliders
            row.label.setText(f"{row.value():.{row.digits}f} {row.unit}")
        self._source_changed()

    def set_running(self, running: bool) -> None:
        """Start is for a stopped link, Stop and Record for a running one; the source is fixed
        while running."""
        self._running = running
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.record_button.setEnabled(running)
        self.source.setEnabled(not running)
        self.scenario.setEnabled(not running)
        self.uri.setEnabled(not running)  # LO and gains stay live on a running board
        self.cable.setEnabled(not running)
        self.replay_box.setEnabled(not running and self.source.currentData() == "replay")
        if not running and self.record_button.isChecked():
            self.record_button.blockSignals(True)
            self.record_button.setChecked(False)
            self.record_button.blockSignals(False)

    def _set_multipath(self, name: str | bool | None) -> None:
        name = name or "none"
        if self.multipath.findData(name) < 0:
            self.multipath.addItem(str(name), name)
        self.multipath.setCurrentIndex(self.multipath.findData(name))

    def _scenario_changed(self) -> None:
        """A new scenario brings its own offsets and multipath (the SNR slider stays the user's)."""
        try:
            d = scenario_defaults(self.scenario.currentData())
        except ProjectError:
            return
        self.cfo.setValue(d["cfo_ppm"])
        self.sfo.setValue(d["sfo_ppm"])
        self._set_multipath(d["multipath"])

    def _source_changed(self) -> None:
        kind = self.source.currentData()
        self.channel_box.setEnabled(kind == "loopback")
        self.pluto_box.setEnabled(kind == "pluto")
        self.replay_box.setEnabled(kind == "replay")

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "SigMF recording", "", "SigMF (*.sigmf-meta)")
        if path:
            self.replay_path.setText(path)
