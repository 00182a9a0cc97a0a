#!/usr/bin/env bash
# The package as a user installs it: builds the sdist and, from it, the wheel
# (python -m build), checks both (twine check), installs the wheel into a fresh virtual
# environment whose files are then made read-only, and runs the main commands from it
# with a fresh home folder: `query members`, `export -o`, `validate`, and `serve`
# answering one SPARQL query on 127.0.0.1. Exits non-zero at the first thing that fails.
#
# Run as root (as CI runs), permission bits stop nothing, so the environment is also
# mounted read-only in a mount namespace of its own (unshare); the script checks that
# writing into site-packages fails before it trusts the setup.
#
#   scripts/wheel-smoke.sh          (PYTHON names the interpreter, default python3)
set -euo pipefail

say() { echo "wheel-smoke: $*" >&2; }
fail() {
	echo "wheel-smoke: FAILED: $*" >&2
	exit 1
}

# The commands, run inside the read-only setup: wheel-smoke.sh --inside WORK
inside() {
	local work=$1 venv=$1/venv run=$1/run
	local site version cache out endpoint
	site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
	if touch "$site/csto_kg/.write-probe" 2>/dev/null; then
		fail "site-packages is writable ($site): the test would prove nothing"
	fi
	export HOME=$work/home
	unset XDG_CACHE_HOME CSTO_KG_BUILD CSTO_KG_DATA
	cd "$run"
	local csto=$venv/bin/csto-kg
	version=$("$venv/bin/python" -c 'import csto_kg; print(csto_kg.__version__)')
	cache=$HOME/.cache/csto-kg/$version

	say "csto-kg --version"
	"$csto" --version | tee "$run/version.txt"
	grep -qx "data   $site/csto_kg/_data  (the copy installed with the package)" "$run/version.txt" ||
		fail "--version does not name the installed data"
	grep -q "^build  $cache  " "$run/version.txt" || fail "--version does not name the build folder $cache"

	say "csto-kg query members"
	"$csto" query members >"$run/members.txt" || fail "csto-kg query members"
	cat "$run/members.txt"
	grep -q "Russia" "$run/members.txt" || fail "query members does not list Russia"
	[ -f "$cache/current/manifest.json" ] || fail "no build in $cache"

	say "csto-kg export -o csto.ttl"
	"$csto" export -o "$run/csto.ttl" || fail "csto-kg export"
	out=$("$venv/bin/python" -c 'import sys, pyoxigraph as ox; print(sum(1 for _ in ox.parse(path=sys.argv[1])))' "$run/csto.ttl")
	[ "$out" -gt 1000 ] || fail "the export holds $out triples"
	say "  $out triples"

	say "csto-kg validate"
	"$csto" validate || fail "csto-kg validate"

	say "csto-kg serve"
	"$csto" serve --port 0 >"$run/serve.out" 2>"$run/serve.err" &
	pid=$!
	trap 'kill "$pid" 2>/dev/null; true' EXIT
	for _ in $(seq 600); do
		[ -s "$run/serve.out" ] && break
		kill -0 "$pid" 2>/dev/null || {
			cat "$run/serve.err" >&2
			fail "csto-kg serve exited"
		}
		sleep 0.1
	done
	endpoint=$(head -n 1 "$run/serve.out")
	[ -n "$endpoint" ] || fail "csto-kg serve did not start within 60 s"
	"$venv/bin/python" - "$endpoint" <<'PY' || fail "the served endpoint did not answer"
import json, sys, urllib.parse, urllib.request

query = "SELECT ?name WHERE { <https://w3id.org/csto-kg/id/armenia> <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
request = urllib.request.Request(
    sys.argv[1] + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "application/sparql-results+json"}
)
with urllib.request.urlopen(request, timeout=30) as response:
    names = [b["name"]["value"] for b in json.load(response)["results"]["bindings"]]
print(f"wheel-smoke:   {sys.argv[1]} answered {names}", file=sys.stderr)
sys.exit(0 if "Armenia" in names else 1)
PY
	kill "$pid"
	wait "$pid" || true
	trap - EXIT
	[ ! -e "$site/csto_kg/_data/build" ] || fail "something was written inside the installed package"
	say "ok: the installed wheel ran read-only, building in $cache"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/csto-kg-wheel.XXXXXX")
cleanup() {
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/home" "$work/run"

say "python -m build (the sdist, then the wheel from it)"
"$python" -m venv "$work/tools"
pip_install() { # quiet unless it fails
	"$@" >"$work/pip.log" 2>&1 || {
		cat "$work/pip.log" >&2
		fail "$*"
	}
}
pip_install "$work/tools/bin/pip" install --disable-pip-version-check build twine
"$work/tools/bin/python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 || {
	cat "$work/build.log" >&2
	fail "python -m build"
}
wheel=$(echo "$work"/dist/*.whl)
sdist=$(echo "$work"/dist/*.tar.gz)
[ -f "$wheel" ] && [ -f "$sdist" ] || fail "python -m build made no wheel or no sdist: $(ls "$work/dist")"
"$work/tools/bin/twine" check --strict "$wheel" "$sdist" || fail "twine check"
"$work/tools/bin/python" - "$wheel" <<'PY' || fail "the wheel lacks files it needs"
import sys, zipfile

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
needed = ["csto_kg/py.typed", "csto_kg/_data/ontology/csto.ttl", "csto_kg/_data/queries/members.rq", "csto_kg/_data/shapes"]
missing = [n for n in needed if n not in names and not any(m.startswith(n + "/") for m in names)]
print(f"wheel-smoke: {sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files" + (f", missing {missing}" if missing else ""), file=sys.stderr)
sys.exit(1 if missing else 0)
PY

# serve needs the Oxigraph server: through the wheel's `serve` extra where it has one.
extras=$("$work/tools/bin/python" -c 'import sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
print(" ".join(line.split(":", 1)[1].strip() for line in wheel.read(meta).decode().splitlines() if line.startswith("Provides-Extra:")))' "$wheel")
if [[ " $extras " == *" serve "* ]]; then
	wanted=("$wheel[serve]")
else
	wanted=("$wheel" oxigraph)
fi
say "installing ${wanted[*]##*/} into a fresh virtual environment"
"$python" -m venv "$work/venv"
pip_install "$work/venv/bin/pip" install --disable-pip-version-check "${wanted[@]}"
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
chmod -R a-w "$site"

if [ "$(id -u)" = 0 ]; then
	# Root writes through permission bits: a read-only bind mount of the environment, in
	# a mount namespace of this command's own, stops it as it stops everyone.
	unshare --mount --propagation private bash -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec bash "$2" --inside "$3"' \
		_ "$work/venv" "$root/scripts/wheel-smoke.sh" "$work"
else
	bash "$root/scripts/wheel-smoke.sh" --inside "$work"
fi
