#!/usr/bin/env bash
# The Slurm path end to end, for CI (as root, after `swift build`): a one-node cluster, a --quick
# training array (chapter 1's VAE and chapter 5's search), chapter 5 reading every row from the
# cache, and the bound in 4 shards through sbatch with one shard killed (scancel) and re-run
# alone, merged and compared bit for bit with the one-process numbers; a mismatched shard refused.
#
#   bash scripts/slurm/ci.sh [WORKDIR]      (default /tmp/vlae-slurm-ci; emptied first)
#   bash scripts/slurm/ci.sh WORKDIR --from-chapter5   skip the training arrays: the checks from chapter 5 on,
#                                                     on the models an earlier run left in WORKDIR/cluster/models
#   bash scripts/slurm/ci.sh WORKDIR --bound-only      only the bound checks, on those models
#
# Exit status 0 only if every check holds; each check prints one line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S=$ROOT/scripts/slurm
BIN=$ROOT/.build/debug
WORK=${1:-/tmp/vlae-slurm-ci}
OUT=$WORK/cluster ONE=$WORK/one-process
die() { echo "ci.sh: FAILED: $*" >&2; exit 1; }
ok() { echo "ci.sh: ok: $*"; }
clock() { date +%s; }
FROM=train
case ${2:-} in --from-chapter5) FROM=chapter5 ;; --bound-only) FROM=bound ;; "") ;; *) die "unknown option $2" ;; esac
T0=$(clock)
if [ $FROM != train ]; then
    [ -d "$OUT/models" ] || die "$2 needs the models of an earlier run in $OUT/models"
    rm -rf "$ONE" "$OUT/evaluate" "$OUT/models/memo" "$OUT/chapter5" "$WORK/mismatched"
else
    rm -rf "$WORK"
fi
mkdir -p "$OUT" "$ONE/models"

bash "$S/cluster.sh"
(cd "$ROOT" && swift build >/dev/null 2>&1) || die "swift build failed"
export VLAE_NO_BUILD=1
# One CPU per task: two tasks at a time on 2 CPUs. This one-node cluster does not pin tasks to
# CPUs (TaskPlugin=task/none), so each still computes with the book's 2 threads: the same models.
export VLAE_CPUS_PER_TASK=1

T1=$(clock) T2=$T1 T3=$T1
if [ $FROM = train ]; then
# 1. The training arrays, into the shared model cache of $OUT.
bash "$S/train.sh" chapter1 --wait --quick --output "$OUT" &
P1=$!
bash "$S/train.sh" chapter5-search --wait --quick --output "$OUT" || die "the chapter-5 search array"
wait $P1 || die "the chapter-1 array"
T2=$(clock)
ok "training arrays done: chapter 1's VAE and chapter 5's search models in $((T2 - T1)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
fi
N=$("$BIN/train" chapter5-search --count --quick --output "$OUT")
if [ $FROM != bound ]; then
T2=$(clock)
# 2. Chapter 5 reads all its rows from the cache: it trains nothing and shows no row "not run".
"$BIN/chapter5" --quick --output "$OUT" > "$WORK/chapter5.log" 2>&1 || die "chapter5 --quick failed (see $WORK/chapter5.log)"
T3=$(clock)
trained=$(grep -c ": trained for\|: resumed from" "$WORK/chapter5.log" || true)
[ "$trained" = 0 ] || die "chapter 5 trained $trained model(s) itself (see $WORK/chapter5.log)"
# The search rows' sources as chapter 5 recorded them in its metrics.json ("cache": measured by
# this run on a model an earlier run trained; "not run": neither cached nor recorded).
count_source() { python3 -c 'import json, sys; print(sum(r.get("source") == sys.argv[2] for r in json.load(open(sys.argv[1]))["search"]))' "$OUT/chapter5/metrics.json" "$1"; }
rows=$(count_source cache)
missing=$(count_source "not run")
[ "$rows" = "$N" ] && [ "$missing" = 0 ] || die "chapter 5 shows $rows rows measured from the cache and $missing not run, of $N"
ok "chapter 5 read all $N search rows from the cache and trained nothing ($((T3 - T2)) s)"
fi

