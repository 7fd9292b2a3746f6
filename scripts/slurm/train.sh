#!/usr/bin/env bash
# Train a chapter's models as a Slurm job array: one task per model, each training its model into
# the shared model cache with the chapter's own recipe (`swift run train TARGET INDEX`); the
# chapter then reads them all from the cache.
#
#   bash scripts/slurm/train.sh TARGET [--tasks 3,7] [--wait] [book flags: --quick, --output DIR, ...]
#
# TARGET: chapter1, chapter4, chapter5-search (`swift run train --list`). --tasks re-runs only
# those array indices (a failed task); --wait blocks until the array ends and names failed tasks.
# Logs: <output>/slurm/TARGET-<job>-<task>.out. Resources: VLAE_CPUS_PER_TASK (2), VLAE_MEM (3G),
# VLAE_TIME (4:00:00); docs/cluster.md says what a task needs.
source "$(dirname "$0")/common.sh"

[ $# -ge 1 ] || die "usage: train.sh TARGET [--tasks LIST] [--wait] [book flags]; targets: $("$BIN/train" --list | awk '{print $1}' | paste -sd, -)"
TARGET=$1; shift
array_flags "$@"
absolute_flags "${REST[@]+"${REST[@]}"}"
OUT=$(output_of "${FLAGS[@]}")
N=$("$BIN/train" "$TARGET" --count "${FLAGS[@]}") || die "train $TARGET --count failed (see the line above)"
mkdir -p "$OUT/slurm" || die "cannot create $OUT/slurm: check --output"
ARRAY=${TASKS:-0-$((N - 1))}
LOG="$OUT/slurm/$TARGET-%A-%a.out"
JOB=$(sbatch --parsable --job-name="vlae-$TARGET" --array="$ARRAY" "${SBATCH_RESOURCES[@]}" -o "$LOG" \
      --wrap="exec nice -n ${VLAE_NICE:-0} '$BIN/train' '$TARGET' \$SLURM_ARRAY_TASK_ID $(printf "'%s' " "${FLAGS[@]}")") \
      || die "sbatch refused the array (see the line above)"
echo "submitted $TARGET as job $JOB, array $ARRAY ($N models); logs ${LOG//%A/$JOB}"
[ "$WAIT" = 1 ] || { echo "follow it with: squeue -j $JOB; then 'swift run chapter${TARGET//[!0-9]/}' with the same flags reads the models"; exit 0; }

# --wait: block until every task has ended, then name the failed ones.
wait_for_array "$JOB" "$N" "$LOG" "^train: .* done:" "bash scripts/slurm/train.sh $TARGET"
echo "the models are in $OUT/models"
