"""Synchronisation: burst detection, timing, carrier- and sampling-frequency offset
estimation and tracking, SNR estimation. Hot loops in numba; no torch.
"""