# 3. The bound: one process, then 4 shards through sbatch with shard 0 killed while it runs.
EVAL=(--dataset mnist5k --quick --models factorized,vlae-lossy --iwae-k 100 --iwae-images 100)
ln -s "$OUT"/models/*.ckpt "$ONE/models/"
"$BIN/evaluate" "${EVAL[@]}" --output "$ONE" > "$WORK/one-process.log" 2>&1 || die "one-process evaluate (see $WORK/one-process.log)"
T4=$(clock)
sub=$(bash "$S/bound.sh" 4 "${EVAL[@]}" --output "$OUT")
echo "$sub"
JOB=$(sed -n 's/.* as job \([0-9]*\) (logs.*/\1/p' <<<"$sub")
MERGE=$(sed -n 's/.*the merge as job \([0-9]*\) .*/\1/p' <<<"$sub")
[ -n "$JOB" ] && [ -n "$MERGE" ] || die "could not read the job ids from bound.sh"
for _ in $(seq 1 600); do squeue -h -j "${JOB}_0" -o %t 2>/dev/null | grep -q R && break; sleep 0.2; done
scancel "${JOB}_0"
while squeue -h -j "$JOB,$MERGE" 2>/dev/null | grep -q .; do sleep 2; done
DIR=$OUT/evaluate/shards-of-4
[ ! -e "$DIR/shard-0-of-4.json" ] || die "shard 0 finished before it was cancelled: the kill was not tested"
line=$(grep '^error:' "$OUT/slurm/merge-$MERGE.out" || true)
grep -q "shard 0 of 4 is missing" <<<"$line" || die "the merge did not name the killed shard: $(tail -1 "$OUT/slurm/merge-$MERGE.out")"
ok "killed shard named by the merge: $line"
before=$(cd "$DIR" && sha256sum shard-[123]-of-4.json && stat -c '%n %Y' shard-[123]-of-4.json)
bash "$S/bound.sh" 4 --tasks 0 --wait "${EVAL[@]}" --output "$OUT" || die "re-running shard 0 alone"
after=$(cd "$DIR" && sha256sum shard-[123]-of-4.json && stat -c '%n %Y' shard-[123]-of-4.json)
[ "$before" = "$after" ] || die "the other shards were rewritten"
T5=$(clock)
ok "shard 0 re-run alone and merged; shards 1-3 untouched ($((T5 - T4)) s for the sharded bound, the kill and the re-run)"
python3 "$S/compare.py" metrics "$ONE/evaluate/mnist5k/metrics.json" "$OUT/evaluate/mnist5k/metrics.json" || die "merged metrics differ"
python3 "$S/compare.py" bounds "$ONE/models/memo" "$OUT/models/memo" || die "merged bounds differ"
ok "merged shards = one process, bit for bit"

# 4. A shard of another k is refused, in one line.
BAD=$WORK/mismatched; mkdir -p "$BAD"; cp "$DIR"/shard-*-of-4.json "$BAD/"
python3 -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['k']=50; json.dump(d, open(p,'w'))" "$BAD/shard-2-of-4.json"
if "$BIN/evaluate" "${EVAL[@]}" --output "$OUT" --name mismatch --merge "$BAD" > "$WORK/mismatch.log" 2>&1; then die "a shard of another k was merged"; fi
grep -q "shard 2 of 4 .* is refused: k = 50" "$WORK/mismatch.log" || die "the mismatched shard was not refused by name: $(tail -1 "$WORK/mismatch.log")"
ok "mismatched shard refused: $(grep '^error:' "$WORK/mismatch.log")"

echo "ci.sh: all Slurm checks passed in $(( $(clock) - T0 )) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
