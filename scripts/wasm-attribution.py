#!/usr/bin/env python3
"""Where a lazily loaded part of the residents' WASM spends its bytes, by owner.

make bench says how many bytes a page's WASM is; this says what they are. It builds the portal's
WASM as cargo-leptos does (`hydrate,portal`, profile wasm-release, type-erased views) but with
v0 symbol names (which name every generic instantiation's types) and relocations kept, into its
own target directory (target/attribution: the site's build is not disturbed), splits it with the
same splitter cargo-leptos uses (wasm_split_cli_support, installed into target/tools the first
time), and sums the code of the split and of every chunk it loads, by the first `app::` item each
function's name mentions (a component, a type), else by crate. Sizes are before wasm-opt and
compression (roughly 4 bytes of this per byte a phone receives). Needs python3, c++filt.

Usage: scripts/wasm-attribution.py [SPLIT [TOP [OWNER]]]   e.g. declaration_loader 60
SPLIT `main` is the main module (what every page loads first). WHOLE=1 looks at the whole
application's WASM (feature `hydrate`, the staff pages' splits such as household_route_view)
instead of the portal's.
With OWNER (part of an owner's name as listed, e.g. hashbrown or FieldError; * for all), the TOP largest
functions counted under the matching owners are listed by name instead.
"""
import collections
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLIT = sys.argv[1] if len(sys.argv) > 1 else "declaration_loader"
TOP = int(sys.argv[2]) if len(sys.argv) > 2 else 50
OWNER = sys.argv[3] if len(sys.argv) > 3 else None
TARGET = os.path.join(ROOT, "target", "attribution")
TOOLS = os.path.join(ROOT, "target", "tools")
SPLITTER = os.path.join(TOOLS, "bin", "wasm-split-cli")


def run(cmd, **kw):
    print("[wasm-attribution]", " ".join(cmd[:6]), "...", file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def functions(path):
    """(name, code size) of every function a module defines, from its name section."""
    data = open(path, "rb").read()
    i, imported, sizes, names = 8, 0, [], {}
    while i < len(data):
        sid = data[i]
        ln, i = leb(data, i + 1)
        end = i + ln
        if sid == 2:  # imports: functions are numbered after them
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind in (1, 2):
                    j += kind == 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
                elif kind == 4:
                    _, j = leb(data, j + 1)
        elif sid == 10:
            n, j = leb(data, i)
            for _ in range(n):
                length, k = leb(data, j)
                sizes.append(length + k - j)
                j = k + length
        elif sid == 0:
            length, j = leb(data, i)
            if data[j : j + length] == b"name":
                j += length
                while j < end:
                    sub = data[j]
                    sl, j = leb(data, j + 1)
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            length, k = leb(data, k)
                            names[idx] = data[k : k + length].decode("utf-8", "replace")
                            k += length
                    j += sl
        i = end
    return [(names.get(f + imported, "?"), s) for f, s in enumerate(sizes)]


WHOLE = os.environ.get("WHOLE") == "1"
FEATURES = "hydrate" if WHOLE else "hydrate,portal"
if WHOLE:
    TARGET = os.path.join(TARGET, "whole")
env = dict(os.environ, CARGO_TARGET_DIR=TARGET,
           RUSTFLAGS="-Csymbol-mangling-version=v0 --cfg erase_components -Clink-args=--emit-relocs")
run(["cargo", "build", "-p", "app-wasm", "--lib", "--locked", "--no-default-features", "--features",
     FEATURES, "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"], env=env)
if not os.path.exists(SPLITTER):
    # The splitter's crate as cargo-leptos 0.3.10 uses it, with its command-line front end.
    run(["cargo", "install", "wasm_split_cli_support", "--version", "0.2.3", "--features",
         "build-binary", "--root", TOOLS])
out = os.path.join(TARGET, "split")
subprocess.run(["rm", "-rf", out], check=True)
os.makedirs(out)
run([SPLITTER, os.path.join(TARGET, "wasm32-unknown-unknown", "wasm-release", "app_wasm.wasm"), out],
    stdout=subprocess.DEVNULL)

# The split's own module and every chunk the splitter's loader lists it among.
own = glob.glob(os.path.join(out, f"split_{SPLIT}*.wasm"))
if SPLIT == "main":
    own = [p for p in glob.glob(os.path.join(out, "*.wasm"))
           if not os.path.basename(p).startswith(("split_", "chunk_"))]
if not own:
    names = sorted(os.path.basename(p)[6:-5] for p in glob.glob(os.path.join(out, "split_*.wasm")))
    sys.exit(f"no split named {SPLIT}*; there are: {', '.join(names)}")
loader = open(os.path.join(out, "__wasm_split.js")).read()
files = own + [os.path.join(out, f"chunk_{m.group(2)}.wasm")
               for m in re.finditer(r"/\* ([^*]+) \*/\nconst __chunk_(\d+)", loader)
               if any(s.startswith(SPLIT) for s in m.group(1).split(", "))]
rows = [f for path in files for f in functions(path)]
plain = subprocess.run(["c++filt"], input="\n".join(n for n, _ in rows), capture_output=True,
                       text=True, check=True).stdout.split("\n")
hashes = re.compile(r"\[[0-9a-f]{16}\]")
owner = re.compile(r"app::((?:[a-z_0-9]+::)*)(__component_[a-z_]+|[A-Za-z_0-9]+)")
total, count = collections.Counter(), collections.Counter()
listed = []
for (_, size), name in zip(rows, plain):
    name = hashes.sub("", name)
    serde = "serde " if "serde" in name else ""
    found = owner.search(name)
    if found:
        key = serde + found.group(1) + found.group(2)
    else:
        lib = re.match(r"[<&]*(?:mut |dyn )?([A-Za-z_0-9]+)", name)
        key = "(lib) " + (lib.group(1) if lib else name[:30])
        if key == "(lib) _":
            key = "(lib) type-erased views and attributes (<_ as IntoAny…>)"
    total[key] += size
    count[key] += 1
    if OWNER is not None and (OWNER == "*" or OWNER in key):
        listed.append((size, name))
if OWNER is not None:
    for size, name in sorted(listed, reverse=True)[:TOP]:
        print(f"{size:8d}  {name[:300]}")
    sys.exit(0)
print(f"{SPLIT}: {sum(total.values())} bytes of code in {len(files)} files "
      f"(its own module and {len(files) - 1} chunks), before wasm-opt and compression")
for key, size in total.most_common(TOP):
    print(f"{size:8d} {count[key]:5d}  {key}")
