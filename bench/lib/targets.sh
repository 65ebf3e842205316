# Mounting and unmounting the benchmark's targets (sourced by bench/run).
#
# Each target serves the same source directory $SRC; a FUSE target is mounted
# on $MNT by a daemon in the foreground whose pid is $DAEMON_PID. After
# mount_target, $DIR is where the workloads run.
#
# Needs: SRC MNT WORK PT_BIN LL_BIN.

DAEMON_PID=""
DIR=""
CMD=()

# All targets, in table order.
ALL_TARGETS="native passthrough_ll fusex-readv fusex-splice fusex-uring fusex-passthrough"

target_label() {
    case $1 in
        native) echo "native (no FUSE)" ;;
        passthrough_ll) echo "libfuse passthrough_ll" ;;
        fusex-passthrough) echo "fusex -o passthrough" ;;
        fusex-*) echo "fusex transport=${1#fusex-}" ;;
    esac
}

# Sets CMD to the daemon's command line for target $1; variant "nocache"
# turns attribute and entry caching off (timeout=0) for the stat workload.
target_command() {
    local target=$1 variant=$2
    local timeout_opt=()
    [[ $variant == nocache ]] && timeout_opt=(-o timeout=0)
    case $target in
        passthrough_ll)
            local opts="source=$SRC"
            [[ $variant == nocache ]] && opts+=",timeout=0"
            CMD=("$LL_BIN" -f -o "$opts" "$MNT") ;;
        fusex-passthrough)
            CMD=("$PT_BIN" -f -o passthrough "${timeout_opt[@]}" "$SRC" "$MNT") ;;
        fusex-*)
            CMD=("$PT_BIN" -f -o "transport=${target#fusex-}" "${timeout_opt[@]}" "$SRC" "$MNT") ;;
    esac
}

is_fuse_mounted() {
    awk -v m="$MNT" '$2 == m && $3 ~ /^fuse/ { found = 1 } END { exit !found }' /proc/self/mounts
}

# The fusectl connection number of the mount on $MNT (its device minor).
fuse_connection() {
    awk -v m="$MNT" '$5 == m { split($3, d, ":"); print d[2]; exit }' /proc/self/mountinfo
}

# mount_target TARGET VARIANT LOG: returns non-zero (and prints why) on failure.
mount_target() {
    local target=$1 variant=$2 log=$3
    if [[ $target == native ]]; then
        DIR=$SRC
        return 0
    fi
    mkdir -p "$MNT"
    target_command "$target" "$variant"
    "${CMD[@]}" >"$log" 2>&1 &
    DAEMON_PID=$!
    local waited=0
    until is_fuse_mounted; do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            echo "  $target: daemon exited before mounting: $(tail -n 3 "$log" | tr '\n' ' ')" >&2
            wait "$DAEMON_PID" 2>/dev/null || true
            DAEMON_PID=""
            return 1
        fi
        if ((waited >= 100)); then
            echo "  $target: not mounted after 10 s" >&2
            unmount_target
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    DIR=$MNT
}

# Unmounts whatever is mounted and stops the daemon, escalating as needed:
# umount, lazy umount, SIGTERM, SIGKILL, and aborting the connection.
unmount_target() {
    DIR=""
    if is_fuse_mounted; then
        local conn
        conn=$(fuse_connection)
        umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
        if is_fuse_mounted && [[ -n $conn && -e /sys/fs/fuse/connections/$conn/abort ]]; then
            echo 1 >"/sys/fs/fuse/connections/$conn/abort" || true
            umount -l "$MNT" 2>/dev/null || true
        fi
    fi
    if [[ -n $DAEMON_PID ]]; then
        local i
        for i in $(seq 50); do
            kill -0 "$DAEMON_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$DAEMON_PID" 2>/dev/null; then
            kill -TERM "$DAEMON_PID" 2>/dev/null || true
            sleep 1
            kill -KILL "$DAEMON_PID" 2>/dev/null || true
        fi
        wait "$DAEMON_PID" 2>/dev/null || true
        DAEMON_PID=""
    fi
}
