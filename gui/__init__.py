"""The Qt GUI (pyqtgraph on PySide6): displays and steers; no signal processing here."""
