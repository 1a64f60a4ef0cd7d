#!/usr/bin/env bash
# make_samples.sh — regenerate samples/real/*.sdp from real WebRTC stacks on this machine.
#
# usage: sudo scripts/make_samples/make_samples.sh [SAMPLE ...]     (default: all samples)
#        scripts/make_samples/make_samples.sh --list
# env:   OUT=dir (default samples/real)   STATE=dir (default /run/icecheck-make-samples)
#        KEEP_LAB=1 leaves the namespaces and coturn up after the run (for poking around);
#        a later run (or `make_samples.sh --teardown`) removes them.
#
# Needs root and the Debian packages chromium, firefox-esr, coturn, nftables, iproute2, plus
# `pip install aiortc`. Everything runs in three network namespaces this script creates:
#
#   icmk-client                        icmk-router                       icmk-public
#   c-lan 192.168.77.10/24  ───────── r-lan 192.168.77.1/24              p-wan 203.0.113.10/24
#         fd77:77::10/64                     fd77:77::1/64                     2001:db8:113::10/64
#         2001:db8:77::11:22ff:fe33:4455     2001:db8:77::1/64                 coturn STUN+TURN :3478
#         (MAC 02:11:22:33:44:55, EUI-64)
#   c-cgn 100.64.10.10/24   ───────── r-cgn 100.64.10.1/24
#                                      r-wan 203.0.113.1/24 ─────────── (masquerade, cone NAT)
#                                            2001:db8:113::1/64 (IPv6 routed, no NAT)
#
# The router has no link to the host, so nothing a client sends can leave the lab: a packet
# to any other address dies in the router with "network unreachable". The client namespace
# gets its own resolv.conf (nameserver 127.0.0.1, nothing listening) so no lookup leaves it.
# Browsers get an empty profile and every network service switched off; they load
# page.html from sink.py (127.0.0.1 in the client namespace), which POSTs the SDP back.
# Each sample is checked (check_sdp.py) before it replaces the file in OUT.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$REPO/samples/real}
STATE=${STATE:-/run/icecheck-make-samples}
NS_C=icmk-client NS_R=icmk-router NS_P=icmk-public
SINK_PORT=8077
TURN_IP=203.0.113.10
PY=${PYTHON:-python3}
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-45}   # seconds one client may take to deliver its SDP

# name | client | page query or client options | check_sdp.py expectations
SAMPLES=(
  "chromium-default-mdns|chromium||--want host,srflx,relay --mdns yes --srflx-prefix 203.0.113. --relay-addr $TURN_IP"
  "chromium-gum-raw|chromium|gum=1|--want host,srflx,relay --mdns no --srflx-prefix 203.0.113. --relay-addr $TURN_IP --relay-raddr public"
  "chromium-relay-only|chromium|policy=relay|--only relay --relay-addr $TURN_IP --relay-raddr zero"
  "chromium-gum-relay-only|chromium|gum=1&policy=relay|--only relay --relay-addr $TURN_IP --relay-raddr zero"
  "firefox-esr-default|firefox||--want host,srflx,relay --srflx-prefix 203.0.113. --relay-addr $TURN_IP"
  "firefox-esr-raw|firefox|pref:media.peerconnection.ice.obfuscate_host_addresses=false|--want host,srflx,relay --mdns no --srflx-prefix 203.0.113. --relay-addr $TURN_IP"
  "firefox-esr-gum|firefox|gum=1 pref:media.navigator.permission.fake=true|--want host,srflx,relay --mdns no --srflx-prefix 203.0.113. --relay-addr $TURN_IP"
  "firefox-esr-relay-only|firefox|pref:media.peerconnection.ice.relay_only=true|--only relay --relay-addr $TURN_IP"
  "aiortc-offer|aiortc||--want host,srflx,relay --mdns no --srflx-prefix 203.0.113. --relay-addr $TURN_IP"
  "aiortc-relay-only|aiortc|--relay-only|--only relay --relay-addr $TURN_IP"
)

