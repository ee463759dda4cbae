#!/usr/bin/env bash
# run.sh - `make run`: the local stack as plain processes; Ctrl-C stops it all in reverse order.
# Starts redis-server (own data dir under build/run/, unless COINBUS_REDIS_URL is set),
# then each service binary that exists in $BUILD/bin, in dependency order. Logs go to
# this terminal, prefixed by service, and to build/run/logs/<service>.log. A service
# that dies is reported loudly and restarted with backoff. Once api-edge's GET /health
# says ok (or after 30 s, loudly), prints the dashboard URL and example commands.
set -u
BUILD=${BUILD:-build}
RUN_DIR=build/run
LOG_DIR=$RUN_DIR/logs
mkdir -p "$LOG_DIR" "$RUN_DIR/redis"

# Order matters: what others connect to comes first; stop is the reverse.
SERVICES=(bus venue-sim market-feed sentiment account order-router api-edge)

declare -A PIDS=()
declare -a ORDER=()
stopping=0

log() { printf '\033[1m[run]\033[0m %s\n' "$*"; }

prefix_output() { # name
  local name=$1
  # Line-buffered prefixing to the terminal plus the raw line to the log file.
  while IFS= read -r line; do
    printf '%-12s | %s\n' "$name" "$line"
    printf '%s\n' "$line" >>"$LOG_DIR/$name.log"
  done
}

start_proc() { # name command...
  local name=$1
  shift
  ( exec "$@" ) > >(prefix_output "$name") 2>&1 &
  PIDS[$name]=$!
}

supervise() { # name command... : runs the command, restarting it with backoff
  local name=$1
  shift
  (
    trap 'kill -TERM $child 2>/dev/null; wait $child 2>/dev/null; exit 0' TERM INT
    delay=1
    while :; do
      started=$(date +%s)
      "$@" &
      child=$!
      wait $child
      rc=$?
      printf '\033[1;31m[run] %s exited with status %d; restarting in %ds\033[0m\n' "$name" "$rc" "$delay" >&2
      sleep "$delay" & wait $!
      if [ $(( $(date +%s) - started )) -gt 60 ]; then delay=1; else delay=$(( delay * 2 > 30 ? 30 : delay * 2 )); fi
    done
  ) > >(prefix_output "$name") 2>&1 &
  PIDS[$name]=$!
  ORDER+=("$name")
}

