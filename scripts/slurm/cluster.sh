#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (Debian's slurmctld, slurmd, slurm-client and munge),
# enough to run scripts/slurm/train.sh and bound.sh here exactly as on a real cluster.
# As root. Idempotent: what is installed, configured or running already is left as it is.
#
#   bash scripts/slurm/cluster.sh          start it (installs the packages if absent)
#   bash scripts/slurm/cluster.sh stop     stop the daemons it started (by their process ids)
#
# On a real cluster none of this is needed: the scripts only use sbatch and squeue.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts the daemons)"
RUN=/run/vlae-slurm
mkdir -p "$RUN"

# The daemons write their process ids here (slurm.conf below; munged's own file).
pidfile() { case $1 in munged) echo /run/munge/munged.pid ;; *) echo "$RUN/$1.pid" ;; esac; }
running() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

if [ "${1:-start}" = stop ]; then
    for d in slurmd slurmctld munged; do
        if running "$d"; then pid=$(cat "$(pidfile "$d")"); kill "$pid" && echo "stopped $d (pid $pid)"; fi
    done
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurmd slurmctld slurm-client munge"
    apt-get update -qq || die "apt-get update failed: check the network or the package mirror"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmd slurmctld slurm-client munge >/dev/null \
        || die "apt-get install slurmd slurmctld slurm-client munge failed"
fi

# munge: a key, its folders owned by munge, the daemon started as munge.
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
[ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    sleep 1
fi
munge -n | unmunge >/dev/null 2>&1 || die "munge does not work (see /var/log/munge/munged.log)"

# slurm.conf for one node named after this host, all its CPUs; written only if absent or for another host.
H=$(hostname -s)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
if ! grep -qx "SlurmctldHost=$H" /etc/slurm/slurm.conf 2>/dev/null || ! grep -q "^SlurmdPidFile=$RUN/" /etc/slurm/slurm.conf; then
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=book
SlurmctldHost=$H
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
NodeName=$H CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 )) State=UNKNOWN
PartitionName=main Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
fi

start() {   # start daemon $1 unless it runs (it writes its pid file itself)
    running "$1" && return
    "$1"
    for _ in 1 2 3 4 5; do running "$1" && return; sleep 1; done
    die "$1 did not start (see /var/log/slurm/$1.log)"
}
start slurmctld
start slurmd
for _ in $(seq 1 20); do
    sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && break
    sleep 1
done
sinfo -h -o %t | grep -qE '^(idle|mix|alloc)' || die "the node is not up: $(sinfo -h 2>&1 | head -1) (see /var/log/slurm/)"
echo "one-node Slurm up: $(sinfo -h -o '%P %a %D node, %c CPUs, %m MB, %t')"
