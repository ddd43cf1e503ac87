"""The schemes of the RD harness, by name: what ``dvst bench rd --schemes`` can compare.

A registry in the manner of CompressAI's model registry: each scheme is an object with a
name, a label and a plot style that knows how to make its own figures on one clip
(:class:`baselines.sweep.ClipBench`, which holds the clip, its encodings and the seed):

- ``rd(bench, ctx)``: its rate–distortion points at the design SNR;
- ``at_cbr(bench, ctx, channel, snrs, step)``: its quality versus SNR at the fixed CBR.

``h264-ldpc``/``h265-ldpc`` (separation, envelope over QP × code × QAM), ``h264-capacity``/
``h265-capacity`` (bits at Shannon capacity), ``softcast``, ``dvst`` (every PSNR model of the
zoo) and ``dvst:NAME`` (one zoo model) are registered; :func:`get_scheme` resolves a name.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from baselines import separation
from baselines.sweep import ClipBench, Point, envelope
from dvst.errors import DvstError
from foundation.errors import ProjectError

ANCHOR = "h264-ldpc"  # the BD-rate anchor


@dataclass
class RDContext:
    """What every scheme's figures share: design SNR (dB) and channel of the RD figure, the
    fixed CBR of the SNR figures, the rate-control mode, SoftCast's target CBRs, and the
    notices the report collects (one line each)."""

    snr_db: float
    channel: str
    cbr: float
    rate_control: str
    softcast_cbrs: list[float]
    notices: list[str] = field(default_factory=list)


@dataclass
class AtCBR:
    """A scheme's curve versus SNR at the fixed CBR: ``points``, how it was configured
    (``how``), and for separation the per-SNR best configuration (``envelope``)."""

    points: list[Point]
    how: str = ""
    envelope: list[Point] | None = None


class Scheme(Protocol):
    name: str
    label: str
    style: tuple[str, str, str]   # matplotlib colour, marker, line style

    def missing(self) -> str | None:
        """Why the scheme cannot run here (None: it can), e.g. no trained weights."""

    def rd_runs(self, n_rates: int, n_mcs: int, n_softcast: int) -> int:
        """How many simulations the RD figure costs (for the progress bar)."""

    def rd(self, bench: ClipBench, ctx: RDContext, step: Callable[[int], None]) -> dict:
        """``points`` (the curve, as JSON) and optionally ``all_points``."""

    def at_cbr(self, bench: ClipBench, ctx: RDContext, channel: str, snrs: list[float],
               step: Callable[[int], None]) -> AtCBR:
        """Quality versus SNR at ``ctx.cbr`` on ``channel``."""


def _each(values: Iterable[float], step: Callable[[int], None]):
    """Iterate ``values``, advancing the progress bar after each one."""
    for v in values:
        yield v
        step(1)


@dataclass
class Named:
    """What every scheme is called and how it is drawn."""

    name: str
    label: str
    style: tuple[str, str, str]   # matplotlib colour, marker, line style

    def missing(self) -> str | None:
        return None


@dataclass
class Separation(Named):
    """H.26x + LDPC × QAM: every rate × code × modulation simulated, the curve their envelope."""

    def rd_runs(self, n_rates, n_mcs, n_softcast):
        return n_rates * n_mcs

    def rd(self, bench, ctx, step):
        allp = bench.separation_points(self.name, ctx.snr_db, ctx.channel, step)
        # the curve: envelope of the loss-free operating points (a designer would not pick a pair
        # that loses frames at this SNR); the lossy ones stay in all_points
        return {"points": [p.as_json() for p in envelope([p for p in allp if p.frames_lost == 0])],
                "all_points": [{"cbr": p.cbr, "psnr_db": p.psnr_db, "msssim_db": p.msssim_db,
                                "mcs": p.params["mcs"], "rate": p.params.get(ctx.rate_control),
                                "frames_lost": p.frames_lost, "codewords_lost": p.params["codewords_lost"]}
                               for p in allp]}

    def at_cbr(self, bench, ctx, channel, snrs, step):
        d = bench.best_at(self.name, ctx.cbr, ctx.snr_db, channel, lossless=True)
        curve, how = [], ""
        if d is None:
            ctx.notices.append(f"{self.name}: no rate × code × QAM fits CBR {ctx.cbr:g} without losses at "
                               f"{ctx.snr_db:g} dB ({channel}); no fixed-design curve")
        else:
            rate, mcs = d.params[ctx.rate_control], separation.parse_mcs(d.params["mcs"])
            how = f"designed at {ctx.snr_db:g} dB: {ctx.rate_control.upper()} {rate}, {mcs.label}"
            curve = [bench.separation_point(self.name, rate, mcs, x, channel) for x in _each(snrs, step)]
        env = [bench.best_at(self.name, ctx.cbr, x, channel) for x in snrs]
        return AtCBR(curve, how, [p for p in env if p is not None])


@dataclass
class Capacity(Named):
    """H.26x whose bits travel at Shannon capacity: the ideal digital bound."""

    def rd_runs(self, n_rates, n_mcs, n_softcast):
        return 1

    def rd(self, bench, ctx, step):
        pts = sorted(bench.capacity_points(self.name, ctx.snr_db, ctx.channel), key=lambda p: p.cbr)
        step(1)
        return {"points": [p.as_json() for p in pts]}

    def at_cbr(self, bench, ctx, channel, snrs, step):
        curve = [p for p in (bench.capacity_at(self.name, ctx.cbr, x, channel) for x in _each(snrs, step))
                 if p is not None]
        return AtCBR(curve, "rate re-picked at each SNR (ideal)")


@dataclass
class SoftCastScheme(Named):
    """SoftCast: linear analog video, one point per target CBR."""

    name: str = "softcast"
    label: str = "SoftCast"
    style: tuple[str, str, str] = ("tab:green", "^", "-")

    def rd_runs(self, n_rates, n_mcs, n_softcast):
        return n_softcast

    def rd(self, bench, ctx, step):
        pts = []
        for c in ctx.softcast_cbrs:
            try:
                pts.append(bench.softcast_point(c, ctx.snr_db, ctx.channel))
            except ProjectError as e:
                ctx.notices.append(f"SoftCast point at CBR {c:g} skipped: {e}")
            step(1)
        return {"points": [p.as_json() for p in pts]}

    def at_cbr(self, bench, ctx, channel, snrs, step):
        try:
            return AtCBR([bench.softcast_point(ctx.cbr, x, channel) for x in _each(snrs, step)])
        except ProjectError as e:
            ctx.notices.append(f"SoftCast at CBR {ctx.cbr:g}: {e}")
            return AtCBR([])


@dataclass
class DVST(Named):
    """DVST models of the zoo, simulated (``dvst.eval.codec_sim``): ``dvst`` is every PSNR
    (MSE) model with weights, ``dvst:NAME`` one model. The RD curve is the envelope over the
    models × their η rungs; at a fixed CBR the model and η nearest to it."""

    name: str = "dvst"
    label: str = "DVST"
    style: tuple[str, str, str] = ("tab:red", "D", "-")
    _entries: list | None = field(default=None, repr=False)
    _models: dict = field(default_factory=dict, repr=False)
    _points: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary, repr=False)

    def entries(self) -> list:
        """The zoo entries behind this scheme (with weights on disk); empty when none. Read
        from the zoo once per scheme object."""
        if self._entries is None:
            from dvst.zoo import list_models

            found = [e for e in list_models() if e.path.is_file()]
            want = (lambda e: e.metric == "mse") if self.name == "dvst" else \
                (lambda e: e.name == self.name.split(":", 1)[1])
            self._entries = [e for e in found if want(e)]
        return self._entries

    def missing(self) -> str | None:
        if self.entries():
            return None
        return "the model zoo (dvst/zoo/models.yaml) has no trained weights for it"

    def for_channel(self, channel: str) -> list:
        """The entries trained for ``channel``; if there are none, all of them (then the figure
        is a mismatched-channel one: each point's params name the model's own training channel)."""
        entries = self.entries()
        return [e for e in entries if e.channel == channel] or entries

    def point(self, bench: ClipBench, entry, eta: float | None, snr_db: float, channel: str) -> Point:
        """One model at one η on the bench's clip (cached per clip, model, η, SNR and channel)."""
        from dvst.codec.sideinfo import SideCount
        from dvst.eval.codec_sim import evaluate
        from dvst.zoo import load_model
        from radio.side_mcs import choose_side_mcs

        cache = self._points.setdefault(bench, {})  # per clip, gone with its bench
        key = (entry.name, eta, float(snr_db), channel)
        if key not in cache:
            if entry.name not in self._models:
                self._models[entry.name] = load_model(entry.name)
            mcs = choose_side_mcs(snr_db)   # as a link configured for this SNR sends it
            r = evaluate(bench.frames, self._models[entry.name], snr_db, channel=channel, gop=bench.gop,
                         eta=eta, seed=bench.seed, side_count=SideCount.of(mcs))
            pf = r["per_frame"]
            params = {"model": entry.name, "eta": eta, "trained_channel": entry.channel,
                      "trained_snr_db": entry.snr_db}
            cache[key] = Point(self.name, float(r["payload_cbr"]), float(r["psnr_db"]),
                                      float(r["msssim_db"]), float(snr_db), channel, params,
                                      [f["payload_cbr"] for f in pf], [f["psnr_db"] for f in pf], 0)
        return cache[key]

    def rd_runs(self, n_rates, n_mcs, n_softcast):
        return 1

    def rd(self, bench, ctx, step):
        pts = []
        for e in self.for_channel(ctx.channel):
            etas = sorted({et for et, _ in e.eta_cbr}) or [e.eta]
            pts += [self.point(bench, e, et, ctx.snr_db, ctx.channel) for et in etas]
        step(1)
        # one curve per scheme: the envelope over its models × η (each point names both)
        return {"points": [p.as_json() for p in envelope(pts)],
                "all_points": [{"cbr": p.cbr, "psnr_db": p.psnr_db, "msssim_db": p.msssim_db,
                                "model": p.params["model"], "eta": p.params["eta"]}
                               for p in sorted(pts, key=lambda p: p.cbr)]}

    def at_cbr(self, bench, ctx, channel, snrs, step):
        from dvst.zoo import nearest_for_cbr

        pick = nearest_for_cbr(self.for_channel(channel), ctx.cbr)
        if pick is None:
            ctx.notices.append(f"{self.name}: no model reaches CBR {ctx.cbr:g} on {channel}; no curve")
            return AtCBR([])
        e, eta = pick
        how = f"{e.name} (trained {e.channel} {e.snr_db[0]:g}…{e.snr_db[-1]:g} dB), η={eta:.3g}"
        return AtCBR([self.point(bench, e, eta, x, channel) for x in _each(snrs, step)], how)