stop_all() {
  [ $stopping -eq 1 ] && return
  stopping=1
  echo
  log "stopping"
  local i name
  for (( i=${#ORDER[@]}-1; i>=0; i-- )); do
    name=${ORDER[$i]}
    kill -TERM "${PIDS[$name]}" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 "${PIDS[$name]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${PIDS[$name]}" 2>/dev/null
    wait "${PIDS[$name]}" 2>/dev/null
    log "stopped $name"
  done
  exit 0
}
trap stop_all INT TERM

wait_port() { # port seconds
  local port=$1 limit=$2 i
  for (( i=0; i<limit*10; i++ )); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# An authenticated bus is off here by default; COINBUS_CURVE=on make run turns it on with
# the certs in COINBUS_CURVE_DIR (default build/run/curve), made by `coinbus certs init`
# when that directory has none yet.
CURVE_MSG=""
if [ "${COINBUS_CURVE:-off}" = on ]; then
  export COINBUS_CURVE_DIR=${COINBUS_CURVE_DIR:-$PWD/$RUN_DIR/curve}
  if [ ! -e "$COINBUS_CURVE_DIR/bus.key" ]; then
    "$BUILD/bin/coinbus" certs init "$COINBUS_CURVE_DIR" >/dev/null ||
      { log "coinbus certs init $COINBUS_CURVE_DIR failed"; exit 1; }
    log "made the bus's CURVE certs in $COINBUS_CURVE_DIR"
  fi
  CURVE_MSG="  CURVE is on:     the coinbus commands below need COINBUS_CURVE=on COINBUS_CURVE_DIR=$COINBUS_CURVE_DIR
"
fi

if [ -z "${COINBUS_REDIS_URL:-}" ]; then
  port=${COINBUS_RUN_REDIS_PORT:-6379}
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "something already listens on 127.0.0.1:$port; set COINBUS_REDIS_URL to use it, or COINBUS_RUN_REDIS_PORT"
    exit 1
  fi
  supervise redis redis-server --bind 127.0.0.1 --port "$port" --dir "$PWD/$RUN_DIR/redis" \
    --appendonly yes --save ""
  export COINBUS_REDIS_URL="redis://127.0.0.1:$port/0"
  wait_port "$port" 10 || { log "redis did not start"; stop_all; }
  log "redis up at $COINBUS_REDIS_URL (data in $RUN_DIR/redis)"
fi

# The services' default venues are venue-sim on 8100: follow COINBUS_SIM_PORT when it moves.
if [ -z "${COINBUS_VENUES:-}" ] && [ -n "${COINBUS_SIM_PORT:-}" ]; then
  export COINBUS_VENUES="sim-kraken=kraken@http://127.0.0.1:$COINBUS_SIM_PORT/kraken,sim-binance=binance@http://127.0.0.1:$COINBUS_SIM_PORT/binance"
fi

# The paper venues quote USD (sim-kraken) and USDT (sim-binance): compare them for best.<SYMBOL>.
export COINBUS_QUOTE_EQUIVALENTS=${COINBUS_QUOTE_EQUIVALENTS:-USD=USDT=USDC}
# The whole stack runs here, so api-edge's /health (and the wait below) counts every RPC
# service; account and order-router answer once they have their venues' instruments.
export COINBUS_EDGE_HEALTH_SERVICES=${COINBUS_EDGE_HEALTH_SERVICES:-market,sentiment,account,orders}

# The account service reads the venue-sim paper accounts (public test values,
# services/venue-sim/README.md) unless real ones are set; only its process gets them.
account_env() { # set | unset
  local v
  for v in KRAKEN_API_KEY KRAKEN_API_SECRET BINANCE_API_KEY BINANCE_API_SECRET; do
    if [ "$1" = set ] && [ -z "${!v+x}" ]; then
      case $v in
        KRAKEN_API_KEY) export COINBUS_SIM_KRAKEN_API_KEY=${COINBUS_SIM_KRAKEN_API_KEY:-coinbus-paper-kraken} ;;
        KRAKEN_API_SECRET) export COINBUS_SIM_KRAKEN_API_SECRET=${COINBUS_SIM_KRAKEN_API_SECRET:-Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA==} ;;
        BINANCE_API_KEY) export COINBUS_SIM_BINANCE_API_KEY=${COINBUS_SIM_BINANCE_API_KEY:-coinbuspaperbinancekey000000000000000000000000000000000000000000} ;;
        BINANCE_API_SECRET) export COINBUS_SIM_BINANCE_API_SECRET=${COINBUS_SIM_BINANCE_API_SECRET:-coinbuspaperbinancesecret000000000000000000000000000000000000000} ;;
      esac
    fi
  done
  if [ "$1" = unset ]; then
    unset COINBUS_SIM_KRAKEN_API_KEY COINBUS_SIM_KRAKEN_API_SECRET COINBUS_SIM_BINANCE_API_KEY COINBUS_SIM_BINANCE_API_SECRET
  fi
}

for svc in "${SERVICES[@]}"; do
  bin="$BUILD/bin/$svc"
  [ -x "$bin" ] || continue
  { [ "$svc" = account ] || [ "$svc" = order-router ]; } && account_env set
  supervise "$svc" "$bin"
  { [ "$svc" = account ] || [ "$svc" = order-router ]; } && account_env unset
done
wait_port "${COINBUS_BUS_SUB_PORT:-5551}" 10 || { log "the bus did not start"; stop_all; }

health() { # port: prints the status line's code and the body of GET /health (no curl needed)
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    timeout 2 cat <&3 ) 2>/dev/null | awk 'NR==1{print $2} /^\r?$/{body=1; next} body{print}'
}

