"""The window's look: one dark palette, one set of trace colours, one font size.

Colours are chosen so that the three constellation sets and the paired history traces
(measured vs set SNR, payload vs air CBR, PSNR vs MS-SSIM) stay apart on a dark background
and for the common forms of colour blindness (Okabe-Ito hues).
"""

from __future__ import annotations

BACKGROUND = "#15171c"
PANEL = "#1d2027"
FOREGROUND = "#d8dce4"
MUTED = "#8a91a0"
GRID_ALPHA = 0.25

# Trace colours (Okabe-Ito).
PAYLOAD = "#56b4e9"  # sky blue
PILOTS = "#e69f00"  # orange
HEADER = "#cc79a7"  # reddish purple
MEASURED = "#56b4e9"
SET = "#f0e442"  # yellow
PSNR = "#009e73"  # bluish green
MSSSIM = "#cc79a7"
PAYLOAD_CBR = "#56b4e9"
AIR_CBR = "#e69f00"
CONCEALED = "#d55e00"  # vermillion
CHANNEL = "#009e73"
PSD = "#56b4e9"
WATERFALL_COLORMAP = "inferno"

# Colours a palettised screenshot keeps exact.
PALETTE = (BACKGROUND, PANEL, FOREGROUND, MUTED, "#ffffff", PAYLOAD, PILOTS, HEADER, SET, PSNR, CONCEALED)

FONT_PT = 10
TITLE_PT = 11

STYLESHEET = f"""
QWidget {{ background: {BACKGROUND}; color: {FOREGROUND}; font-size: {FONT_PT}pt; }}
QGroupBox {{ border: 1px solid #2c313b; border-radius: 4px; margin-top: 14px; padding: 6px 4px 4px 4px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 3px; color: {MUTED};
    font-weight: bold; }}
QPushButton {{ background: #2a2f3a; border: 1px solid #3a4150; border-radius: 3px; padding: 4px 10px; }}
QPushButton:hover {{ background: #343a47; }}
QPushButton:disabled {{ color: #5a6070; }}
QPushButton:checked {{ background: #7a2020; border-color: #b03030; }}
QComboBox, QLineEdit, QDoubleSpinBox, QSpinBox {{ background: {PANEL}; border: 1px solid #3a4150;
    border-radius: 3px; padding: 2px 4px; }}
QCheckBox::indicator {{ width: 13px; height: 13px; border: 1px solid #5a6070; border-radius: 2px;
    background: {PANEL}; }}
QCheckBox::indicator:checked {{ background: {MEASURED}; border-color: {MEASURED}; }}
QLabel#value {{ color: #ffffff; font-family: monospace; }}
QLabel#title {{ color: {FOREGROUND}; font-size: {TITLE_PT}pt; font-weight: bold; }}
QStatusBar {{ color: {MUTED}; }}
QScrollBar:vertical {{ background: {BACKGROUND}; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{ background: #3a4150; border-radius: 4px; min-height: 30px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
"""


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options: dark background, antialiased lines, row-major images."""
    import pyqtgraph as pg

    pg.setConfigOptions(background=BACKGROUND, foreground=FOREGROUND, antialias=True,
                        imageAxisOrder="row-major")
