#!/usr/bin/env bash
# A real single-node Elasticsearch for development and CI, on 127.0.0.1 only.
#
#   scripts/elasticsearch.sh start|stop|status [--port 9200] [--data DIR] [--version 8.19.21]
#                            [--cluster NAME --node-name NAME --transport-port P
#                             --seed-hosts H:P,H:P --initial-masters NAME,NAME] [--no-wait]
#
# `start` fetches the distribution published on Maven Central
# (org.elasticsearch.distribution.integ-test-zip:elasticsearch:VERSION:zip) with `mvn dependency:copy`
# into a cache folder (reused when present), unpacks it, and runs it as an unprivileged user
# (Elasticsearch refuses root) with a small heap, security off and the disk watermarks relaxed,
# then waits until the cluster is yellow or green and prints its URL. `stop` kills it by its pid
# file and waits. Both are idempotent. The node's config, data, logs and pid file live in --data.
#
# With --seed-hosts the node is one node of a cluster instead of a single-node one (scripts/es_cluster.sh
# starts three): it looks for the others at those transport addresses, and --initial-masters bootstraps
# the cluster on the node's first start only (a node whose data already belongs to a cluster rejoins it).
# --no-wait returns once the process runs: a cluster node cannot be healthy before the others are up.
set -euo pipefail

VERSION="${YUQING_ES_VERSION:-8.19.21}"
PORT=9200
DATA=""
CACHE="${YUQING_ES_CACHE:-$HOME/.cache/yuqing/elasticsearch}"
ES_USER="${YUQING_ES_USER:-yuqing-es}"
WAIT_SECONDS="${YUQING_ES_WAIT:-180}"
CLUSTER=""
NODE_NAME=""
TRANSPORT_PORT=""
SEED_HOSTS=""
INITIAL_MASTERS=""
NO_WAIT=0

usage() {
  echo "usage: $0 start|stop|status [--port P] [--data DIR] [--version V] [--cluster NAME] [--node-name NAME]" \
       "[--transport-port P] [--seed-hosts H:P,...] [--initial-masters NAME,...] [--no-wait]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
ACTION="$1"; shift
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --cluster) CLUSTER="$2"; shift 2 ;;
    --node-name) NODE_NAME="$2"; shift 2 ;;
    --transport-port) TRANSPORT_PORT="$2"; shift 2 ;;
    --seed-hosts) SEED_HOSTS="$2"; shift 2 ;;
    --initial-masters) INITIAL_MASTERS="$2"; shift 2 ;;
    --no-wait) NO_WAIT=1; shift ;;
    *) usage ;;
  esac
done
if [ "$(id -u)" = 0 ]; then
  # the unprivileged user cannot enter /root: run from a copy it owns, with data it can reach
  RUN_ROOT="${YUQING_ES_RUN_ROOT:-/opt/yuqing-es}"
else
  RUN_ROOT="$CACHE"
fi
DATA="${DATA:-$RUN_ROOT/node-$PORT}"
mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"
if [ "$(id -u)" = 0 ]; then
  id -u "$ES_USER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$ES_USER"
  # the unprivileged user must enter every parent of the data folder; a checkout in a private folder
  # (mktemp -d makes 0700 ones) cannot be used, so its node lives under RUN_ROOT instead, at a path
  # derived from the one asked for (start and stop agree on it)
  dir="$DATA"
  while [ "$dir" != / ]; do
    if ! runuser -u "$ES_USER" -- test -x "$dir"; then
      asked="$DATA"
      DATA="$RUN_ROOT/data-$(printf '%s' "$asked" | cksum | cut -d' ' -f1)"
      mkdir -p "$DATA"
      echo "elasticsearch.sh: $ES_USER cannot enter $dir; the node's data for $asked lives in $DATA" >&2
      break
    fi
    dir="$(dirname "$dir")"
  done
fi
PIDFILE="$DATA/es.pid"
URL="http://127.0.0.1:$PORT"
HOME_DIR="$RUN_ROOT/elasticsearch-$VERSION"

log() { echo "elasticsearch.sh: $*" >&2; }

pid_of_node() {  # the pid, or nothing: the file may appear or vanish while the node starts or stops
  cat "$PIDFILE" 2>/dev/null || true
}

