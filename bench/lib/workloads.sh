# The benchmark's workloads (sourced by bench/run). Each appends one line
# "target<TAB>workload<TAB>run<TAB>value" to $TSV, value "NA" on failure.
#
# Needs: DIR (where to run), RAW (raw output dir), TSV, MDW_BIN, FILE_SIZE,
# FILES, STATS, RAND_BYTES, PYTHON.

# The workloads in table order, with their units.
WORKLOADS="seq-write seq-read rand-read rand-read-4jobs create-stat-unlink stat-latency"

drop_caches() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
}

record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TSV"
}

# fio_value JSON DIRECTION FIELD: bw_bytes or iops of the (grouped) job.
fio_value() {
    "$PYTHON" -c '
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0][sys.argv[2]]
print(job[sys.argv[3]])' "$1" "$2" "$3"
}

# run_fio TARGET RUN NAME DIRECTION FIELD fio-args...
run_fio() {
    local target=$1 run=$2 name=$3 direction=$4 field=$5
    shift 5
    local out="$RAW/$target.$name.$run.json" value=NA
    if timeout 600 fio --name="$name" --filename="$DIR/bench.dat" \
        --ioengine=psync --output-format=json --output="$out" "$@" >"$out.log" 2>&1; then
        value=$(fio_value "$out" "$direction" "$field") || value=NA
    else
        echo "  $target $name: fio failed: $(tail -n 2 "$out.log" | tr '\n' ' ')" >&2
    fi
    record "$target" "$name" "$run" "$value"
    printf '  %-18s %-20s %s\n' "$target" "$name" "$value"
}

run_metadata() {
    local target=$1 run=$2 name=$3 value
    shift 3
    if ! value=$(timeout 900 "$MDW_BIN" "$@" 2>"$RAW/$target.$name.$run.err"); then
        echo "  $target $name: $(cat "$RAW/$target.$name.$run.err")" >&2
        value=NA
    fi
    record "$target" "$name" "$run" "$value"
    printf '  %-18s %-20s %s\n' "$target" "$name" "$value"
}

# The workloads that run on the normally cached mount.
run_cached_workloads() {
    local target=$1 run=$2
    # Written data must reach the disk: end_fsync, as for any storage benchmark.
    run_fio "$target" "$run" seq-write write bw_bytes --size="$FILE_SIZE" --rw=write --bs=1M --end_fsync=1
    # Every read starts from a cold cache, so native reads the disk too,
    # and on a quiet disk: the virtual disk here is still taking in the
    # gigabyte just written for a few seconds after fsync returns, and a
    # read started at once was slowed by it (by hand: 612 against 1,400+ MiB/s).
    sleep 3
    drop_caches
    run_fio "$target" "$run" seq-read read bw_bytes --size="$FILE_SIZE" --rw=read --bs=1M
    # Random reads: a fixed amount, each 4 KiB block at most once (fio's
    # random map), so every read misses the page cache. Timed runs would
    # revisit blocks and end up measuring how fast each target fills the
    # cache (in the first runs the spread between runs of one target was 4x).
    # fio's fadvise(RANDOM) would turn readahead off natively but cannot reach
    # the file a daemon (or kernel passthrough) reads: off, so that every
    # target gets the kernel's same readahead heuristics.
    drop_caches
    run_fio "$target" "$run" rand-read read iops --size="$FILE_SIZE" --io_size="$RAND_BYTES" \
        --rw=randread --bs=4k --fadvise_hint=0
    # Four jobs, each on its own quarter of the file, so that no job reads
    # what another one has just brought into the cache.
    drop_caches
    local quarter=$(($(numfmt --from=iec "${FILE_SIZE^^}") / 4))
    run_fio "$target" "$run" rand-read-4jobs read iops --size="$quarter" --offset_increment="$quarter" \
        --io_size=$(($(numfmt --from=iec "${RAND_BYTES^^}") / 4)) --rw=randread --bs=4k --fadvise_hint=0 \
        --numjobs=4 --group_reporting
    run_metadata "$target" "$run" create-stat-unlink create-stat-unlink "$DIR" "$FILES"
}

# The stat() round trip, on a mount with attribute and entry caching off.
run_uncached_workloads() {
    local target=$1 run=$2
    run_metadata "$target" "$run" stat-latency stat-latency "$DIR/stat.me" "$STATS"
}
