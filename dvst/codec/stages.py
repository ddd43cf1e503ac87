"""The paper's progressive training stages (§III-B), in one table and one vocabulary.

Each stage is named as the recipes name it (``dvst/train/recipes/*.yaml``): what the codec's
training forward runs and trains for it, and which of its outputs make the stage's loss
(``dvst.train.stages.stage_loss``: λ·rates + D(main) + D(aux)):

=====================  =========================================================  =======
stage                  loss per P-frame (frame 0 is the reference, never in it)    paper
=====================  =========================================================  =======
``iframe``             λ·k + D(x̂) + D(x̃)                    (NTSCC, x̃: no channel)
``motion_transform``   λ·k_ml + D(warp(x_{t−1}, m̈_t), x_t)                         eq. 20
``motion_jscc``        λ·k_ml + D̈_mv + D(warp(x_{t−1}, m̂_t), x_t)                  eq. 22
``primary_transform``  λ·k_pl + D(x̃)  (λ = 0 for ``rate_off_steps``)                eq. 21
``primary_jscc``       λ·k_pl + D̈ + D(x̂)                                           eq. 23
``joint``              λ·(k_pl + k_ml) + D(x̂) + D(x̃), GOP-unrolled                 eq. 24
=====================  =========================================================  =======
"""

from __future__ import annotations

from dataclasses import dataclass

from dvst.errors import DvstError


@dataclass(frozen=True)
class StagePlan:
    """What one stage runs, trains and is scored on."""

    trains: tuple[str, ...]        # sub-networks with gradients (names of DVSTModel children)
    motion_jscc: bool              # the motion link goes through its JSCC and the channel
    primary: bool                  # the primary link runs at all
    primary_jscc: bool             # the primary link goes through its JSCC and the channel
    lossless_reference: bool       # x̌_{t−1} = x̂_{t−1} = x_{t−1}
    detach_reference: bool         # no gradient through the reference chain (True except joint)
    main: str                      # the reconstruction D is measured on (a forward output key)
    rates: tuple[str, ...]         # the rate terms λ prices (forward output keys)
    aux: str | None = None         # a second reconstruction in the loss, or None
    intra: bool = False            # every frame is an I-frame (no GOP unrolling)


_MOTION = ("flow", "motion_g_a", "motion_g_s", "motion_link")
_PRIMARY_NT = ("g_a", "g_s", "phi")

STAGES: dict[str, StagePlan] = {
    "iframe": StagePlan(("iframe",), False, False, False, True, True,
                        "x_hat", ("k_pl",), "x_tilde", intra=True),
    "motion_transform": StagePlan(("flow", "motion_g_a", "motion_g_s", "motion_link.prior"),
                                  False, False, False, True, True, "x_warp_tilde", ("k_ml",)),
    "motion_jscc": StagePlan(_MOTION, True, False, False, True, True, "x_warp", ("k_ml",), "x_warp_tilde"),
    "primary_transform": StagePlan(_PRIMARY_NT + ("link.prior",), True, True, False, True, True,
                                   "x_tilde", ("k_pl",)),
    "primary_jscc": StagePlan(_PRIMARY_NT + ("link", "gamma"), True, True, True, False, True,
                              "x_hat", ("k_pl",), "x_tilde"),
    "joint": StagePlan(_MOTION + _PRIMARY_NT + ("link", "gamma"), True, True, True, False, False,
                       "x_hat", ("k_pl", "k_ml"), "x_tilde"),
}


def stage_plan(stage: str) -> StagePlan:
    """The plan of the stage named ``stage`` (a key of :data:`STAGES`)."""
    if stage not in STAGES:
        raise DvstError(f"unknown training stage {stage!r}; use one of {', '.join(STAGES)}")
    return STAGES[stage]
