#!/usr/bin/env bash
# The importance-weighted bound of `swift run evaluate` as N Slurm array tasks (`evaluate --shard
# I/N`, each scoring its slice of the test digits) and one merge job that runs after them all
# (`evaluate --merge DIR`) and writes the report and metrics.json a one-process run writes.
#
#   bash scripts/slurm/bound.sh N [--tasks 2,5] [--wait] [evaluate flags: --models vlae --iwae-k 4096 ...]
#
# The shards go to <output>/evaluate/shards-of-N (VLAE_SHARD_DIR overrides). A fresh run clears
# that folder's shard files; --tasks re-runs only those shards (the others are kept, not
# recomputed) and the merge again. If a shard failed, the merge names it and exits 1.
source "$(dirname "$0")/common.sh"

[ $# -ge 1 ] && [ "$1" -ge 1 ] 2>/dev/null || die "usage: bound.sh N [--tasks LIST] [--wait] [evaluate flags], N >= 1 shards"
N=$1; shift
RESERVED="--shard|--shard-dir|--merge" array_flags "$@"
absolute_flags "${REST[@]+"${REST[@]}"}"
OUT=$(output_of "${FLAGS[@]}")
DIR=${VLAE_SHARD_DIR:-$OUT/evaluate/shards-of-$N}
mkdir -p "$DIR" "$OUT/slurm" || die "cannot create $DIR: check --output"
[ -n "$TASKS" ] || rm -f "$DIR"/shard-*-of-*.json
Q=$(printf "'%s' " "${FLAGS[@]}")
SHARDLOG="$OUT/slurm/bound-%A-%a.out"
JOB=$(sbatch --parsable --job-name=vlae-bound --array="${TASKS:-0-$((N - 1))}" "${SBATCH_RESOURCES[@]}" -o "$SHARDLOG" \
      --wrap="exec nice -n ${VLAE_NICE:-0} '$BIN/evaluate' $Q --shard \$SLURM_ARRAY_TASK_ID/$N --shard-dir '$DIR'") || die "sbatch refused the shards (see the line above)"
# afterany: the merge runs even when a shard failed, and names it.
MERGE=$(sbatch --parsable --job-name=vlae-merge --dependency=afterany:"$JOB" "${SBATCH_RESOURCES[@]}" -o "$OUT/slurm/merge-%j.out" \
        --wrap="exec nice -n ${VLAE_NICE:-0} '$BIN/evaluate' $Q --merge '$DIR'") || die "sbatch refused the merge job (see the line above)"
echo "submitted shards ${TASKS:-0-$((N - 1))} of $N as job $JOB (logs ${SHARDLOG//%A/$JOB}) and the merge as job $MERGE (log $OUT/slurm/merge-$MERGE.out)"
[ "$WAIT" = 1 ] || exit 0

while squeue -h -j "$JOB,$MERGE" 2>/dev/null | grep -q .; do sleep 3; done
if grep -q "^report written to" "$OUT/slurm/merge-$MERGE.out"; then
    echo "merged: $(grep '^report written to' "$OUT/slurm/merge-$MERGE.out")"
else
    echo "bound.sh: the merge (job $MERGE) did not complete: $(grep -m1 '^error:' "$OUT/slurm/merge-$MERGE.out" || tail -1 "$OUT/slurm/merge-$MERGE.out")" >&2
    exit 1
fi
