#!/usr/bin/env bash
# Faults while the studio writes a project: SIGKILL at random moments of craft, recsae and merge, SIGINT
# latency, and a full disk. After each, the project must pass SQLite's integrity check, every run
# finished before must be unchanged, and no run may stay 'running' once the project is opened
# again (the opener marks runs of dead processes 'interrupted'). Ctrl-C must end a run within 1 s.
#
#   fault_test.sh CLI MAKE_SMALL_RECSAE_PROJECT EXPORT_SPLIT_MODEL_PY PYTHON WORK_DIR [KILLS]
#
# KILLS (default 20) SIGKILLs are split between craft and recsae (FAULT_IMAGES images, default 16),
# and FAULT_MERGE_KILLS (default 6) more hit `merge` of four shard projects; the moments are drawn at random
# (seeded by FAULT_SEED, printed, so a failure can be replayed). Needs the sqlite3 shell.
set -uo pipefail
# Job control: background commands keep SIGINT's default disposition (without it bash starts them
# with SIGINT ignored, and a Ctrl-C during the CLI's start-up would be lost, which no user sees).
set -m

CLI=$1 MAKE_RECSAE=$2 EXPORT_MODEL=$3 PYTHON=$4 WORK=$5 KILLS=${6:-20}
# The script works inside WORK: relative paths are made absolute first.
CLI=$(realpath "$CLI") MAKE_RECSAE=$(realpath "$MAKE_RECSAE") EXPORT_MODEL=$(realpath "$EXPORT_MODEL")
WORK=$(realpath -m "$WORK")
SEED=${FAULT_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
echo "fault_test: seed $SEED (FAULT_SEED=$SEED replays these moments)"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
cd "$WORK" || exit 1

# --- fixtures: a tiny vision model with IDX images, and the small RecSAE project's model and log
"$PYTHON" "$EXPORT_MODEL" "$WORK/tiny.pt" 1 32 2 0 || { echo "cannot export the model" >&2; exit 1; }
"$PYTHON" - "$WORK/images.idx" <<'PY' || exit 1
import random, struct, sys
random.seed(3)
count, size = 400, 32
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack(">IIII", 0x803, count, size, size))
    out.write(bytes(random.getrandbits(8) for _ in range(count * size * size)))
PY
recsae_json=$("$MAKE_RECSAE" "$WORK/recsae-fixture") || { echo "cannot build the RecSAE fixture" >&2; exit 1; }
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$recsae_json" "$1"; }
RECSAE_MODEL=$(field model)
RECSAE_LOG=$(field interactions)

PROJECT=$WORK/faults.cstudio
IMAGES=${FAULT_IMAGES:-16}
# The command lines, as arrays: a background `"$CLI" "${ARGS[@]}" &` makes $! the CLI's own pid,
# which a kill must reach (a function run in the background would be a subshell in between).
craft_args() {  # craft_args IMAGES-USED [extra args]: a CRAFT run of a few seconds on the tiny model
  local n=$1; shift
  ARGS=(craft --project "$PROJECT" --model "$WORK/tiny.pt" --images "$WORK/images.idx" --class 0 --layer block2
        --patch-size 16 --concepts 3 --max-images "$n" --recursive-layers block1 "$@")
}
recsae_args() {  # recsae_args [EPOCHS]
  ARGS=(recsae --project "$PROJECT" --model "$RECSAE_MODEL" --interactions "$RECSAE_LOG" --expansion 4 --k 4 --epochs "${1:-2}")
}
craft() { craft_args "$@"; "$CLI" "${ARGS[@]}"; }
recsae() { recsae_args "$@"; "$CLI" "${ARGS[@]}"; }

