"""Digital modulation: QAM mapping with 3GPP TS 38.211 labelling and soft demapping (`qam`)."""
