"""``SigMFDevice``: record what a radio sends or receives as SigMF, and replay it through ``rx()``.

Recording (``mode="record"``) writes ``NAME.sigmf-data`` as it goes and ``NAME.sigmf-meta`` on
``close()`` (with the SHA-512 of the data, validated by the ``sigmf`` package, so the files open
in other SigMF tools). ``tx(samples)`` records one burst and one annotation (label
``burst N``); with a ``source`` device the burst is also sent there. ``rx()`` pulls a buffer
from ``source`` and records it; receivers may mark bursts with :meth:`annotate`. A recording
holds one direction.

Datatypes: ``cf32`` (``cf32_le``, lossless) or ``ci16`` (``ci16_le``, full scale 1.0 <->
2^15 so SigMF tools' autoscaling gives back full-scale units; Pluto RX counts are exact).

Replay (``mode="replay"``) returns the recording ``rx_buffer_size`` samples at a time (the
last buffer zero-padded; afterwards a RadioError, or from the start again with ``loop=True``).
A missing or corrupt recording is a one-line RadioError.
"""

from __future__ import annotations

import datetime
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from radio.devices.base import DEFAULTS, Device
from radio.errors import RadioError

DATATYPES = {"cf32": "cf32_le", "ci16": "ci16_le"}
CI16_SCALE = 2 ** 15


