#!/usr/bin/env bash
# One command for a short GPU lease: continue a training campaign there, end with a checkpoint.
#
#   bash scripts/gpu_train.sh MINUTES [RUN] [RECIPE]      (RUN quality, RECIPE quality_psnr)
#
# Needs, beside the working tree: .data/pack.npz (`dvst train --config RECIPE --pack
# .data/pack.npz`: the whole footage in one file) and, to resume, .data/RUN-slim.pt (a slim
# copy of runs/RUN/last.pt: float16 weights, no optimizer state; see docs/training.md). Wheels
# of packages the GPU image lacks (pytorch-msssim) go in .whl/. Start-up is seconds: no
# decoding of video, no install of the project. AMP (bf16) and channels-last on CUDA; the time
# limit ends with a checkpoint, written slim to $OUT (or runs/) to bring back.
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
if [ -f ".data/$RUN-slim.pt" ] && [ ! -f "runs/$RUN/last.pt" ]; then
    cp ".data/$RUN-slim.pt" "runs/$RUN/last.pt"
fi
"$PY" -m dvst.cli train --config "$RECIPE" --name "$RUN" --data-pack .data/pack.npz --device "${DEVICE:-cuda}" \
    --amp --time-limit "$MINUTES"
DEST=${OUT:-runs}
"$PY" -c "import sys; from dvst.train.checkpoint import slim; slim(sys.argv[1], sys.argv[2])" \
    "runs/$RUN/last.pt" "$DEST/$RUN-slim.pt"
cp "runs/$RUN/train.csv" "runs/$RUN/val.csv" "$DEST/" 2>/dev/null || true
echo "wrote $DEST/$RUN-slim.pt"
