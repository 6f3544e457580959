#!/usr/bin/env bash
# Serve a class: N Streamlit replicas of the app behind nginx with sticky sessions, on one machine.
#   deploy/replicas.sh [N] [PORT]      e.g. deploy/replicas.sh 2 8080, then open http://<host>:8080
# N defaults to the number of cores (one Streamlit process uses about one, its GIL), PORT to 8080.
# Replicas listen on loopback ports PORT+1 .. PORT+N; nginx (Debian: apt-get install nginx-light) is
# the only public door. Rooms (webapp/classroom) are shared between replicas through redis-server
# (Debian: apt-get install redis-server), started here on loopback port PORT+N+1, or the one REDIS_URL
# names. Ctrl-C (or SIGTERM) stops nginx, every replica and the Redis started here (its rooms with it).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-$(nproc)}
PORT=${2:-8080}
PYTHON=${PYTHON:-.venv/bin/python}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
RUN=$(mktemp -d /tmp/vizcore-deploy.XXXXXX)
# torch's threads, shared out: N replicas each using every core would fight over them
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) / N > 0 ? $(nproc) / N : 1 ))}

pids=()
stop() {
    trap - EXIT INT TERM
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$RUN"
}
trap stop EXIT INT TERM

if [ -z "${REDIS_URL:-}" ]; then
    REDIS_PORT=$((PORT + N + 1))
    "${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}" --port "$REDIS_PORT" \
        --bind 127.0.0.1 --save "" --appendonly no --dir "$RUN" >"$RUN/redis.log" 2>&1 &
    pids+=($!)
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
export VIZCORE_REDIS_URL=$REDIS_URL

upstreams=""
for i in $(seq 1 "$N"); do
    port=$((PORT + i))
    "$PYTHON" -m streamlit run serve.py --server.port "$port" --server.address 127.0.0.1 \
        --server.headless true --browser.gatherUsageStats false >"$RUN/replica$i.log" 2>&1 &
    pids+=($!)
    upstreams+="        server 127.0.0.1:$port;"$'\n'
done
sed -e "s|@PORT@|$PORT|" -e "s|@RUN@|$RUN|g" deploy/nginx.conf.template |
    awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$RUN/nginx.conf"
"$NGINX" -t -q -c "$RUN/nginx.conf" -e "$RUN/error.log"
"$NGINX" -c "$RUN/nginx.conf" -e "$RUN/error.log" -g "daemon off;" &
pids+=($!)
echo "vizcore: $N replicas (ports $((PORT + 1))-$((PORT + N))) behind nginx on http://0.0.0.0:$PORT"
wait -n "${pids[@]}"  # one of them died: take the rest down with it
