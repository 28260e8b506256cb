// Writes a brotli (.br) and a gzip (.gz) copy beside every WASM, JavaScript and CSS file under a
// directory (the site's `pkg/`), so the server sends them already compressed (tower-http's
// ServeDir picks the copy the browser accepts, with Content-Encoding and Vary). Build-time work:
// brotli at its best quality costs about a second per megabyte, once per build, not per request.
// Usage: node compress-assets.mjs DIR [--fast]   (--fast: debug builds, where size matters less)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { promisify } from "node:util";

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const [dir, mode] = process.argv.slice(2);
if (!dir) {
  console.error("usage: compress-assets.mjs DIR [--fast]");
  process.exit(2);
}
const fast = mode === "--fast";

function* files(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.(wasm|js|css)$/.test(e.name)) yield p;
  }
}

// A copy is written only where it is smaller; a stale copy of a file that no longer compresses
// well (or no longer exists under that name) must not be served instead of it.
async function compress(file) {
  const raw = fs.readFileSync(file);
  const br = await brotli(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: fast ? 5 : zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = await gzip(raw, { level: fast ? 6 : 9 });
  let saved = 0;
  for (const [ext, data] of [[".br", br], [".gz", gz]]) {
    const out = file + ext;
    if (data.length < raw.length) {
      fs.writeFileSync(out + ".tmp", data);
      fs.renameSync(out + ".tmp", out);
      if (ext === ".br") saved = raw.length - data.length;
    } else {
      fs.rmSync(out, { force: true });
    }
  }
  return [raw.length, saved];
}

const list = [...files(dir)];
let raw = 0;
let saved = 0;
const started = Date.now();
// Two at a time: zlib runs them on libuv's threads, and this machine has two cores.
for (let i = 0; i < list.length; i += 2) {
  for (const [r, s] of await Promise.all(list.slice(i, i + 2).map(compress))) {
    raw += r;
    saved += s;
  }
}
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `[compress-assets] ${list.length} files, ${kb(raw)} -> ${kb(raw - saved)} brotli` +
    ` (${fast ? "fast" : "best"} quality) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
