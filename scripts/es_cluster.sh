#!/usr/bin/env bash
# A real Elasticsearch cluster of several nodes on 127.0.0.1, for `make test-cluster` and for trying
# a cluster layout on one machine.
#
#   scripts/es_cluster.sh start|stop|status [--http-ports 9401,9402,9403] [--transport-ports 9501,9502,9503]
#                                           [--data DIR] [--version 8.19.21]
#
# One node per port pair, each run by scripts/elasticsearch.sh (the same Maven Central distribution,
# the same small heap) with its own folder DIR/node-N, all master-eligible data nodes that find each
# other through discovery.seed_hosts. `start` starts the nodes that are not running, all at once (a
# node alone waits for the others before it reports started), then waits until the cluster has every
# node; run it again after a node died to bring that node back into the cluster. `stop` stops every
# node; `status` shows each node and the cluster's health. The cluster is named after its first HTTP
# port, so a node never joins another cluster on the same machine.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
NODE_SCRIPT="$HERE/elasticsearch.sh"
HTTP_PORTS="9401,9402,9403"
TRANSPORT_PORTS="9501,9502,9503"
DATA=""
VERSION_ARGS=()
WAIT_SECONDS="${YUQING_ES_WAIT:-300}"

usage() {
  echo "usage: $0 start|stop|status [--http-ports P,P,P] [--transport-ports P,P,P] [--data DIR] [--version V]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
ACTION="$1"; shift
while [ $# -gt 0 ]; do
  case "$1" in
    --http-ports) HTTP_PORTS="$2"; shift 2 ;;
    --transport-ports) TRANSPORT_PORTS="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --version) VERSION_ARGS=(--version "$2"); shift 2 ;;
    *) usage ;;
  esac
done
IFS=, read -r -a HTTP <<<"$HTTP_PORTS"
IFS=, read -r -a TRANSPORT <<<"$TRANSPORT_PORTS"
[ "${#HTTP[@]}" = "${#TRANSPORT[@]}" ] || { echo "es_cluster.sh: as many --transport-ports as --http-ports" >&2; exit 2; }
COUNT="${#HTTP[@]}"
DATA="${DATA:-${TMPDIR:-/tmp}/yuqing-es-cluster-${HTTP[0]}}"
CLUSTER="yuqing-cluster-${HTTP[0]}"
SEEDS="$(printf '127.0.0.1:%s,' "${TRANSPORT[@]}")"; SEEDS="${SEEDS%,}"
NAMES="$(for i in $(seq 1 "$COUNT"); do printf 'node-%s,' "$i"; done)"; NAMES="${NAMES%,}"

log() { echo "es_cluster.sh: $*" >&2; }

node() {  # node() ACTION N [extra arguments]: elasticsearch.sh for node N (from 1)
  local action="$1" n="$2"; shift 2
  "$NODE_SCRIPT" "$action" --port "${HTTP[$((n - 1))]}" --data "$DATA/node-$n" ${VERSION_ARGS[@]+"${VERSION_ARGS[@]}"} "$@"
}

http_get() {  # curl when present, else Python (a fresh machine may lack curl)
  if command -v curl >/dev/null 2>&1; then curl -fsS --max-time 5 "$1"
  else python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"; fi
}

health() {  # the cluster health as the first running node answers it (nothing when none answers)
  local port
  for port in "${HTTP[@]}"; do
    http_get "http://127.0.0.1:$port/_cluster/health?$1" 2>/dev/null && return 0
  done
  return 0
}

start() {
  mkdir -p "$DATA"
  local pids=() n failed=0
  for n in $(seq 1 "$COUNT"); do
    node start "$n" --cluster "$CLUSTER" --node-name "node-$n" --transport-port "${TRANSPORT[$((n - 1))]}" \
      --seed-hosts "$SEEDS" --initial-masters "$NAMES" --no-wait >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { log "a node did not start; see $DATA/node-*/logs"; exit 1; }
  local deadline=$((SECONDS + WAIT_SECONDS))
  until health "wait_for_nodes=$COUNT&timeout=1s" | grep -qE "\"number_of_nodes\":$COUNT,"; do
    if [ $SECONDS -ge $deadline ]; then log "the cluster has not got its $COUNT nodes after ${WAIT_SECONDS}s; see $DATA/node-*/logs"; exit 1; fi
    sleep 1
  done
  for port in "${HTTP[@]}"; do echo "http://127.0.0.1:$port"; done
}

stop() {
  local pids=() n
  for n in $(seq 1 "$COUNT"); do node stop "$n" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
}

status() {
  local n rc=0 line
  for n in $(seq 1 "$COUNT"); do
    line="$(node status "$n")" || rc=1
    echo "node-$n: $line"
  done
  echo "cluster $CLUSTER: $(health "timeout=1s" || true)"
  return $rc
}

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