running() {
  local pid; pid="$(pid_of_node)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

http_get() {  # curl when present, else Python (a fresh machine may lack curl)
  if command -v curl >/dev/null 2>&1; then curl -fsS --max-time 5 "$1"
  else python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"; fi
}

healthy() {
  http_get "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null | grep -qE '"status":"(green|yellow)"'
}

fetch() {
  local zip="$CACHE/elasticsearch-$VERSION.zip"
  mkdir -p "$CACHE"
  [ -f "$zip" ] && return 0
  for other in "$HOME/.cache/yuqing/es/elasticsearch-$VERSION.zip"; do  # an earlier download
    if [ -f "$other" ]; then cp "$other" "$zip"; return 0; fi
  done
  log "downloading Elasticsearch $VERSION from Maven Central"
  mvn -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
    -DoutputDirectory="$CACHE" -Dmdep.overWriteIfNewer=true
  [ -f "$zip" ] || { log "mvn did not produce $zip"; exit 1; }
}

unpack() {
  [ -x "$HOME_DIR/bin/elasticsearch" ] && return 0
  log "unpacking into $HOME_DIR"
  mkdir -p "$RUN_ROOT"
  local tmp; tmp="$(mktemp -d "$RUN_ROOT/unpack.XXXXXX")"
  if command -v unzip >/dev/null 2>&1; then
    (cd "$tmp" && unzip -q "$CACHE/elasticsearch-$VERSION.zip")
  else  # Python's zipfile drops the executable bits: restore them on the launchers
    python3 -m zipfile -e "$CACHE/elasticsearch-$VERSION.zip" "$tmp"
    chmod -R a+x "$tmp/elasticsearch-$VERSION/bin"
  fi
  mv "$tmp/elasticsearch-$VERSION" "$HOME_DIR" 2>/dev/null || true  # another start may have won
  rm -rf "$tmp"
}

as_user() {
  if [ "$(id -u)" = 0 ]; then
    id -u "$ES_USER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$DATA" "$HOME_DIR"
    local dir="$DATA"  # every parent must be enterable by the user
    while [ "$dir" != / ]; do
      runuser -u "$ES_USER" -- test -x "$dir" || { log "$ES_USER cannot enter $dir; pass --data under a readable folder"; return 1; }
      dir="$(dirname "$dir")"
    done
    runuser -u "$ES_USER" -- "$@"
  else
    "$@"
  fi
}

discovery_options() {  # single-node, or one node of a cluster
  if [ -z "$SEED_HOSTS" ]; then echo "-E discovery.type=single-node"; return; fi
  echo "-E discovery.seed_hosts=$SEED_HOSTS"
  # bootstrapping is for a new cluster only: a node whose data holds a cluster state rejoins that cluster
  if [ -n "$INITIAL_MASTERS" ] && [ ! -d "$DATA/data/_state" ]; then
    echo "-E cluster.initial_master_nodes=$INITIAL_MASTERS"
  fi
  [ -z "$TRANSPORT_PORT" ] || echo "-E transport.port=$TRANSPORT_PORT"
}

start() {
  if running && { [ "$NO_WAIT" = 1 ] || healthy; }; then echo "$URL"; return 0; fi
  if running; then stop; fi
  fetch
  unpack
  # the node's own config folder, so several nodes can share one unpacked copy
  if [ ! -f "$DATA/config/elasticsearch.yml" ]; then
    rm -rf "$DATA/config"; cp -r "$HOME_DIR/config" "$DATA/config"
  fi
  mkdir -p "$DATA/data" "$DATA/logs" "$DATA/tmp"
  chmod -R a+rX "$HOME_DIR"
  rm -f "$PIDFILE"
  # the integ-test zip bundles no JDK: use the machine's Java 17+
  local java_home="${ES_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}"
  as_user env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$DATA/config" ES_JAVA_OPTS="-Xms512m -Xmx512m ${YUQING_ES_JAVA_OPTS:-}" \
    ES_TMPDIR="$DATA/tmp" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$PIDFILE" \
    $(discovery_options) -E network.host=127.0.0.1 -E http.port="$PORT" \
    -E cluster.name="${CLUSTER:-yuqing-$PORT}" -E node.name="${NODE_NAME:-yuqing-$PORT}" \
    -E path.data="$DATA/data" -E path.logs="$DATA/logs" \
    -E xpack.security.enabled=false \
    -E cluster.routing.allocation.disk.threshold_enabled=false \
    >"$DATA/logs/stdout.log" 2>&1 9>&- || { log "failed to start; see $DATA/logs"; tail -20 "$DATA/logs/stdout.log" >&2; exit 1; }
  if [ "$NO_WAIT" = 1 ]; then echo "$URL"; return 0; fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until healthy; do
    if [ $SECONDS -ge $deadline ]; then log "not healthy after ${WAIT_SECONDS}s; see $DATA/logs"; exit 1; fi
    if [ -n "$(pid_of_node)" ] && ! running; then log "the node exited; see $DATA/logs"; tail -20 "$DATA/logs/"*.log >&2; exit 1; fi
    sleep 1
  done
  echo "$URL"
}

stop() {
  if ! running; then rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(pid_of_node)"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; return 0; }; sleep 1; done
  log "node $pid did not stop in 60s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

# one start or stop at a time per node: a second `start` while the first is still waiting for the
# node would otherwise remove its pid file and fail on the node's lock
if command -v flock >/dev/null 2>&1 && [ "$ACTION" != status ]; then
  exec 9>"$DATA/.script.lock"
  flock 9
fi

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  status)
    if running && healthy; then echo "running $URL (pid $(pid_of_node))"
    elif running; then echo "starting or unhealthy $URL (pid $(pid_of_node))"; exit 1
    else echo "stopped"; exit 3; fi ;;
  *) usage ;;
esac
