#!/usr/bin/env bash
# Runs the Kafka benchmark (benchmarks/kafka_bench.cpp) against the broker in
# PORTAL_KAFKA_BROKERS (default: scripts/kafka's 127.0.0.1:19092, started when
# not running) and puts its section "## Kafka" into docs/benchmarks.md
# (replacing the old one; the other sections stay as they are).
# Arguments go to kafka_bench: [commands per client] [clients].
# PORTAL_BENCH_BUILD: a release build directory to use instead of building
# build/release with scripts/build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n ${PORTAL_BENCH_BUILD:-} ]]; then
    build=$PORTAL_BENCH_BUILD
    cmake --build "$build" --target kafka_bench -j "$(nproc)" >/dev/null
else
    scripts/build release kafka_bench >/dev/null
    build=build/release
fi
if [[ -z ${PORTAL_KAFKA_BROKERS:-} ]]; then
    scripts/kafka status >/dev/null 2>&1 || scripts/kafka start
    export PORTAL_KAFKA_BROKERS=127.0.0.1:${PORTAL_KAFKA_PORT:-19092}
fi
section=$(mktemp)
"$build/benchmarks/kafka_bench" "$@" | grep -v '^\(\[\|[0-9]\{4\}-\)' | sed '/./,$!d' > "$section"
rest=$(mktemp)
awk '/^## /{skip = ($0 == "## Kafka")} !skip' docs/benchmarks.md > "$rest"
# The Kafka section goes before "## HTTP (wrk)" (which benchmarks/run keeps
# last), or at the end.
awk -v section="$section" '
    /^## HTTP \(wrk\)/ && !done { while ((getline line < section) > 0) print line; print ""; done = 1 }
    { print }
    END { if (!done) while ((getline line < section) > 0) print line }
' "$rest" > docs/benchmarks.md
rm -f "$section" "$rest"
awk '/^## /{keep = ($0 == "## Kafka")} keep' docs/benchmarks.md
