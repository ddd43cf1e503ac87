#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: DVST transmitter on any SoapySDR radio
# Author: dvst
# Description: dvst tx --device zmq --tx-endpoint tcp://127.0.0.1:5555 sends its baseband here; this flowgraph pulls it and transmits it on a SoapySDR radio (a USRP through SoapyUHD, a HackRF, a LimeSDR, a bladeRF, ...). The sink paces the stream at the sample rate.
# GNU Radio version: 3.10.5.1

from gnuradio import blocks
from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import soapy
from gnuradio import zeromq




class dvst_tx_soapy(gr.top_block):

    def __init__(self, samp_rate=2e6, center_freq=2.4e9, driver='uhd', dev_args='', tx_endpoint='tcp://127.0.0.1:5555', tx_gain=30, amplitude=0.7):
        gr.top_block.__init__(self, "DVST transmitter on any SoapySDR radio", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.samp_rate = samp_rate
        self.center_freq = center_freq
        self.driver = driver
        self.dev_args = dev_args
        self.tx_endpoint = tx_endpoint
        self.tx_gain = tx_gain
        self.amplitude = amplitude

        ##################################################
        # Blocks
        ##################################################

        self.zeromq_pull_source_0 = zeromq.pull_source(gr.sizeof_gr_complex, 1, tx_endpoint, 100, False, (-1))
        self.soapy_custom_sink_0 = None
        dev = 'driver=' + driver
        stream_args = ''
        tune_args = ['']
        settings = ['']
        self.soapy_custom_sink_0 = soapy.sink(dev, "fc32",
                                1, dev_args,
                                stream_args, tune_args, settings)
        self.soapy_custom_sink_0.set_sample_rate(0, samp_rate)
        self.soapy_custom_sink_0.set_bandwidth(0, 0)
        self.soapy_custom_sink_0.set_antenna(0, 'TX')
        self.soapy_custom_sink_0.set_frequency(0, center_freq)
        self.soapy_custom_sink_0.set_frequency_correction(0, 0)
        self.soapy_custom_sink_0.set_gain(0, tx_gain)
        self.soapy_custom_sink_0.set_dc_offset(0, 0)
        self.soapy_custom_sink_0.set_iq_balance(0, 0)
        self.blocks_multiply_const_vxx_0 = blocks.multiply_const_cc(amplitude)


        ##################################################
        # Connections
        ##################################################
        self.connect((self.blocks_multiply_const_vxx_0, 0), (self.soapy_custom_sink_0, 0))
        self.connect((self.zeromq_pull_source_0, 0), (self.blocks_multiply_const_vxx_0, 0))


    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate

    def get_center_freq(self):
        return self.center_freq

    def set_center_freq(self, center_freq):
        self.center_freq = center_freq
        self.soapy_custom_sink_0.set_frequency(0, self.center_freq)

    def get_driver(self):
        return self.driver

    def set_driver(self, driver):
        self.driver = driver

    def get_dev_args(self):
        return self.dev_args

    def set_dev_args(self, dev_args):
        self.dev_args = dev_args

    def get_tx_endpoint(self):
        return self.tx_endpoint

    def set_tx_endpoint(self, tx_endpoint):
        self.tx_endpoint = tx_endpoint

    def get_tx_gain(self):
        return self.tx_gain

    def set_tx_gain(self, tx_gain):
        self.tx_gain = tx_gain
        self.soapy_custom_sink_0.set_gain(0, self.tx_gain)

    def get_amplitude(self):
        return self.amplitude

    def set_amplitude(self, amplitude):
        self.amplitude = amplitude
        self.blocks_multiply_const_vxx_0.set_k(self.amplitude)



def argument_parser():
    description = 'dvst tx --device zmq --tx-endpoint tcp://127.0.0.1:5555 sends its baseband here; this flowgraph pulls it and transmits it on a SoapySDR radio (a USRP through SoapyUHD, a HackRF, a LimeSDR, a bladeRF, ...). The sink paces the stream at the sample rate.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(2e6)),
        help="Set Sample rate (S/s), the radio profile's [default=%(default)r]")
    parser.add_argument(
        "--center-freq", dest="center_freq", type=eng_float, default=eng_notation.num_to_str(float(2.4e9)),
        help="Set Carrier (Hz) [default=%(default)r]")
    parser.add_argument(
        "--driver", dest="driver", type=str, default='uhd',
        help="Set SoapySDR driver (uhd, hackrf, lime, bladerf, plutosdr, ...) [default=%(default)r]")
    parser.add_argument(
        "--dev-args", dest="dev_args", type=str, default='',
        help="Set SoapySDR device arguments [default=%(default)r]")
    parser.add_argument(
        "--tx-endpoint", dest="tx_endpoint", type=str, default='tcp://127.0.0.1:5555',
        help="Set dvst's transmit endpoint (this flowgraph connects to it) [default=%(default)r]")
    parser.add_argument(
        "--tx-gain", dest="tx_gain", type=eng_float, default=eng_notation.num_to_str(float(30)),
        help="Set TX gain (dB, the radio's own scale) [default=%(default)r]")
    parser.add_argument(
        "--amplitude", dest="amplitude", type=eng_float, default=eng_notation.num_to_str(float(0.7)),
        help="Set Scale of dvst's full-scale samples [default=%(default)r]")
    return parser


def main(top_block_cls=dvst_tx_soapy, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(samp_rate=options.samp_rate, center_freq=options.center_freq, driver=options.driver, dev_args=options.dev_args, tx_endpoint=options.tx_endpoint, tx_gain=options.tx_gain, amplitude=options.amplitude)

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
