#!/usr/bin/env python3
"""Reports file-level call cycles among the C files of the given folders: file A calls a
function defined in file B and B (directly or through others) calls one defined in A.

    python3 scripts/call_cycles.py ir codegen passes

A "definition" is a non-static function defined at the start of a line (kiln's clang-format
style); a "call" is that name followed by '(' anywhere in another file. Exits 1 when a cycle
is found, printing each strongly connected group of files with the calls that tie it."""
import os
import re
import sys

DEF = re.compile(r'^(?!static\b)[A-Za-z_][\w \*]*?\b([a-z_][a-z0-9_]*)\(([^;]*)$', re.M)
CALL = re.compile(r'\b([a-z_][a-z0-9_]*)\s*\(')


def strip(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return text


def main(folders):
    files = []
    for top in folders:
        for root, _, names in os.walk(top):
            files += [os.path.join(root, n) for n in names if n.endswith('.c')]
    text = {f: strip(open(f, encoding='utf-8', errors='replace').read()) for f in files}
    owner = {}
    for f, t in text.items():
        for m in DEF.finditer(t):
            if m.group(2).rstrip().endswith('{') or m.group(2).rstrip().endswith(','):
                owner.setdefault(m.group(1), f)
    edges = {f: {} for f in files}
    for f, t in text.items():
        for m in CALL.finditer(t):
            g = owner.get(m.group(1))
            if g and g != f:
                edges[f].setdefault(g, set()).add(m.group(1))
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(files):
        if v not in index:
            visit(v)
    for comp in sccs:
        print('cycle: ' + ' <-> '.join(comp))
        for a in comp:
            for b, names in sorted(edges[a].items()):
                if b in comp:
                    print('  %s -> %s: %s' % (a, b, ', '.join(sorted(names))))
    print('%d files, %d cycles' % (len(files), len(sccs)))
    return 1 if sccs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or ['ir', 'codegen', 'passes']))