# api-edge answers /health 200 once every service it requires and Redis are up.
HTTP_PORT=${COINBUS_HTTP_PORT:-8000}
EDGE_URL="http://127.0.0.1:$HTTP_PORT"
if [ -n "${PIDS[api-edge]:-}" ]; then
  state=""
  for _ in $(seq 1 300); do
    state=$(health "$HTTP_PORT")
    [ "${state%%$'\n'*}" = "200" ] && break
    sleep 0.1
  done
  if [ "${state%%$'\n'*}" = "200" ]; then
    log "api-edge /health: ok"
  else
    printf '\033[1;31m[run] api-edge /health is not ok after 30 s: %s\033[0m\n' "$(echo "$state" | tail -n +2)" >&2
  fi
fi

# The paper account's API key for the private /api/account routes: made once
# (scope trade), kept with its id in $PAPER_KEY_FILE (mode 0600, "<id> <key>"),
# reused while `coinbus keys list` still has that id, made anew otherwise.
PAPER_KEY_FILE=$RUN_DIR/paper-api-key
paper_api_key() {
  local id="" key="" err
  [ -x "$BUILD/bin/coinbus" ] || return 1
  if [ -r "$PAPER_KEY_FILE" ]; then
    read -r id key <"$PAPER_KEY_FILE"
    if [ -n "$id" ] && [ -n "$key" ] &&
      "$BUILD/bin/coinbus" keys list 2>/dev/null | awk -v id="$id" '$1 == id { found = 1 } END { exit !found }'; then
      printf '%s\n' "$key"
      return 0
    fi
  fi
  err=$(mktemp) || return 1
  key=$("$BUILD/bin/coinbus" keys create --name paper --scope trade 2>"$err")
  id=$(sed -n 's/^created key id \([^ ]*\) .*/\1/p' "$err")
  rm -f "$err"
  [ -n "$id" ] && [ -n "$key" ] || return 1
  ( umask 077 && printf '%s %s\n' "$id" "$key" >"$PAPER_KEY_FILE.tmp" ) &&
    mv -f "$PAPER_KEY_FILE.tmp" "$PAPER_KEY_FILE" && chmod 600 "$PAPER_KEY_FILE" || return 1
  printf '%s\n' "$key"
}
PAPER_KEY=""
if [ -n "${PIDS[api-edge]:-}" ] && [ -n "${PIDS[account]:-}" ]; then
  PAPER_KEY=$(paper_api_key) || { PAPER_KEY=""; log "could not make the paper API key (coinbus keys create)"; }
fi
PAPER_MSG=""
if [ -n "$PAPER_KEY" ]; then
  PAPER_MSG="  Paper API key:   $PAPER_KEY  (scope trade; kept in $PAPER_KEY_FILE)
  Your balances:   curl -H \"Authorization: Bearer $PAPER_KEY\" $EDGE_URL/api/account/balances
"
fi

cat <<MSG

$(log "coinbus is up: ${ORDER[*]}")
  Dashboard:       $EDGE_URL/   (API docs: $EDGE_URL/docs)
  Price over HTTP: curl '$EDGE_URL/api/market/price?symbol=BTC'
  Sentiment:       curl -X POST -H 'Content-Type: application/json' -d '{"text":"BTC to the moon"}' $EDGE_URL/api/sentiment/analyze
  Health:          curl $EDGE_URL/health
$CURVE_MSG  Watch ticks:     $BUILD/bin/coinbus sub tick.BTC-USD.
  Publish a tick:  $BUILD/bin/coinbus pub tick.BTC-USD.sim-kraken '{"symbol":"BTC-USD","venue":"sim-kraken","bid":"50000.1","ask":"50000.2"}'
  Ask a service:   $BUILD/bin/coinbus call market price symbol=BTC-USD
  Paper account:   $BUILD/bin/coinbus call account balances venue=sim-kraken
$PAPER_MSG  Best across:     $BUILD/bin/coinbus sub best.BTC-USD.
  Paper venues:    curl 'http://127.0.0.1:${COINBUS_SIM_PORT:-8100}/kraken/0/public/Ticker?pair=XBTUSD'  (sim-kraken)
                   curl 'http://127.0.0.1:${COINBUS_SIM_PORT:-8100}/binance/api/v3/ticker/bookTicker?symbol=BTCUSDT'  (sim-binance)
  Logs:            $LOG_DIR/
  Stop:            Ctrl-C

MSG
while :; do
  sleep 1 & wait $!
done
