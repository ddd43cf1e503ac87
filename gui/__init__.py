"""The Qt GUI (pyqtgraph on PySide6): displays and steers; no signal processing here.

``app`` (``run_gui``, ``screenshot``), ``window`` (MainWindow), ``panels`` (what is drawn),
``controls`` (what is steered), ``display`` (display transforms: PSD, histories, waterfall),
``settings`` / ``sessions`` (LinkSettings → LinkSession through ``dvst.link.factory``), ``theme``,
``bench`` (redraw cost). See docs/gui.md.
"""
