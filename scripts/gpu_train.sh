#!/usr/bin/env bash
# One command for a short GPU lease: continue a training campaign there, end with a checkpoint.
#
#   bash scripts/gpu_train.sh MINUTES [RUN] [RECIPE]      (RUN quality, RECIPE quality_psnr)
#
# Needs, beside the working tree: .data/pack.npz (`dvst train --config RECIPE --pack
# .data/pack.npz`: the training footage in one file of ≤ 24 MB; carry: [".data", ".whl"]).
# It resumes the campaign the repository records (docs/training/RUN/state.yaml beside the
# zoo's weights), or .data/RUN-slim.0.pt … (shards brought back from an earlier lease) when
# those exist. Training from a pack needs only torch, numpy, pillow, pyyaml and tqdm (any extra
# wheels can travel in .whl/). Start-up is
# seconds: no decoding of video, no install of the project. AMP (bf16) and channels-last on
# CUDA; the time limit ends with a checkpoint, written slim in shards of ≤ 15 MB to $OUT (the
# device's per-file limit) to bring back; `join_slim` in dvst.train.checkpoint joins them.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:?minutes of training}
RUN=${2:-quality}
RECIPE=${3:-quality_psnr}
PY=${PYTHON:-python3}
if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "runs/$RUN"
if ls ".data/$RUN-slim."*.pt >/dev/null 2>&1 && [ ! -f "runs/$RUN/last.pt" ]; then
    "$PY" -c "import sys; from dvst.train.checkpoint import join_slim; join_slim(sys.argv[2:], sys.argv[1])" \
        "runs/$RUN/last.pt" ".data/$RUN-slim."*.pt
fi
"$PY" -m dvst.cli train --config "$RECIPE" --name "$RUN" --data-pack .data/pack.npz --device "${DEVICE:-cuda}" \
    --amp --time-limit "$MINUTES" --campaign "docs/training/$RUN"
DEST=${OUT:-runs}
"$PY" -c "import sys; from dvst.train.checkpoint import split_slim; print(*split_slim(sys.argv[1], sys.argv[2]))" \
    "runs/$RUN/last.pt" "$DEST/$RUN-slim"
cp "runs/$RUN/train.csv" "$DEST/" 2>/dev/null || true
