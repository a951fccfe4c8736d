#!/usr/bin/env bash
# Check that no C file calls, directly or through others, a function of a
# file that calls back into it: the layers of src/pgmigrate.h for the
# extension, and of client/client.h for the client.
#
#   scripts/check-layers.sh        (after make; scripts/test.sh runs it)
#
# Reads the compiled objects, not the source: `nm` says which functions each
# object defines and which it needs from elsewhere; an edge goes from each
# object to every other object that defines a function it needs; tsort fails
# on a loop and names the files on it.  Prints the files from the bottom
# layer up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C     # sort and join must agree on the order of names

defs=$(mktemp) edges=$(mktemp) err=$(mktemp)
trap 'rm -f "$defs" "$edges" "$err"' EXIT

# check_layers WHAT OBJECT...: no loop among the objects' files
check_layers() {
    local what=$1 o f order
    shift
    for o in "$@"; do
        [ -f "$o" ] || { echo "no $o: run make first" >&2; exit 1; }
        nm --defined-only -g "$o" | awk -v f="${o%.o}.c" '$2 == "T" || $2 == "B" || $2 == "D" { print $3, f }'
    done | sort >"$defs"
    for o in "$@"; do
        f="${o%.o}.c"
        echo "$f $f"        # every file is a node, even one that calls nothing
        nm --undefined-only "$o" | awk '{ print $NF }' | sort -u \
            | join - "$defs" | awk -v f="$f" '$2 != f { print $2, f }'
    done | sort -u >"$edges"

    # tsort prints callees before callers: the bottom layer first.
    if ! order=$(tsort <"$edges" 2>"$err"); then
        echo "the C files of the $what call each other in a loop; each loop found:" >&2
        sed -e 's/^tsort: -: input contains a loop:$/  loop:/' -e 's/^tsort: /    /' "$err" >&2
        exit 1
    fi
    echo "no loop among the C files of the $what; from the bottom up:"
    echo "$order" | sed 's/^/  /'
}

# the object of every C file there is (not stale objects of removed files)
extension=()
for c in src/*.c src/online/*.c src/schema/*.c src/schema/describe/*.c common/*.c; do extension+=("${c%.c}.o"); done
check_layers extension "${extension[@]}"
client=()
for c in client/*.c; do client+=("${c%.c}.o"); done
check_layers client "${client[@]}" client/revisions.o
