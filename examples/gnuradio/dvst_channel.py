#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: DVST through a GNU Radio channel model
# Author: dvst
# Description: The DVST loopback through GNU Radio: dvst sends its baseband to tx_endpoint (dvst binds, this ZMQ PULL source connects), GNU Radio's channel model adds noise, a carrier offset and a sample-clock offset, and the ZMQ PUSH sink binds rx_endpoint for dvst to receive from. Raw complex float32 items, tags off. Headless.
# GNU Radio version: 3.10.5.1

from gnuradio import channels
from gnuradio.filter import firdes
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import zeromq




class dvst_channel(gr.top_block):

    def __init__(self, samp_rate=2e6, tx_endpoint='tcp://127.0.0.1:5555', rx_endpoint='tcp://127.0.0.1:5556', noise_voltage=0.01, freq_offset_hz=1000, sfo_ppm=10, seed=0):
        gr.top_block.__init__(self, "DVST through a GNU Radio channel model", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.samp_rate = samp_rate
        self.tx_endpoint = tx_endpoint
        self.rx_endpoint = rx_endpoint
        self.noise_voltage = noise_voltage
        self.freq_offset_hz = freq_offset_hz
        self.sfo_ppm = sfo_ppm
        self.seed = seed

        ##################################################
        # Blocks
        ##################################################

        self.zeromq_push_sink_0 = zeromq.push_sink(gr.sizeof_gr_complex, 1, rx_endpoint, 100, False, (-1))
        self.zeromq_pull_source_0 = zeromq.pull_source(gr.sizeof_gr_complex, 1, tx_endpoint, 100, False, (-1))
        self.channels_channel_model_0 = channels.channel_model(
            noise_voltage=noise_voltage,
            frequency_offset=(freq_offset_hz / samp_rate),
            epsilon=(1.0 + sfo_ppm * 1e-6),
            taps=[1.0],
            noise_seed=seed,
            block_tags=False)


        ##################################################
        # Connections
        ##################################################
        self.connect((self.channels_channel_model_0, 0), (self.zeromq_push_sink_0, 0))
        self.connect((self.zeromq_pull_source_0, 0), (self.channels_channel_model_0, 0))


    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.channels_channel_model_0.set_frequency_offset((self.freq_offset_hz / self.samp_rate))

    def get_tx_endpoint(self):
        return self.tx_endpoint

    def set_tx_endpoint(self, tx_endpoint):
        self.tx_endpoint = tx_endpoint

    def get_rx_endpoint(self):
        return self.rx_endpoint

    def set_rx_endpoint(self, rx_endpoint):
        self.rx_endpoint = rx_endpoint

    def get_noise_voltage(self):
        return self.noise_voltage

    def set_noise_voltage(self, noise_voltage):
        self.noise_voltage = noise_voltage
        self.channels_channel_model_0.set_noise_voltage(self.noise_voltage)

    def get_freq_offset_hz(self):
        return self.freq_offset_hz

    def set_freq_offset_hz(self, freq_offset_hz):
        self.freq_offset_hz = freq_offset_hz
        self.channels_channel_model_0.set_frequency_offset((self.freq_offset_hz / self.samp_rate))

    def get_sfo_ppm(self):
        return self.sfo_ppm

    def set_sfo_ppm(self, sfo_ppm):
        self.sfo_ppm = sfo_ppm
        self.channels_channel_model_0.set_timing_offset((1.0 + self.sfo_ppm * 1e-6))

    def get_seed(self):
        return self.seed

    def set_seed(self, seed):
        self.seed = seed



def argument_parser():
    description = "The DVST loopback through GNU Radio: dvst sends its baseband to tx_endpoint (dvst binds, this ZMQ PULL source connects), GNU Radio's channel model adds noise, a carrier offset and a sample-clock offset, and the ZMQ PUSH sink binds rx_endpoint for dvst to receive from. Raw complex float32 items, tags off. Headless."
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(2e6)),
        help="Set Sample rate (S/s), the radio profile's [default=%(default)r]")
    parser.add_argument(
        "--tx-endpoint", dest="tx_endpoint", type=str, default='tcp://127.0.0.1:5555',
        help="Set dvst's transmit endpoint (this flowgraph connects to it) [default=%(default)r]")
    parser.add_argument(
        "--rx-endpoint", dest="rx_endpoint", type=str, default='tcp://127.0.0.1:5556',
        help="Set dvst's receive endpoint (this flowgraph binds it) [default=%(default)r]")
    parser.add_argument(
        "--noise-voltage", dest="noise_voltage", type=eng_float, default=eng_notation.num_to_str(float(0.01)),
        help="Set Noise voltage (RMS, full-scale units) [default=%(default)r]")
    parser.add_argument(
        "--freq-offset-hz", dest="freq_offset_hz", type=eng_float, default=eng_notation.num_to_str(float(1000)),
        help="Set Carrier frequency offset (Hz) [default=%(default)r]")
    parser.add_argument(
        "--sfo-ppm", dest="sfo_ppm", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set Sample-clock offset (ppm) [default=%(default)r]")
    parser.add_argument(
        "--seed", dest="seed", type=intx, default=0,
        help="Set Noise seed [default=%(default)r]")
    return parser


def main(top_block_cls=dvst_channel, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(samp_rate=options.samp_rate, tx_endpoint=options.tx_endpoint, rx_endpoint=options.rx_endpoint, noise_voltage=options.noise_voltage, freq_offset_hz=options.freq_offset_hz, sfo_ppm=options.sfo_ppm, seed=options.seed)

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()

    tb.wait()


if __name__ == '__main__':
    main()