# What must never change: every finished run and its rows (runs that finish later add to it).
fingerprint() {
  sqlite3 -readonly "$PROJECT" "SELECT r.id, r.status, r.summary,
      (SELECT count(*) FROM concepts c WHERE c.run_id = r.id), (SELECT count(*) FROM latents l WHERE l.run_id = r.id),
      (SELECT count(*) || ':' || coalesce(sum(length(a.data)), 0) FROM artifacts a WHERE a.run_id = r.id)
    FROM runs r WHERE r.status = 'done' ORDER BY r.id" | md5sum | cut -d' ' -f1
}
finished_runs() { sqlite3 -readonly "$PROJECT" "SELECT id FROM runs WHERE status='done' ORDER BY id" | tr '\n' ' '; }
fingerprint_of() { # fingerprint_of "ID ID ..." : the same, for a fixed set of runs
  local ids=${1// /,}; ids=${ids%,}
  sqlite3 -readonly "$PROJECT" "SELECT r.id, r.status, r.summary,
      (SELECT count(*) FROM concepts c WHERE c.run_id = r.id), (SELECT count(*) FROM latents l WHERE l.run_id = r.id),
      (SELECT count(*) || ':' || coalesce(sum(length(a.data)), 0) FROM artifacts a WHERE a.run_id = r.id)
    FROM runs r WHERE r.id IN (${ids:-0}) ORDER BY r.id" | md5sum | cut -d' ' -f1
}

# After a fault: integrity, finished runs unchanged, and after the next open no run 'running'.
check_project() {
  local what=$1 ids=$2 before=$3
  local integrity
  integrity=$(sqlite3 "$PROJECT" "PRAGMA integrity_check" 2>&1)
  [ "$integrity" = ok ] || fail "$what: integrity check says: $integrity"
  [ "$(fingerprint_of "$ids")" = "$before" ] || fail "$what: a finished run changed"
  "$CLI" runs --project "$PROJECT" >/dev/null 2>"$WORK/runs.err" || fail "$what: 'runs' cannot open the project: $(cat "$WORK/runs.err")"
  local running
  running=$(sqlite3 -readonly "$PROJECT" "SELECT count(*) FROM runs WHERE status IN ('running','queued')")
  [ "$running" = 0 ] || fail "$what: $running run(s) still 'running' after the project was opened again"
}

# --- two finished runs to protect, and the duration of each command (the window for the kills)
t0=$(date +%s.%N)
craft "$IMAGES" >/dev/null 2>"$WORK/craft.err" || { cat "$WORK/craft.err" >&2; echo "the reference craft run failed" >&2; exit 1; }
t1=$(date +%s.%N)
recsae >/dev/null 2>"$WORK/recsae.err" || { cat "$WORK/recsae.err" >&2; echo "the reference recsae run failed" >&2; exit 1; }
t2=$(date +%s.%N)
craft_ms=$("$PYTHON" -c "print(int(($t1 - $t0) * 1000))")
recsae_ms=$("$PYTHON" -c "print(int(($t2 - $t1) * 1000))")
echo "fault_test: craft takes ${craft_ms} ms, recsae ${recsae_ms} ms"

# --- SIGKILL at random moments (from process start to the end of its usual duration)
for ((i = 0; i < KILLS; i++)); do
  ids=$(finished_runs)
  before=$(fingerprint_of "$ids")
  if ((i % 2 == 0)); then kind=craft; span=$craft_ms; else kind=recsae; span=$recsae_ms; fi
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % (span > 1 ? span : 1) ))
  if [ $kind = craft ]; then craft_args "$IMAGES"; else recsae_args; fi
  "$CLI" "${ARGS[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$("$PYTHON" -c "print($delay_ms / 1000)")"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check_project "kill -9 of $kind after ${delay_ms} ms" "$ids" "$before"
done
echo "fault_test: $KILLS SIGKILLs checked"

# --- SIGKILL during merge: each shard is copied in one transaction, so a killed merge leaves whole
# shards, and merging again completes the target to what an uninterrupted merge gives.
MAIN_PROJECT=$PROJECT
MERGE_KILLS=${FAULT_MERGE_KILLS:-6}
SHARDS=()
for s in 0 1 2 3; do
  PROJECT=$WORK/shard-$s.cstudio
  craft 8 --seed "$s" >/dev/null 2>"$WORK/shard.err" || { cat "$WORK/shard.err" >&2; echo "a shard run failed" >&2; exit 1; }
  SHARDS+=("$PROJECT")
done
# What a merge brings, independent of row ids: each run by uuid with its rows' counts.
merged_contents() {
  sqlite3 -readonly "$1" "SELECT r.uuid, r.status, (SELECT count(*) FROM concepts c WHERE c.run_id = r.id),
      (SELECT count(*) FROM crops k WHERE k.run_id = r.id), (SELECT count(*) FROM artifacts a WHERE a.run_id = r.id)
    FROM runs r ORDER BY r.uuid" | md5sum | cut -d' ' -f1
}
t0=$(date +%s.%N)
"$CLI" merge --into "$WORK/merge-reference.cstudio" "${SHARDS[@]}" >/dev/null 2>"$WORK/merge.err" \
  || { cat "$WORK/merge.err" >&2; echo "the reference merge failed" >&2; exit 1; }
