"""The window's display panels. Each takes ``FrameStats`` and draws; none computes link figures.

Every panel has ``show_stats(stats)`` (draw the newest frame) and ``reset()``; the history and
spectrum panels also have ``append(stats)`` for every frame, so no point or waterfall line is
lost when the window redraws at a lower rate than frames arrive. Plot items are public
attributes, so tests can read their data.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gui import theme
from gui.display import History, Waterfall, magnitude_db, psd_dbfs


def _pen(colour: str, width: float = 1.6, style=QtCore.Qt.PenStyle.SolidLine):
    return pg.mkPen(colour, width=width, style=style)


def _plot(layout: pg.GraphicsLayoutWidget, title: str, xlabel: str, ylabel: str, row: int | None = None,
          col: int | None = None) -> pg.PlotItem:
    p = layout.addPlot(row=row, col=col, title=f"<span style='font-size:{theme.TITLE_PT}pt'>{title}</span>")
    p.setLabel("bottom", xlabel)
    p.setLabel("left", ylabel)
    p.showGrid(x=True, y=True, alpha=theme.GRID_ALPHA)
    p.setMenuEnabled(False)
    for side in ("bottom", "left"):
        p.getAxis(side).enableAutoSIPrefix(False)  # units are in the labels; no "(x0.001)"
    cache_axes(p)
    return p


def _span_at_least(plot: pg.PlotItem, values: np.ndarray, span: float, lo: float | None = None) -> None:
    """Fit the y range to the finite ``values``, never narrower than ``span`` (nor below ``lo``).

    With hysteresis: the range only moves when the values leave it or fill less than a third of
    it, so the axes (cached pictures, costly to redraw) stay still from frame to frame.
    """
    v = values[np.isfinite(values)]
    if v.size == 0:
        return
    a, b = float(v.min()), float(v.max())
    need = max(b - a, span)
    (y0, y1) = plot.getViewBox().viewRange()[1]
    if a >= y0 and b <= y1 and need <= (y1 - y0) <= 3 * need and (lo is None or y0 >= lo):
        return
    mid, half = (a + b) / 2, need / 2 * 1.3
    bottom = mid - half if lo is None else max(lo, mid - half)
    plot.setYRange(bottom, bottom + 2 * half, padding=0)


def cache_axes(plot: pg.PlotItem) -> None:
    """Keep each axis as a pixmap: redrawn when its range changes, not on every repaint.

    Axis text is about a third of a repaint's cost with Qt's raster engine (``python -m
    gui.bench --no-axis-cache``).
    """
    for side in ("left", "bottom", "right", "top"):
        plot.getAxis(side).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _keyed(title: str, *keys: tuple[str, str]) -> str:
    """A plot title that is its own legend: ``title: key1 · key2`` with each key in its trace colour."""
    names = " · ".join(f"<span style='color:{colour}'>{name}</span>" for name, colour in keys)
    return f"{title}: {names}" if title else names


def _fmt(value: float | None, unit: str, digits: int = 1, sign: bool = False) -> str:
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{float(value):{'+' if sign else ''}.{digits}f} {unit}".rstrip()


class FramesPanel(QtWidgets.QWidget):
    """The original and the reconstructed frame side by side, with PSNR and MS-SSIM.

    ``original_item`` / ``reconstruction_item``: pg.ImageItem holding uint8 [H, W, 3];
    ``original_caption`` / ``reconstruction_caption``: the QLabels above them.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        self.original_caption = QtWidgets.QLabel("Original")
        self.reconstruction_caption = QtWidgets.QLabel("Reconstructed")
        for col, label in enumerate((self.original_caption, self.reconstruction_caption)):
            label.setObjectName("title")
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            label.setTextFormat(QtCore.Qt.TextFormat.RichText)
            grid.addWidget(label, 0, col)
        self.view = pg.GraphicsLayoutWidget()
        grid.addWidget(self.view, 1, 0, 1, 2)
        self.original_box = self.view.addViewBox(row=0, col=0, lockAspect=True, invertY=True,
                                                 enableMouse=True)
        self.reconstruction_box = self.view.addViewBox(row=0, col=1, lockAspect=True, invertY=True,
                                                       enableMouse=True)
        self.reconstruction_box.setXLink(self.original_box)
        self.reconstruction_box.setYLink(self.original_box)
        self.original_item = pg.ImageItem(axisOrder="row-major")
        self.reconstruction_item = pg.ImageItem(axisOrder="row-major")
        self.original_box.addItem(self.original_item)
        self.reconstruction_box.addItem(self.reconstruction_item)
        self._shape: tuple[int, ...] | None = None
        self.reset()

    def reset(self) -> None:
        self.original_item.clear()
        self.reconstruction_item.clear()
        self._shape = None
        self.original_caption.setText("Original")
        self.reconstruction_caption.setText("Reconstructed")

    def show_stats(self, stats) -> None:
        if stats.reconstruction is None:
            return
        rec = np.asarray(stats.reconstruction)
        self.reconstruction_item.setImage(rec, autoLevels=False, levels=(0, 255))
        if stats.original is not None:
            self.original_item.setImage(np.asarray(stats.original), autoLevels=False, levels=(0, 255))
            self.original_caption.setText(f"Original · frame {stats.index} ({stats.kind})")
        else:
            self.original_item.clear()
            self.original_caption.setText(f"Original · frame {stats.index} ({stats.kind}) · "
                                          f"<span style='color:{theme.MUTED}'>"
                                          "no reference at this receiver</span>")
        quality = f"PSNR {_fmt(stats.psnr_db, 'dB', 2)} · MS-SSIM {_fmt(stats.msssim_db, 'dB', 2)}"
        if stats.status == "concealed":
            why = f" ({stats.reason})" if getattr(stats, "reason", "") else ""
            quality += f" · <span style='color:{theme.CONCEALED}'>CONCEALED{why}</span>"
        self.reconstruction_caption.setText(f"Reconstructed · {quality}")
        if rec.shape != self._shape:  # new frame size: fit it once, then leave the user's zoom alone
            self._shape = rec.shape
            self.original_box.autoRange(padding=0.0)


