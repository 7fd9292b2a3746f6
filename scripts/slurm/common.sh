# Shared by train.sh and bound.sh (sourced): the repository, its built executables, the flags.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$ROOT/.build/debug"
die() { echo "$(basename "$0"): $*" >&2; exit 1; }

command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node (here: 'bash scripts/slurm/cluster.sh' as root starts a one-node cluster)"

# Build once on the submitting node (incremental); the tasks run the binaries from this checkout,
# so it must be on a filesystem the compute nodes see. VLAE_NO_BUILD=1 skips the build.
if [ "${VLAE_NO_BUILD:-0}" != 1 ]; then
    BUILDLOG=$(mktemp)
    (cd "$ROOT" && swift build >"$BUILDLOG" 2>&1) || { tail -20 "$BUILDLOG" >&2; die "swift build failed in $ROOT (above)"; }
    rm -f "$BUILDLOG"
fi

# The --output folder of the book's flags (the model cache is <output>/models): made absolute,
# since the tasks may start in another directory.
output_of() {
    local out=output prev=
    for a in "$@"; do
        [ "$prev" = --output ] && out=$a
        case $a in --output=*) out=${a#--output=} ;; esac
        prev=$a
    done
    case $out in /*) echo "$out" ;; *) echo "$ROOT/$out" ;; esac
}
# The flags with --output made absolute.
absolute_flags() {
    local prev= out
    out=$(output_of "$@")
    FLAGS=()
    for a in "$@"; do
        if [ "$prev" = --output ]; then FLAGS+=("$out")
        else case $a in --output=*) FLAGS+=("--output=$out") ;; *) FLAGS+=("$a") ;; esac
        fi
        prev=$a
    done
    printf '%s\n' "$@" | grep -qE '^--output(=|$)' || FLAGS+=(--output "$out")
}

# What each task asks for (override on a real cluster; Slurm's own SBATCH_PARTITION,
# SBATCH_ACCOUNT, SBATCH_TIMELIMIT and the like are read by sbatch itself).
# Two CPUs: the book computes with min(2, cores) threads, so a task sees the same thread count
# as a run on a 2-core machine and trains bit for bit the same model.
SBATCH_RESOURCES=(--cpus-per-task="${VLAE_CPUS_PER_TASK:-2}" --mem="${VLAE_MEM:-3G}" --time="${VLAE_TIME:-4:00:00}")

# VLAE_NICE=10 runs the tasks at a lower priority (a shared machine).

# The ids of the tasks (of 0..n-1, or the --tasks list) whose log lacks the line $2.
failed_tasks() {   # failed_tasks LOGPATTERN(with %a) DONELINE TASKS...
    local pattern=$1 done=$2; shift 2
    local bad=()
    for t in "$@"; do
        grep -q -- "$done" "${pattern//%a/$t}" 2>/dev/null || bad+=("$t")
    done
    (IFS=,; echo "${bad[*]:-}")
}

# --tasks LIST and --wait out of the arguments (into TASKS and WAIT=0/1); the rest, the book's
# flags, into REST. Flags the calling script sets itself, given in RESERVED (a regex), are refused.
array_flags() {
    TASKS= WAIT=0 REST=()
    while [ $# -gt 0 ]; do
        case $1 in
            --tasks) TASKS=${2:?--tasks needs a list of array indices, e.g. 3,7}; shift 2 ;;
            --wait) WAIT=1; shift ;;
            *) [ -n "${RESERVED:-}" ] && [[ $1 =~ ^(${RESERVED})$ ]] && die "$1 is set by $(basename "$0") itself"
               REST+=("$1"); shift ;;
        esac
    done
}

# --wait: block until job $1 (N = $2 tasks, or those of $TASKS) has ended, then name the tasks
# whose log ($3, with %A and %a) lacks the line $4; $5 is the command that re-runs them (--tasks
# and the list are appended). Exit 1 if any failed.
wait_for_array() {
    local job=$1 n=$2 log=${3//%A/$1} done=$4 rerun=$5 ids bad
    while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 5; done
    if [ -n "$TASKS" ]; then IFS=, read -ra ids <<<"$TASKS"; else ids=($(seq 0 $((n - 1)))); fi
    bad=$(failed_tasks "$log" "$done" "${ids[@]}")
    if [ -n "$bad" ]; then
        echo "$(basename "$0"): task(s) $bad of job $job failed (see $log); re-run them alone with: $rerun --tasks $bad ${REST[*]+${REST[*]}}" >&2
        exit 1
    fi
    echo "all ${#ids[@]} tasks of job $job done"
}
