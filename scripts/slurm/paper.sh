#!/usr/bin/env bash
# Chapter 8's paper protocol on Slurm: one array task per row of the protocol (PixelCNN alone, VLAE
# with N(0, I), with the AF prior, with an IAF posterior, the factorized VAE), each running
# `chapter8 --dataset mnist --paper --paper-row ID`, which trains that row's model into the shared
# model cache, computes its bounds and writes the row to records/chapter8-paper/ (or, under --quick
# or other settings, to OUTPUT/chapter8/paper-rows/). `swift run chapter8 --dataset mnist --paper`
# then shows every row.
#
#   bash scripts/slurm/paper.sh [--tasks 0,3] [--wait] [chapter flags: --quick, --output DIR, ...]
#
# A row takes hours at the protocol's length (docs/paper-protocol.md): give each task the time it
# needs with VLAE_TIME (e.g. VLAE_TIME=12:00:00). Logs: <output>/slurm/chapter8-paper-<job>-<task>.out.
source "$(dirname "$0")/common.sh"

ROWS=(pixelcnn-alone vlae vlae-af vlae-iaf factorized)   # PaperProtocol.rowIDs, in its order
array_flags "$@"
absolute_flags "${REST[@]+"${REST[@]}"}"
OUT=$(output_of "${FLAGS[@]}")
mkdir -p "$OUT/slurm" || die "cannot create $OUT/slurm: check --output"
ARRAY=${TASKS:-0-$((${#ROWS[@]} - 1))}
LOG="$OUT/slurm/chapter8-paper-%A-%a.out"
JOB=$(sbatch --parsable --job-name="vlae-paper" --array="$ARRAY" "${SBATCH_RESOURCES[@]}" -o "$LOG" \
      --wrap="ID=\$(echo '${ROWS[*]}' | cut -d' ' -f\$((SLURM_ARRAY_TASK_ID + 1))); cd '$ROOT' && nice -n ${VLAE_NICE:-0} '$BIN/chapter8' --dataset mnist --paper --paper-row \$ID $(printf "'%s' " "${FLAGS[@]}") && echo \"paper row \$ID: done\"") \
      || die "sbatch refused the array (see the line above)"
echo "submitted the paper protocol as job $JOB, array $ARRAY (${#ROWS[@]} rows: ${ROWS[*]}); logs ${LOG//%A/$JOB}"
[ "$WAIT" = 1 ] || { echo "follow it with: squeue -j $JOB; then 'swift run chapter8 --dataset mnist --paper' with the same flags shows every row"; exit 0; }

wait_for_array "$JOB" "${#ROWS[@]}" "$LOG" "^paper row .*: done" "bash scripts/slurm/paper.sh"
