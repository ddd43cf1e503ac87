"""Entropy models: factorized density for z, Laplace conditional with fused priors for y."""

from dvst.codec.entropy.factorized import FactorizedDensity
from dvst.codec.entropy.laplace import laplace_likelihood
from dvst.codec.entropy.prior import ContextualPrior, quantize

__all__ = ["FactorizedDensity", "laplace_likelihood", "ContextualPrior", "quantize"]