def sigmf_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(meta, data) paths for ``NAME``, ``NAME.sigmf-meta`` or ``NAME.sigmf-data``."""
    p = Path(path)
    if p.suffix in (".sigmf-meta", ".sigmf-data"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".sigmf-meta"), p.with_name(p.name + ".sigmf-data")


def _encode(x: np.ndarray, datatype: str) -> bytes:
    if datatype == "cf32_le":
        return x.astype("<c8").tobytes()
    v = np.empty(2 * len(x), dtype=np.float64)
    v[0::2], v[1::2] = x.real, x.imag
    return np.clip(np.rint(v * CI16_SCALE), -32768, 32767).astype("<i2").tobytes()


class SigMFDevice(Device):
    """Record to / replay from a SigMF recording (``path`` with or without the .sigmf-* suffix)."""

    kind = "sigmf"

    def __init__(self, path: str | os.PathLike, mode: str = "replay", datatype: str = "cf32",
                 source: Device | None = None, loop: bool = False, description: str = ""):
        super().__init__()
        if mode not in ("record", "replay"):
            raise RadioError(f"SigMF mode must be 'record' or 'replay', got {mode!r}")
        self.mode = mode
        self.meta_path, self.data_path = sigmf_paths(path)
        self.source = source
        self.loop = bool(loop)
        self.annotations: list[dict[str, Any]] = []
        self._settings = dict(DEFAULTS)
        self._bursts = 0
        self._direction: str | None = None
        self._n = 0   # samples written (record) or read (replay)
        if mode == "record":
            if datatype not in DATATYPES:
                raise RadioError(f"SigMF datatype must be one of {', '.join(DATATYPES)}, got {datatype!r}")
            self.datatype = DATATYPES[datatype]
            self.description = description
            self._started = datetime.datetime.now(datetime.UTC)
            try:
                self.meta_path.parent.mkdir(parents=True, exist_ok=True)
                self._fp = open(self.data_path, "wb")
            except OSError as e:
                raise RadioError(f"cannot write SigMF recording {self.data_path}: {e.strerror or e}") from None
            if source is not None:
                self._settings = source.settings()
        else:
            self._open_replay()

    # ---- replay ---------------------------------------------------------------------------------
    def _open_replay(self) -> None:
        import sigmf
        if not self.meta_path.is_file():
            raise RadioError(f"SigMF recording not found: {self.meta_path}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")    # sigmf warns before it fails; we say it once
                rec = sigmf.sigmffile.fromfile(str(self.meta_path))
                rec.validate()
            info = sigmf.sigmffile.dtype_info(rec.get_global_field("core:datatype"))
            if not info["is_complex"]:
                raise ValueError(f"datatype {rec.get_global_field('core:datatype')} is not complex")
            if rec.num_channels != 1:
                raise ValueError("only single-channel recordings can be replayed")
            if rec.data_file is None:  # sigmf opens a recording without its data as empty
                raise ValueError(f"its data file {self.data_path.name} is missing")
            total = int(rec.sample_count)
            if total == 0:
                raise ValueError("it holds no samples")
        except Exception as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise RadioError(f"corrupt SigMF recording {self.meta_path}: {msg}") from None
        self._rec = rec
        self.datatype = rec.get_global_field("core:datatype")
        self.sample_count = total
        self.annotations = list(rec.get_annotations())
        rate = rec.get_global_field("core:sample_rate")
        if rate:
            self._settings["sample_rate"] = int(rate)
        captures = rec.get_captures()
        if captures and captures[0].get("core:frequency"):
            f = int(captures[0]["core:frequency"])
            self._settings.update(rx_lo=f, tx_lo=f)

    @property
    def remaining(self) -> int:
        """Samples of the recording not yet replayed."""
        return max(0, self.sample_count - self._n) if self.mode == "replay" else 0

    # ---- Device hooks ---------------------------------------------------------------------------
    def _get(self, name: str) -> Any:
        if self.source is not None:
            return self.source._get(name)
        return self._settings[name]

    def _set(self, name: str, value: Any) -> None:
        if self.source is not None:
            self.source._setting(name, value)
        self._settings[name] = value

    def _claim(self, direction: str) -> None:
        if self.mode != "record":
            if direction == "tx":
                raise RadioError("a replayed SigMF recording cannot transmit")
            return
        if self._direction not in (None, direction):
            raise RadioError(f"this SigMF recording holds {self._direction} samples; "
                            f"record {direction} into another file")
        self._direction = direction

    def _write(self, x: np.ndarray) -> None:
        try:
            self._fp.write(_encode(x, self.datatype))
        except OSError as e:
            raise RadioError(f"cannot write SigMF recording {self.data_path}: {e.strerror or e}") from None
        self._n += len(x)

    def annotate(self, start: int, count: int, label: str, comment: str | None = None) -> None:
        """Mark ``count`` samples from sample ``start`` (e.g. a detected burst) in the recording."""
        if start < 0 or count < 1:
            raise RadioError("an annotation needs start >= 0 and count >= 1")
        ann = {"core:sample_start": int(start), "core:sample_count": int(count), "core:label": label}
        if comment:
            ann["core:comment"] = comment
        self.annotations.append(ann)

    def _tx(self, samples: np.ndarray, cyclic: bool) -> None:
        self._claim("tx")
        if self.source is not None:
            self.source.tx(samples, cyclic=cyclic)
        self.annotate(self._n, len(samples), f"burst {self._bursts}", "cyclic" if cyclic else None)
        self._bursts += 1
        self._write(samples)

    def _tx_destroy(self) -> None:
        if self.source is not None:
            self.source.tx_destroy_buffer()

    def _rx(self) -> np.ndarray:
        self._claim("rx")
        n = self._settings["rx_buffer_size"] if self.source is None else self.source.rx_buffer_size
        if self.mode == "record":
            if self.source is None:
                raise RadioError("a SigMF recorder receives only from a source device (source=...)")
            y = self.source.rx()
            self._write(y)
            return y
        if self._n >= self.sample_count:
            if not self.loop or self.sample_count == 0:
                raise RadioError(f"end of SigMF recording {self.meta_path.name} "
                                f"({self.sample_count} samples replayed)")
            self._n = 0
        count = min(n, self.sample_count - self._n)
        try:
            y = np.asarray(self._rec.read_samples(self._n, count), dtype=np.complex64).reshape(-1)
        except Exception as e:
            raise RadioError(f"corrupt SigMF recording {self.data_path}: {e}") from None
        self._n += count
        if count < n:
            y = np.concatenate([y, np.zeros(n - count, np.complex64)])
        return y

    def _close(self) -> None:
        if self.mode != "record":
            return
        try:
            self._fp.close()
            self._write_meta()
        finally:  # release the radio even if the recording cannot be finished
            if self.source is not None:
                self.source.close()

    def _write_meta(self) -> None:
        import sigmf
        s = self._settings
        freq = s["tx_lo"] if self._direction == "tx" else s["rx_lo"]
        global_info = {
            "core:datatype": self.datatype,
            "core:sample_rate": float(s["sample_rate"]),
            "core:version": sigmf.__specification__,
            "core:recorder": "dvst radio.devices.SigMFDevice",
            "core:hw": f"ADALM-PlutoSDR ({self.source.kind if self.source else 'no device'})",
            "core:description": self.description or f"{self._direction or 'no'} samples, full scale 1.0",
        }
        try:
            rec = sigmf.SigMFFile(data_file=str(self.data_path), global_info=global_info)
            rec.add_capture(0, metadata={"core:frequency": float(freq),
                                         "core:datetime": self._started.strftime("%Y-%m-%dT%H:%M:%S.%fZ")})
            for ann in sorted(self.annotations, key=lambda a: a["core:sample_start"]):
                meta = {k: v for k, v in ann.items() if k not in ("core:sample_start", "core:sample_count")}
                rec.add_annotation(ann["core:sample_start"], ann["core:sample_count"], metadata=meta)
            rec.tofile(str(self.meta_path), overwrite=True)
        except Exception as e:
            raise RadioError(f"cannot write SigMF metadata {self.meta_path}: {e}") from None
