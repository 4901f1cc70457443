#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on loopback, its URL in WFM_TEST_POSTGRES_URL,
# so the scenario-store tests run against a real server as well as SQLite.
# Installs Debian's postgresql when missing (as root); when a server cannot be had, it says so and
# runs the command anyway (those tests then skip). The server lives in a temp dir and is stopped after.
set -u
find_bin() {
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}
BIN=$(find_bin)
if [ -z "$BIN" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing Debian's postgresql for the store tests..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
    || echo "WARNING: 'apt-get install postgresql' failed." >&2
  BIN=$(find_bin)
fi
if [ -z "$BIN" ]; then
  echo "WARNING: no PostgreSQL server: the PostgreSQL store tests will be SKIPPED (SQLite ones still run)." >&2
  exec "$@"
fi
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=()
if [ "$(id -u)" -eq 0 ]; then  # initdb refuses to run as root
  chown postgres "$DIR" 2>/dev/null && AS=(runuser -u postgres --) || { echo "WARNING: no postgres user" >&2; exec "$@"; }
fi
if ! "${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U wfm --auth=trust >"$DIR/initdb.log" 2>&1 \
   || ! "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "-h 127.0.0.1 -p $PORT -k $DIR" start >/dev/null; then
  echo "WARNING: PostgreSQL did not start (see $DIR): the PostgreSQL store tests will be SKIPPED." >&2
  exec "$@"
fi
trap '"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1; rm -rf "$DIR"' EXIT
"${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U wfm wfm_test
export WFM_TEST_POSTGRES_URL="postgresql+psycopg://wfm@127.0.0.1:$PORT/wfm_test"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT for the store tests"
"$@"