log() { printf '%s make_samples: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- processes (by recorded PID)
# Each background process is started with setsid, so its PID is also its process-group id;
# stopping it signals that group (a browser's helpers go with it) and nothing else.
start_bg() {  # start_bg NAME NAMESPACE CMD...
  local name=$1 ns=$2; shift 2
  setsid ip netns exec "$ns" "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/$name.pid"
}

alive() {  # alive PID: running and not a zombie
  local st
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}

group_alive() {  # group_alive PGID: some member of the process group is not a zombie
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {f = 1} END {exit !f}'
}

stop_bg() {  # stop_bg NAME: TERM the process group, KILL it after 3 s
  local f=$STATE/pids/$1.pid pid
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  if [[ $pid =~ ^[0-9]+$ ]] && { alive "$pid" || group_alive "$pid"; }; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 30); do group_alive "$pid" || break; sleep 0.1; done
    if group_alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true  # reap our own child (a leftover from an earlier run is not)
  rm -f "$f"
}

# ---------------------------------------------------------------- lab
teardown() {
  local f
  if [[ -d $STATE/pids ]]; then
    for f in "$STATE"/pids/*.pid; do [[ -e $f ]] && stop_bg "$(basename "$f" .pid)"; done
  fi
  for ns in "$NS_C" "$NS_R" "$NS_P"; do
    if ip netns list | grep -qw "^$ns"; then ip netns del "$ns"; fi
    rm -rf "/etc/netns/$ns"
  done
}

setup_lab() {
  local t0=$SECONDS
  for ns in "$NS_C" "$NS_R" "$NS_P"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  mkdir -p "/etc/netns/$NS_C"
  echo "nameserver 127.0.0.1" >"/etc/netns/$NS_C/resolv.conf"   # nothing listens: lookups fail here

  # veth pairs are created inside the namespaces: no interface ever appears on the host
  ip -n "$NS_C" link add c-lan address 02:11:22:33:44:55 type veth peer name r-lan netns "$NS_R"
  ip -n "$NS_C" link add c-cgn type veth peer name r-cgn netns "$NS_R"
  ip -n "$NS_R" link add r-wan type veth peer name p-wan netns "$NS_P"

  ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
  ip -n "$NS_C" addr add 192.168.77.10/24 dev c-lan
  ip -n "$NS_C" addr add fd77:77::10/64 dev c-lan nodad
  ip -n "$NS_C" addr add 2001:db8:77::11:22ff:fe33:4455/64 dev c-lan nodad
  ip -n "$NS_C" addr add 100.64.10.10/24 dev c-cgn
  ip -n "$NS_R" addr add 192.168.77.1/24 dev r-lan
  ip -n "$NS_R" addr add fd77:77::1/64 dev r-lan nodad
  ip -n "$NS_R" addr add 2001:db8:77::1/64 dev r-lan nodad
  ip -n "$NS_R" addr add 100.64.10.1/24 dev r-cgn
  ip -n "$NS_R" addr add 203.0.113.1/24 dev r-wan
  ip -n "$NS_R" addr add 2001:db8:113::1/64 dev r-wan nodad
  ip -n "$NS_P" addr add 203.0.113.10/24 dev p-wan
  ip -n "$NS_P" addr add 2001:db8:113::10/64 dev p-wan nodad
  for l in c-lan c-cgn; do ip -n "$NS_C" link set "$l" up; done
  for l in r-lan r-cgn r-wan; do ip -n "$NS_R" link set "$l" up; done
  ip -n "$NS_P" link set p-wan up

  # client: default route on the LAN; traffic from the CGN address leaves by its own link
  ip -n "$NS_C" route add default via 192.168.77.1 dev c-lan
  ip -n "$NS_C" -6 route add default via fd77:77::1 dev c-lan
  ip -n "$NS_C" rule add from 100.64.10.10 table 100
  ip -n "$NS_C" route add default via 100.64.10.1 dev c-cgn table 100
  # public: route back to the client's IPv6 prefixes (IPv4 comes back to the NAT address)
  ip -n "$NS_P" -6 route add 2001:db8:77::/64 via 2001:db8:113::1
  ip -n "$NS_P" -6 route add fd77:77::/64 via 2001:db8:113::1

  ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  ip netns exec "$NS_R" nft -f - <<'NFT'
table ip icmk_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "r-wan" masquerade
  }
}
table inet icmk_guard {
  # Belt and braces: the router has no route off the lab anyway. Count (and drop) whatever
  # a client tries to send anywhere else; the count is reported at the end of the run.
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip daddr != { 192.168.77.0/24, 100.64.10.0/24, 203.0.113.0/24, 224.0.0.0/4,
                  255.255.255.255 } counter name outside drop
    ip6 daddr != { fd77:77::/64, 2001:db8:77::/64, 2001:db8:113::/64, fe80::/10,
                   ff00::/8 } counter name outside drop
  }
  counter outside { }
}
NFT
  log "lab up in $((SECONDS - t0)) s"
}

start_coturn() {
  mkdir -p "$STATE/coturn"
  start_bg coturn "$NS_P" turnserver -n --listening-ip=$TURN_IP --relay-ip=$TURN_IP \
    --listening-port=3478 --min-port=49160 --max-port=49200 --no-tls --no-dtls --no-cli \
    --lt-cred-mech --user=icetest:icepass --realm=icecheck.test --fingerprint \
    --userdb="$STATE/coturn/turndb" --pidfile="$STATE/coturn/turnserver.pid" \
    --log-file=stdout --simple-log
  # ready = answers a STUN Binding request, sent from the client through the NAT
  ip netns exec "$NS_C" "$PY" - "$TURN_IP" <<'EOF' || die "coturn did not answer (see $STATE/logs/coturn.log)"
import os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.1)
req = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        s.sendto(req, (sys.argv[1], 3478)); data = s.recv(2048)
        if data[:2] == b"\x01\x01" and data[8:20] == req[8:20]:
            sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
  log "coturn ready (pid $(<"$STATE/pids/coturn.pid"))"
}

start_sink() {
  start_bg sink "$NS_C" "$PY" "$HERE/sink.py" "$SINK_PORT" "$STATE/out"

  for _ in $(seq 50); do
    if ip netns exec "$NS_C" bash -c "exec 3<>/dev/tcp/127.0.0.1/$SINK_PORT" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "sink did not start (see $STATE/logs/sink.log)"
}

# ---------------------------------------------------------------- clients
wait_result() {  # wait_result NAME PROC: until OUT/NAME.sdp or .err appears or the client exits
  local name=$1 proc=$2 pid
  pid=$(<"$STATE/pids/$proc.pid")
  for _ in $(seq $((CLIENT_TIMEOUT * 10))); do
    [[ -f $STATE/out/$name.sdp || -f $STATE/out/$name.err ]] && return 0
    group_alive "$pid" || { log "$proc exited early (see $STATE/logs/$proc.log)"; return 1; }
    sleep 0.1
  done
  log "$name: no result after ${CLIENT_TIMEOUT} s"
  return 1
}

run_chromium() {  # run_chromium NAME QUERY
  local name=$1 query=$2 prof rc=0 media=()
  prof=$(mktemp -d "$STATE/profiles/chromium-XXXXXX")   # empty --user-data-dir
  # Only with getUserMedia: the fake-UI flag makes every media permission check answer
  # "granted", and a page holding media permission is given raw host addresses.
  [[ $query == *gum=1* ]] && media=(--use-fake-ui-for-media-stream --use-fake-device-for-media-stream)
  start_bg "chromium-$name" "$NS_C" env HOME="$prof" /usr/lib/chromium/chromium \
    --headless --no-sandbox --user-data-dir="$prof" \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --disable-quic --disable-extensions --disable-default-apps --disable-domain-reliability \
    --no-pings --disable-breakpad --disable-gpu --no-default-browser-check --disable-dev-shm-usage \
    --disable-features=MediaRouter,OptimizationHints,Translate,AutofillServerCommunication \
    "${media[@]}" "http://127.0.0.1:$SINK_PORT/page.html?name=$name&$query"
  wait_result "$name" "chromium-$name" || rc=1
  stop_bg "chromium-$name"
  return $rc
}

run_firefox() {  # run_firefox NAME "WORD ..." (pref:NAME=VALUE or a page query part)
  local name=$1 opt=$2 prof query="" rc=0
  prof=$(mktemp -d "$STATE/profiles/firefox-XXXXXX")
  cp "$REPO/icecheck/data/firefox-user.js" "$prof/user.js"
  {
    echo '// per-sample prefs (make_samples.sh)'
    echo 'user_pref("media.navigator.streams.fake", true);'          # fake microphone
    echo 'user_pref("media.navigator.permission.disabled", true);'   # grant gUM without a prompt
  } >>"$prof/user.js"
  local w
  for w in $opt; do  # words: pref:NAME=VALUE → user.js, anything else → page query
    case $w in
      pref:*) w=${w#pref:}; echo "user_pref(\"${w%%=*}\", ${w#*=});" >>"$prof/user.js" ;;
      *) query+="&$w" ;;
    esac
  done
  start_bg "firefox-$name" "$NS_C" env HOME="$prof" MOZ_CRASHREPORTER_DISABLE=1 \
    MOZ_DISABLE_AUTO_SAFE_MODE=1 XDG_CACHE_HOME="$prof/.cache" \
    firefox-esr --headless --no-remote --profile "$prof" \
    "http://127.0.0.1:$SINK_PORT/page.html?name=$name$query"
  wait_result "$name" "firefox-$name" || rc=1
  stop_bg "firefox-$name"
  return $rc
}

run_aiortc() {  # run_aiortc NAME OPTIONS
  local name=$1 opts=$2
  # shellcheck disable=SC2086  # OPTIONS is a word list
  timeout "$CLIENT_TIMEOUT" ip netns exec "$NS_C" "$PY" "$HERE/aiortc_offer.py" \
    "$STATE/out/$name.sdp" $opts >"$STATE/out/$name.json" 2>"$STATE/logs/aiortc-$name.log"
}

version_of() {
  case $1 in
    chromium) /usr/lib/chromium/chromium --version 2>/dev/null ;;
    firefox) firefox-esr --version 2>/dev/null ;;
    aiortc) "$PY" -c 'import aiortc, aioice; print("aiortc", aiortc.__version__, "aioice", aioice.__version__)' ;;
  esac
}

run_sample() {  # run_sample SPEC → 0 when the sample was written to OUT
  local name client opt expect t0=$SECONDS
  IFS='|' read -r name client opt expect <<<"$1"
  rm -f "$STATE/out/$name".*
  log "$name: $client $opt"
  if ! "run_$client" "$name" "$opt"; then log "$name: FAILED (client)"; return 1; fi
  if [[ -f $STATE/out/$name.err ]]; then
    log "$name: FAILED in page: $(<"$STATE/out/$name.err")"; return 1
  fi
  # shellcheck disable=SC2086
  if ! "$PY" "$HERE/check_sdp.py" "$STATE/out/$name.sdp" $expect; then
    log "$name: FAILED (unexpected candidates; kept in $STATE/out/$name.sdp)"; return 1
  fi
  cp "$STATE/out/$name.sdp" "$OUT/$name.sdp"
  log "$name: written $OUT/$name.sdp ($((SECONDS - t0)) s; $(version_of "$client"))"
}

# ---------------------------------------------------------------- main
main() {
  [[ ${1:-} == --list ]] && { printf '%s\n' "${SAMPLES[@]%%|*}"; exit 0; }
  [[ $EUID -eq 0 ]] || die "needs root (network namespaces)"
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"
  flock -n 9 || die "another make_samples.sh is running ($STATE/lock)"
  teardown   # leftovers of an earlier, interrupted run
  [[ ${1:-} == --teardown ]] && { log "torn down"; exit 0; }
  local want=("$@") spec name failed=() done_=() t0=$SECONDS
  for name in "${want[@]}"; do
    printf '%s\n' "${SAMPLES[@]%%|*}" | grep -qx -- "$name" || die "unknown sample $name (see --list)"
  done
  rm -rf "$STATE/out" "$STATE/logs" "$STATE/profiles" "$STATE/coturn"
  mkdir -p "$STATE/out" "$STATE/logs" "$STATE/pids" "$STATE/profiles" "$OUT"
  [[ ${KEEP_LAB:-0} == 1 ]] || trap teardown EXIT
  trap 'log "interrupted"; exit 130' INT TERM
  setup_lab
  start_coturn
  start_sink
  for spec in "${SAMPLES[@]}"; do
    name=${spec%%|*}
    if ((${#want[@]})) && ! printf '%s\n' "${want[@]}" | grep -qx -- "$name"; then continue; fi
    if run_sample "$spec"; then done_+=("$name"); else failed+=("$name"); fi
  done
  rm -rf "$STATE/profiles"
  log "guard: $(ip netns exec "$NS_R" nft list counter inet icmk_guard outside |
    awk '/packets/ {print $2 " packets"}') sent to the router for addresses outside the lab (dropped)"
  log "done in $((SECONDS - t0)) s: ${#done_[@]} written${done_:+ (${done_[*]})}"
  if ((${#failed[@]})); then log "failed: ${failed[*]} (logs in $STATE/logs)"; exit 1; fi
}

main "$@"
