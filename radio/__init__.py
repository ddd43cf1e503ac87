"""The physical layer and the devices: burst format, OFDM, analog mapping and equalisation,
the digital side-channel (CRC, 5G NR LDPC, QAM), the loopback channel simulator, and device
back-ends (PlutoSDR via pyadi-iio, loopback, SigMF record/replay). numpy/scipy/numba only.
"""