class HistoryPanel(pg.GraphicsLayoutWidget):
    """Per-frame histories: SNR (measured, set), quality (PSNR, MS-SSIM), CBR (payload, air), concealed.

    ``curves[name]`` is the pg.PlotDataItem of each trace; names are those of ``TRACES``.
    """

    TRACES = ("snr_measured_db", "snr_set_db", "psnr_db", "msssim_db", "payload_cbr", "air_cbr",
              "frames_concealed")

    def __init__(self, length: int = 300, parent=None):
        super().__init__(parent=parent)
        self.history = History(self.TRACES, length)
        snr = _plot(self, _keyed("In-band SNR", ("measured", theme.MEASURED), ("set", theme.SET)),
                    "frame", "dB", 0, 0)
        quality = _plot(self, _keyed("", ("PSNR", theme.PSNR), ("MS-SSIM", theme.MSSSIM)),
                        "frame", "dB", 0, 1)
        cbr = _plot(self, _keyed("CBR", ("payload", theme.PAYLOAD_CBR), ("air", theme.AIR_CBR)),
                    "frame", "symbols / source value", 0, 2)
        lost = _plot(self, _keyed("", ("Frames concealed", theme.CONCEALED)), "frame", "count", 0, 3)
        for p in (quality, cbr, lost):
            p.setXLink(snr)
        dash = QtCore.Qt.PenStyle.DashLine
        self.plots = {"snr": snr, "quality": quality, "cbr": cbr, "concealed": lost}
        self.curves = {
            "snr_measured_db": snr.plot(pen=_pen(theme.MEASURED), name="measured", connect="finite"),
            "snr_set_db": snr.plot(pen=_pen(theme.SET, 1.4, dash), name="set (loopback)", connect="finite"),
            "psnr_db": quality.plot(pen=_pen(theme.PSNR), name="PSNR", connect="finite"),
            "msssim_db": quality.plot(pen=_pen(theme.MSSSIM), name="MS-SSIM", connect="finite"),
            "payload_cbr": cbr.plot(pen=_pen(theme.PAYLOAD_CBR), name="payload", connect="finite"),
            "air_cbr": cbr.plot(pen=_pen(theme.AIR_CBR), name="air", connect="finite"),
            "frames_concealed": lost.plot(pen=_pen(theme.CONCEALED), stepMode=None, connect="finite",
                                          fillLevel=0, brush=pg.mkBrush(theme.CONCEALED + "40")),
        }

    def append(self, stats) -> None:
        self.history.append(stats.index, **{n: getattr(stats, n) for n in self.TRACES})

    def show_stats(self, stats=None) -> None:
        x = self.history.x
        for name, curve in self.curves.items():
            curve.setData(x, self.history.trace(name))
        # A flat trace would otherwise be auto-zoomed onto its rounding noise.
        _span_at_least(self.plots["concealed"], self.history.trace("frames_concealed"), 2.0, lo=-0.1)
        snr = np.concatenate([self.history.trace("snr_measured_db"), self.history.trace("snr_set_db")])
        _span_at_least(self.plots["snr"], snr, 4.0)

    def reset(self) -> None:
        self.history.clear()
        for curve in self.curves.values():
            curve.setData([], [])


