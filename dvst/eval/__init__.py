"""Evaluation: quality metrics (PSNR, MS-SSIM in dB) and bandwidth ratios."""
