"""The receiver's decision for each frame: decode it, conceal it, or wait for an I-frame.

Rules (issue 6, "Loss"):
- a frame that did not arrive whole is concealed (the last good reconstruction repeated);
- a P-frame is decoded only if the frame just before it was decoded too — otherwise the
  decoder's reference is not the transmitter's, and the P-frame is concealed as well;
- the decoder resynchronises at the next complete I-frame;
- before the first decoded I-frame there is nothing to show: those frames are "waiting"
  (a receiver started mid-stream locks on at the next I-frame).
Frame indices the receiver never heard of (all bursts missed) are filled in from the gap
between consecutive indices.
"""

from __future__ import annotations

from dataclasses import dataclass

DECODE, CONCEAL, WAIT = "decode", "conceal", "wait"

# Indices further ahead than this are a new stream or a restart, not a run of lost frames;
# up to MAX_LATE behind the newest are late duplicates, further behind a restart.
MAX_GAP = 1000
MAX_LATE = 8


@dataclass
class Decision:
    index: int
    kind: str | None      # None for a frame the receiver never heard of
    action: str           # DECODE | CONCEAL | WAIT
    reason: str = ""


class ConcealmentPolicy:
    """A small state machine fed one event per frame the receiver heard of, in order.

    ``on_frame(stream_id, index, kind, complete)`` → list of Decisions (gap frames first).
    Call ``decoded(index)`` after a successful decode, ``failed(index)`` if the decoder still
    refused it, and ``finish(next_index)`` at the end of a stream of known length.
    """

    def __init__(self) -> None:
        self.stream_id: int | None = None
        self.next_index: int | None = None
        self.last_decoded: int | None = None
        self.locked = False  # something has been shown: concealment is possible

    def on_frame(self, stream_id: int, index: int, kind: str, complete: bool) -> list[Decision]:
        out: list[Decision] = []
        same = stream_id == self.stream_id and self.next_index is not None
        if same and self.next_index - MAX_LATE <= index < self.next_index:
            return out  # a late duplicate of a frame already handled
        if same and self.next_index <= index < self.next_index + MAX_GAP:
            out += self._gap(index)
        else:  # a new stream, or the transmitter restarted: the old reference means nothing
            self.stream_id = stream_id
            self.last_decoded = None
        self.next_index = index + 1
        if not complete:
            out.append(self._lost(index, kind, "burst missing or corrupt"))
        elif kind == "I" or self.last_decoded == index - 1:
            out.append(Decision(index, kind, DECODE))
        else:
            out.append(self._lost(index, kind, "reference frame missing"))
        return out

    def decoded(self, index: int) -> None:
        self.last_decoded = index
        self.locked = True

    def failed(self, index: int, kind: str, reason: str) -> Decision:
        """The decoder refused a frame the policy let through: conceal it instead."""
        return self._lost(index, kind, reason)

    def finish(self, next_index: int) -> list[Decision]:
        """Frames up to ``next_index`` (exclusive) that never arrived, at the end of a stream."""
        if self.next_index is None:
            return []
        out = self._gap(next_index)
        self.next_index = max(self.next_index, next_index)
        return out

    def _gap(self, index: int) -> list[Decision]:
        return [self._lost(i, None, "no burst received") for i in range(self.next_index, index)]  # type: ignore[arg-type]

    def _lost(self, index: int, kind: str | None, reason: str) -> Decision:
        self.last_decoded = None  # the chain of references is broken until the next I-frame
        return Decision(index, kind, CONCEAL if self.locked else WAIT, reason)
