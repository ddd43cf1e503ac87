"""Channel coding of the digital side-channel and the separation baselines: 5G NR LDPC (`ldpc`, with
`rate_matching` and the generated `ldpc_tables`) and CRCs (`crc`)."""