class ConstellationPanel(pg.GraphicsLayoutWidget):
    """Equalised payload (analog), pilot and header symbols, each in its own colour.

    ``scatters[name]`` is the pg.ScatterPlotItem for "payload", "pilots", "header".
    """

    SETS = (("payload", "payload", theme.PAYLOAD, 3),
            ("pilots", "pilots", theme.PILOTS, 5),
            ("header", "header", theme.HEADER, 5))

    def __init__(self, limit: float = 2.0, parent=None):
        super().__init__(parent=parent)
        self.plot = _plot(self, _keyed("", *((label, colour) for _, label, colour, _ in self.SETS)),
                          "I (equalised)", "Q")
        self.plot.setAspectLocked(True)
        self.plot.setRange(xRange=(-limit, limit), yRange=(-limit, limit), padding=0.02)
        self.scatters = {}
        for name, label, colour, size in self.SETS:
            item = pg.ScatterPlotItem(size=size, pen=None, brush=pg.mkBrush(colour + "b0"), name=label)
            self.plot.addItem(item)
            self.scatters[name] = item

    def show_stats(self, stats) -> None:
        points = stats.constellation or {}
        if not any(len(v) for v in points.values()):
            return  # a frame with no burst (concealed): keep showing the last one received
        for name, item in self.scatters.items():
            z = np.asarray(points.get(name, np.zeros(0)), dtype=np.complex64).reshape(-1)
            item.setData(x=z.real, y=z.imag)

    def reset(self) -> None:
        for item in self.scatters.values():
            item.clear()


class ChannelPanel(pg.GraphicsLayoutWidget):
    """Estimated channel magnitude per used subcarrier, in dB. ``curve``: its pg.PlotDataItem."""

    def __init__(self, parent=None):
        super().__init__(parent=parent)
        self.plot = _plot(self, "Channel magnitude |H|", "used subcarrier", "dB")
        self.curve = self.plot.plot(pen=_pen(theme.CHANNEL), symbol="o", symbolSize=3,
                                    symbolBrush=theme.CHANNEL, symbolPen=None)

    def show_stats(self, stats) -> None:
        if stats.channel_mag is None or len(stats.channel_mag) == 0:
            return  # a frame with no burst (concealed): keep showing the last estimate
        mag = np.asarray(stats.channel_mag)
        db = magnitude_db(mag)
        self.curve.setData(np.arange(mag.size), db)
        _span_at_least(self.plot, db, 20.0)

    def reset(self) -> None:
        self.curve.setData([], [])