merge_ms=$("$PYTHON" -c "print(int(($(date +%s.%N) - $t0) * 1000))")
reference=$(merged_contents "$WORK/merge-reference.cstudio")
echo "fault_test: merging ${#SHARDS[@]} shards takes ${merge_ms} ms"
for ((i = 0; i < MERGE_KILLS; i++)); do
  PROJECT=$WORK/merge-$i.cstudio
  "$CLI" merge --into "$PROJECT" "${SHARDS[0]}" >/dev/null 2>&1 || fail "merge $i: the first shard did not merge"
  ids=$(finished_runs)
  before=$(fingerprint_of "$ids")
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % (merge_ms > 1 ? merge_ms : 1) ))
  "$CLI" merge --into "$PROJECT" "${SHARDS[@]:1}" >/dev/null 2>&1 &
  pid=$!
  sleep "$("$PYTHON" -c "print($delay_ms / 1000)")"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check_project "kill -9 of merge after ${delay_ms} ms" "$ids" "$before"
  "$CLI" merge --into "$PROJECT" "${SHARDS[@]}" >/dev/null 2>"$WORK/merge.err" || fail "merge again after the kill: $(tail -1 "$WORK/merge.err")"
  [ "$(merged_contents "$PROJECT")" = "$reference" ] || fail "kill -9 of merge after ${delay_ms} ms: merging again does not give the uninterrupted merge"
done
echo "fault_test: $MERGE_KILLS SIGKILLs of merge checked"
PROJECT=$MAIN_PROJECT

# --- SIGINT latency: early (model loading) and mid-run, for both commands
worst_ms=0
for moment in 0.2 0.6 1.5 3; do
  for kind in craft recsae; do
    # Runs far longer than the last moment, so every SIGINT lands mid-run (exit 130).
    if [ $kind = craft ]; then craft_args 200 --sobol-designs 1024; else recsae_args 400; fi
    "$CLI" "${ARGS[@]}" >/dev/null 2>"$WORK/int.err" &
    pid=$!
    sleep "$moment"
    start=$(date +%s%N)
    kill -INT "$pid" 2>/dev/null
    wait "$pid"; status=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    (( ms > worst_ms )) && worst_ms=$ms
    echo "fault_test: SIGINT to $kind at ${moment} s: exit $status after ${ms} ms"
    [ $status = 130 ] || fail "SIGINT to $kind at ${moment} s: exit $status, not 130 ($(tail -1 "$WORK/int.err"))"
    (( ms <= 1000 )) || fail "SIGINT to $kind at ${moment} s took ${ms} ms (more than 1 s)"
    check_project "SIGINT to $kind" "$(finished_runs)" "$(fingerprint_of "$(finished_runs)")"
  done
done
echo "fault_test: worst SIGINT latency ${worst_ms} ms"

# --- a full disk: a small tmpfs when root may mount one, else a file-size limit. A project with one
# finished run is made there first; the next run must fail with a message and harm nothing.
FULL=$WORK/full
mkdir -p "$FULL"
PROJECT=$FULL/p.cstudio
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=16m tmpfs "$FULL" 2>/dev/null; then
  how="a 16 MB tmpfs"
  craft 8 >/dev/null 2>"$WORK/full.err" || fail "full disk: the first run on the tmpfs failed: $(tail -1 "$WORK/full.err")"
  ids=$(finished_runs)
  before=$(fingerprint_of "$ids")
  free_kb=$(df -k --output=avail "$FULL" | tail -1)
  dd if=/dev/zero of="$FULL/filler" bs=1k count=$((free_kb > 32 ? free_kb - 32 : 0)) status=none 2>/dev/null
  craft "$IMAGES" >/dev/null 2>"$WORK/full.err"; status=$?
  rm -f "$FULL/filler"
else
  how="ulimit -f"
  craft 8 >/dev/null 2>"$WORK/full.err" || fail "full disk: the first run failed: $(tail -1 "$WORK/full.err")"
  ids=$(finished_runs)
  before=$(fingerprint_of "$ids")
  size_kb=$(( $(stat -c %s "$PROJECT") / 1024 + 16 ))
  ( ulimit -f "$size_kb"; craft "$IMAGES" >/dev/null 2>"$WORK/full.err" ); status=$?
fi
echo "fault_test: full disk ($how): exit $status: $(tail -1 "$WORK/full.err")"
[ $status = 1 ] || fail "full disk ($how): exit $status, expected 1 with a message"
grep -q "concept-studio-cli: " "$WORK/full.err" || fail "full disk ($how): no message on stderr"
check_project "full disk ($how)" "$ids" "$before"
mountpoint -q "$FULL" && umount "$FULL"

if ((failures > 0)); then
  echo "fault_test: $failures failure(s) (seed $SEED)" >&2
  exit 1
fi
echo "fault_test: all faults passed"
