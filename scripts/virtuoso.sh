#!/usr/bin/env bash
# A throw-away Virtuoso 7 (Debian's virtuoso-opensource) on 127.0.0.1, for trying
# `csto-kg push` and `csto-kg query --endpoint` and for the tests.
#
#   scripts/virtuoso.sh start [DIR]   install if missing, start in DIR (default: a new
#                                     temporary folder), wait until it answers, and print
#                                     shell assignments:
#                                       VIRTUOSO_DIR=...  VIRTUOSO_HTTP=127.0.0.1:8890
#                                       VIRTUOSO_SQL=127.0.0.1:1111  CSTO_KG_VIRTUOSO=...
#   scripts/virtuoso.sh stop DIR      shut it down cleanly and remove DIR
#   scripts/virtuoso.sh status DIR    exit 0 if it answers
#
# Typical use:   eval "$(scripts/virtuoso.sh start)"   ...   scripts/virtuoso.sh stop "$VIRTUOSO_DIR"
#
# Ports: VIRTUOSO_HTTP_PORT (default 8890) and VIRTUOSO_SQL_PORT (default 1111); set either
# to `auto` for a free port picked now. Both bind 127.0.0.1 only.
#
# The account is Virtuoso's default dba/dba: a test-only setting, never for a server
# others can reach. SPARQL is at http://HOST:PORT/sparql, the Graph Store Protocol at
# /sparql-graph-crud-auth (HTTP digest auth, dba/dba). Virtuoso caps results at 10,000
# rows (ResultSetMaxRows) and logs to DIR/virtuoso.log.
set -euo pipefail

INI_SOURCE=/etc/virtuoso-opensource-7/virtuoso.ini

die() { echo "virtuoso.sh: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

install_if_missing() {
    command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null && return 0
    echo "virtuoso.sh: installing virtuoso-opensource (Debian package)" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq virtuoso-opensource >&2
    command -v virtuoso-t >/dev/null || die "virtuoso-t is still missing after the install"
}

sql_port_of() { sed -n 's/^VIRTUOSO_SQL=127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1/env"; }

answers() {  # DIR: true when the SQL port takes a query
    local port
    port=$(sql_port_of "$1")
    isql-vt "127.0.0.1:$port" dba dba exec="select 1;" >/dev/null 2>&1
}

start() {
    install_if_missing
    local dir="${1:-}"
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/csto-kg-virtuoso.XXXXXX")
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -e "$dir/virtuoso.pid" ] && die "$dir already holds a running Virtuoso (stop it first)"
    local http_port="${VIRTUOSO_HTTP_PORT:-8890}" sql_port="${VIRTUOSO_SQL_PORT:-1111}"
    [ "$http_port" = auto ] && http_port=$(free_port)
    [ "$sql_port" = auto ] && sql_port=$(free_port)

    # The packaged configuration, with every database path in DIR and both ports on 127.0.0.1.
    awk -v dir="$dir" -v http="$http_port" -v sql="$sql_port" '
        /^\[/ { section = $0 }
        /^(DatabaseFile|ErrorLogFile|LockFile|TransactionFile|xa_persistent_file)[ \t]*=/ {
            n = split($0, parts, "/"); name = parts[n]
            key = $1
            print key " = " dir "/" name; next
        }
        section == "[Parameters]" && /^ServerPort[ \t]*=/ { print "ServerPort = 127.0.0.1:" sql; next }
        section == "[HTTPServer]" && /^ServerPort[ \t]*=/ { print "ServerPort = 127.0.0.1:" http; next }
        section == "[Parameters]" && /^DirsAllowed[ \t]*=/ { print $0 ", " dir; next }
        section == "[URIQA]" && /^DefaultHost[ \t]*=/ { print "DefaultHost = 127.0.0.1:" http; next }
        { print }
    ' "$INI_SOURCE" >"$dir/virtuoso.ini"
    printf 'VIRTUOSO_DIR=%s\nVIRTUOSO_HTTP=127.0.0.1:%s\nVIRTUOSO_SQL=127.0.0.1:%s\nCSTO_KG_VIRTUOSO=127.0.0.1:%s\n' \
        "$dir" "$http_port" "$sql_port" "$http_port" >"$dir/env"

    (cd "$dir" && exec virtuoso-t +configfile "$dir/virtuoso.ini" +foreground </dev/null >"$dir/stdout.log" 2>&1) &
    echo $! >"$dir/virtuoso.pid"

    local waited=0
    until answers "$dir"; do
        if ! kill -0 "$(cat "$dir/virtuoso.pid")" 2>/dev/null; then
            rm -f "$dir/virtuoso.pid"
            tail -n 20 "$dir/virtuoso.log" "$dir/stdout.log" >&2 2>/dev/null || true
            die "Virtuoso exited while starting (see $dir/virtuoso.log)"
        fi
        [ "$waited" -ge 120 ] && { stop "$dir" >&2 || true; die "Virtuoso did not answer within 60 s"; }
        sleep 0.5
        waited=$((waited + 1))
    done
    cat "$dir/env"
    echo "export VIRTUOSO_DIR VIRTUOSO_HTTP VIRTUOSO_SQL CSTO_KG_VIRTUOSO"
}

stop() {
    local dir="${1:-}"
    [ -n "$dir" ] && [ -f "$dir/env" ] || die "usage: $0 stop DIR (the folder printed by start)"
    local pid=""
    [ -f "$dir/virtuoso.pid" ] && pid=$(cat "$dir/virtuoso.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        isql-vt "127.0.0.1:$(sql_port_of "$dir")" dba dba exec="shutdown;" >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    status) shift; [ -n "${1:-}" ] && [ -f "$1/env" ] || die "usage: $0 status DIR"; answers "$1" ;;
    *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