#: name → factory of a fresh scheme object (fresh: a DVST scheme caches its models and points)
REGISTRY: dict[str, Callable[[], Scheme]] = {
    "h264-ldpc": lambda: Separation("h264-ldpc", "H.264 + LDPC", ("tab:blue", "o", "-")),
    "h265-ldpc": lambda: Separation("h265-ldpc", "H.265 + LDPC", ("tab:orange", "s", "-")),
    "h264-capacity": lambda: Capacity("h264-capacity", "H.264 + Capacity", ("tab:blue", "", "--")),
    "h265-capacity": lambda: Capacity("h265-capacity", "H.265 + Capacity", ("tab:orange", "", "--")),
    "softcast": SoftCastScheme,
    "dvst": DVST,
}


def get_scheme(name: str) -> Scheme:
    """The scheme called ``name``: a registered one, or ``dvst:MODEL`` (one zoo model)."""
    if name in REGISTRY:
        return REGISTRY[name]()
    if name.startswith("dvst:") and len(name) > 5:
        return DVST(name, f"DVST {name[5:]}", ("tab:purple", "v", ":"))
    raise DvstError(f"unknown scheme {name!r}; choose from {', '.join(REGISTRY)} or dvst:MODEL")


def get_schemes(names: list[str]) -> list[Scheme]:
    """Schemes for a list of names; a repeated name is an error."""
    if len(set(names)) != len(names):
        raise DvstError("a scheme is listed twice")
    return [get_scheme(n) for n in names]
