// Bundles the split WASM of one package (a site's `pkg/` or `pkg/portal/`) so that a page loads
// its lazily loaded code in one request instead of hundreds.
//
// cargo-leptos's splitter (wasm_split_cli_support) writes one file per *set of splits* sharing
// code: the staff pages' WASM has ~590 chunk files, and a household file needed ~320 of them
// (each its own request, each compressed alone). This script writes, per split (a lazy route or
// lazy island), `bundle_<split>.wasm`: the chunks it needs and its own module, one after the
// other, and rewrites the splitter's loader (`__wasm_split.*.js`) so that:
// - loading a split whose parts are mostly not loaded yet fetches its bundle once, and each part
//   is instantiated from its slice (the same `WebAssembly.instantiateStreaming`, on a Response
//   made from the slice);
// - loading a split whose parts are all but a few already loaded (the next page, visited within
//   the application) fetches those few files one by one, as before; one with none loaded fetches
//   its bundle, however few its parts;
// - a failed bundle is forgotten, so the next attempt fetches it again.
// The manifest the server reads to preload a page's code (`__wasm_split_manifest.json`) then names
// each split's bundle. The chunk files stay beside the bundles.
//
// The loader's shape is the splitter's (wasm_split_cli_support 0.2, web target): if it is not
// found as expected, the build fails here rather than ship a loader that cannot load a page.
// Usage: node bundle-chunks.mjs PKG_DIR
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: bundle-chunks.mjs PKG_DIR");
  process.exit(2);
}
const fail = (msg) => {
  console.error(`[bundle-chunks] ${dir}: ${msg}`);
  process.exit(1);
};
// A lazy part (`#[lazy]`) compiled into a WASM that never calls it keeps its export, and with it
// all its code, in that WASM's main module (the splitter removes the exports of the parts it
// split off): the portal's main module once grew by 49 KB so. The build fails instead.
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".wasm") && !/^(chunk_|split_|bundle_)/.test(f))) {
  const module = new WebAssembly.Module(fs.readFileSync(path.join(dir, f)));
  const stuck = WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => n.startsWith("__wasm_split_00"));
  if (stuck.length > 0) fail(`${f} exports lazy parts it does not load (cfg them out of this WASM): ${stuck.join(", ")}`);
}
const manifestPath = path.join(dir, "__wasm_split_manifest.json");
if (!fs.existsSync(manifestPath)) {
  console.log(`[bundle-chunks] ${dir}: no split manifest, nothing to bundle`);
  process.exit(0);
}
const loaders = fs.readdirSync(dir).filter((f) => /^__wasm_split\..*\.js$/.test(f));
if (loaders.length !== 1) fail(`expected one __wasm_split.*.js, found ${loaders.length}`);
const loaderPath = path.join(dir, loaders[0]);
let js = fs.readFileSync(loaderPath, "utf8");
const MARK = "// Doudi: split chunks bundled (scripts/bundle-chunks.mjs)";
if (js.startsWith(MARK)) {
  console.log(`[bundle-chunks] ${dir}: already bundled`);
  process.exit(0);
}

const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
const bundles = {};
const newManifest = {};
let files = 0;
for (const [split, parts] of Object.entries(manifest)) {
  if (!/^\w+$/.test(split)) fail(`unexpected split name ${split}`);
  const file = `bundle_${split}`;
  // "NAME:LENGTH ..." in the bundle's order (a chunk's name as its number): the loader
  // computes the offsets. Offsets written out cost 42 KB of brotli in the loader every page
  // of the whole application loads; lengths alone 12.
  const listed = [];
  const bytes = [];
  for (const part of parts) {
    if (!/^\w+$/.test(part)) fail(`unexpected part name ${part}`);
    const b = fs.readFileSync(path.join(dir, `${part}.wasm`));
    listed.push(`${part.replace(/^chunk_(\d+)$/, "$1")}:${b.length}`);
    bytes.push(b);
  }
  fs.writeFileSync(path.join(dir, `${file}.wasm`), Buffer.concat(bytes));
  bundles[split] = [`${file}.wasm`, listed.join(" ")];
  newManifest[split] = [file];
  files += parts.length;
}

