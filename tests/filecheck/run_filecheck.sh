# Lit-like FileCheck driver: for every .kir file of the folder given (or the files given), runs
# each "# RUN:" line with %kiln (the kiln binary), %s (the file), %t (a scratch folder) and
# %FileCheck substituted. A RUN line that does not itself pipe into %FileCheck has its standard
# output piped to "%FileCheck %s". Every RUN line must pass; a file without RUN or CHECK lines
# fails, so a test cannot pass vacuously.
# usage: run_filecheck.sh FILECHECK DIR_OR_FILE...
set -u
FILECHECK=$1
shift
KILN=${KILN:?KILN must name the kiln binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-filecheck-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
files=()
for arg in "$@"; do
    if [ -d "$arg" ]; then
        for f in "$arg"/*.kir; do [ -e "$f" ] && files+=("$f"); done
    else
        files+=("$arg")
    fi
done
[ ${#files[@]} -gt 0 ] || { echo "no .kir files in $*"; exit 1; }
fails=0 runs=0
for f in "${files[@]}"; do
    if ! grep -q '^# RUN:' "$f" || ! grep -qE '^# [A-Z0-9-]*CHECK' "$f"; then
        echo "FAIL $f: no RUN or no CHECK lines"
        fails=$((fails + 1))
        continue
    fi
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        cmd=${line#\# RUN:}
        t="$TMP/$(basename "$f" .kir)-$n"
        mkdir -p "$t"
        cmd=${cmd//%kiln/$KILN}
        cmd=${cmd//%FileCheck/$FILECHECK}
        cmd=${cmd//%s/$f}
        cmd=${cmd//%t/$t}
        case $cmd in
        *"$FILECHECK"*) ;;
        *) cmd="$cmd | $FILECHECK $f" ;;
        esac
        runs=$((runs + 1))
        if (set -o pipefail; bash -c "set -o pipefail; $cmd") >"$t.log" 2>&1; then
            echo "ok   $f (RUN $n)"
        else
            echo "FAIL $f (RUN $n): $cmd"
            sed 's/^/    /' "$t.log" | head -40
            fails=$((fails + 1))
        fi
    done < <(grep '^# RUN:' "$f")
done
echo "$runs RUN lines, $fails failed"
[ "$fails" -eq 0 ]
