"""Separation-based schemes (H.264/H.265 + LDPC + QAM, "+ Capacity") and SoftCast."""