// Every fetch of a part goes through `__doudiFetch`; every split's loader first says which split
// it is (`__doudiSplit`), which decides whether its bundle is fetched.
// The splitter names, in a comment above each chunk's loader, the splits that share it (~600
// KB of the loader's 1.2 MB; 10 KB of brotli): read by no code, left out.
const comments = (js.match(/\/\* [^*]+ \*\/\n(?=const __chunk_)/g) || []).length;
js = js.replace(/\/\* [^*]+ \*\/\n(?=const __chunk_)/g, "");
const fetches = (js.match(/\bfetch\(new URL\(/g) || []).length;
js = js.replace(/\bfetch\(new URL\(/g, "__doudiFetch(new URL(");
let splits = 0;
js = js.replace(
  /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?)\]\)\);/g,
  (_, split, body) => {
    splits += 1;
    if (!(split in bundles)) fail(`the loader's split ${split} is not in the manifest`);
    return `export const __wasm_split_load_${split} = wrapAsyncCb(__doudiSplit(${JSON.stringify(split)}, makeLoad(${body}])));`;
  },
);
const expectedFetches = new Set(Object.values(manifest).flat()).size;
if (splits !== Object.keys(manifest).length) fail(`found ${splits} split loaders, the manifest has ${Object.keys(manifest).length}`);
if (fetches < expectedFetches) fail(`found ${fetches} fetches for ${expectedFetches} files`);

const runtime = `${MARK}
const __doudiBundles = ${JSON.stringify(bundles)};
// Parts fetched, or being fetched, by name; and the bundle a part is to be taken from.
const __doudiRequested = new Set();
const __doudiFrom = new Map();
// With this many parts or fewer still to load (and some of the bundle already loaded), they are
// fetched one by one.
const __doudiFew = 4;
// A bundle's parts by name: [offset, length] of each in the bundle's file.
function __doudiParts(listed) {
    const parts = {};
    let at = 0;
    for (const entry of listed.split(" ")) {
        const [name, length] = entry.split(":");
        parts[/^\\d+$/.test(name) ? "chunk_" + name : name] = [at, Number(length)];
        at += Number(length);
    }
    return parts;
}
function __doudiWant(split) {
    const listed = __doudiBundles[split];
    if (listed === undefined) return;
    const [file, partList] = listed;
    const offsets = __doudiParts(partList);
    const parts = Object.keys(offsets);
    const missing = parts.filter((p) => !__doudiRequested.has(p));
    if (missing.length === 0 || (missing.length < parts.length && missing.length <= __doudiFew)) return;
    const bytes = fetch(new URL("./" + file, import.meta.url)).then((r) => {
        if (!r.ok) throw new Error("wasm bundle " + file + ": HTTP " + r.status);
        return r.arrayBuffer();
    });
    for (const p of missing) __doudiFrom.set(p, [bytes, ...offsets[p]]);
    bytes.catch(() => {
        for (const p of missing) {
            if (__doudiFrom.get(p)?.[0] === bytes) {
                __doudiFrom.delete(p);
                __doudiRequested.delete(p);
            }
        }
    });
}
function __doudiFetch(url) {
    const name = url.pathname.split("/").pop().replace(/\\.wasm$/, "");
    __doudiRequested.add(name);
    const from = __doudiFrom.get(name);
    if (from === undefined) return fetch(url);
    const [bytes, offset, length] = from;
    return bytes.then((b) => new Response(b.slice(offset, offset + length), { headers: { "Content-Type": "application/wasm" } }));
}
function __doudiSplit(split, load) {
    return () => {
        __doudiWant(split);
        return load();
    };
}
`;
fs.writeFileSync(loaderPath, runtime + js);
fs.writeFileSync(manifestPath, JSON.stringify(newManifest, null, 2));
console.log(`[bundle-chunks] ${dir}: ${Object.keys(bundles).length} bundles of ${files} parts; ${comments} comments left out`);