class SpectrumPanel(pg.GraphicsLayoutWidget):
    """Received PSD (dBFS/Hz against offset from the LO, MHz) above a waterfall of the same.

    ``psd_curve``: pg.PlotDataItem; ``waterfall_item``: pg.ImageItem of ``waterfall.image``.
    """

    def __init__(self, nfft: int = 256, rows: int = 60, parent=None):
        super().__init__(parent=parent)
        self.nfft = nfft
        self.waterfall = Waterfall(nfft, rows)
        self.psd_plot = _plot(self, "Received spectrum", "", "dBFS/Hz", 0, 0)
        self.psd_curve = self.psd_plot.plot(pen=_pen(theme.PSD, 1.2))
        self.waterfall_plot = _plot(self, "Waterfall", "offset from LO (MHz)", "frames ago", 1, 0)
        self.waterfall_plot.setXLink(self.psd_plot)
        self.waterfall_item = pg.ImageItem(axisOrder="row-major")
        self.waterfall_item.setColorMap(pg.colormap.get(theme.WATERFALL_COLORMAP))
        self.waterfall_plot.addItem(self.waterfall_item)
        self.ci.layout.setRowStretchFactor(0, 1)
        self.ci.layout.setRowStretchFactor(1, 1)
        self._rate: float | None = None
        self._latest: tuple[np.ndarray, np.ndarray] | None = None

    def append(self, stats) -> None:
        """One waterfall line per frame (its snippet's PSD), drawn or not."""
        if stats.rx_snippet is None or len(stats.rx_snippet) == 0 or not stats.sample_rate:
            return
        freqs, psd = psd_dbfs(stats.rx_snippet, stats.sample_rate, self.nfft)
        self.waterfall.push(psd)
        self._latest = (freqs / 1e6, psd)

    def show_stats(self, stats) -> None:
        if self._latest is None or not stats.sample_rate:
            return
        mhz, psd = self._latest
        self.psd_curve.setData(mhz, psd)
        _span_at_least(self.psd_plot, psd, 40.0)
        self.waterfall_item.setImage(self.waterfall.image, autoLevels=False, levels=self.waterfall.levels())
        if stats.sample_rate != self._rate:
            self._rate = stats.sample_rate
            span = stats.sample_rate / 1e6
            rows = self.waterfall.rows
            # Row 0 (top) is the oldest line: "frames ago" runs from rows down to 0 at the bottom.
            self.waterfall_item.setRect(QtCore.QRectF(-span / 2, 0, span, rows))
            self.waterfall_plot.invertY(False)
            self.waterfall_plot.getAxis("left").setTicks(
                [[(rows - k, str(k)) for k in range(0, rows + 1, max(rows // 4, 1))]])
            self.psd_plot.setXRange(-span / 2, span / 2, padding=0)
            self.waterfall_plot.setYRange(0, rows, padding=0)

    def reset(self) -> None:
        self.psd_curve.setData([], [])
        self.waterfall.clear()
        self.waterfall_item.clear()
        self._rate = None
        self._latest = None


class StatusPanel(QtWidgets.QGroupBox):
    """Receiver and link status as name/value rows. ``values[name]``: the value QLabel."""

    ROWS = (("frame", "frame"), ("snr", "SNR measured"), ("cfo", "CFO"), ("sfo", "SFO"),
            ("timing", "timing"), ("fps", "rate"), ("latency", "latency"), ("concealed", "concealed"),
            ("device", "device"), ("model", "model"))

    def __init__(self, parent=None):
        super().__init__("Status", parent)
        form = QtWidgets.QFormLayout(self)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        self.values: dict[str, QtWidgets.QLabel] = {}
        for key, label in self.ROWS:
            value = QtWidgets.QLabel("—")
            value.setObjectName("value")
            value.setWordWrap(True)  # device and model names can be long
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
            self.values[key] = value

    def show_stats(self, stats) -> None:
        v = self.values
        v["frame"].setText(f"{stats.index} ({stats.kind}, {stats.status})")
        snr = _fmt(stats.snr_measured_db, "dB")
        if stats.snr_set_db is not None:
            snr += f"  (set {_fmt(stats.snr_set_db, 'dB')})"
        v["snr"].setText(snr)
        v["cfo"].setText(_fmt(stats.cfo_hz, "Hz", 1, sign=True))
        v["sfo"].setText(_fmt(stats.sfo_ppm, "ppm", 2, sign=True))
        if stats.timing is not None and stats.sample_rate:
            v["timing"].setText(f"{int(stats.timing)} (t = {stats.timing / stats.sample_rate:.3f} s)")
        else:
            v["timing"].setText("—")
        v["fps"].setText(_fmt(stats.fps, "fps"))
        v["latency"].setText(_fmt(stats.latency_ms, "ms", 0))
        v["concealed"].setText(str(stats.frames_concealed))
        v["device"].setText(str(stats.device))
        v["model"].setText(str(stats.model))

    def reset(self) -> None:
        for value in self.values.values():
            value.setText("—")
