"""Channel coding of the digital side-channel and the separation baselines: 5G NR LDPC (`ldpc`) and CRCs (`crc`)."""
