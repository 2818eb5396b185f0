// Trunk post_build hook: runs in the staging directory before it becomes dist/.
//
// 0. Moves every inline <script> of index.html (Trunk's wasm bootstrap) into
//    a content-hashed file, /boot-<16 hex>.js, so the server's
//    Content-Security-Policy needs no 'unsafe-inline' (and the file is cached
//    as immutable, like Trunk's own hashed assets). It runs first, so the
//    precache list and build id below include the new file and the rewritten
//    index.html. The build fails if anything inline the policy would block is
//    left (a script, an on…= handler, a style= attribute).
//    Trunk's bootstrap is rewritten on the way: it shows index.html's static
//    first paint for a frame, then starts the app and removes it (below).
// 0a. Inlines the screen stylesheet (main.css) into index.html as a <style>
//    block, and drops the file: the first paint then waits for index.html
//    alone, not for a second request (a round trip on a phone's network).
//    The server allows exactly that block by its hash (static_files.rs,
//    `shell_policy`). The print sheet stays a file, media=print.
// 1. Fills the service worker's precache list with every file this build
//    produced, and its build id with a hash of their contents, so a new
//    deployment always means a new worker (no hand-kept list to forget).
// 0a. In release builds, takes out of the .wasm and the glue the stream
//    classes a dependency exports that the app cannot reach
//    (dead-exports.mjs), then gives the .wasm's imports short names in it
//    and in the glue (short-imports.mjs): wasm-bindgen's carry a hash each,
//    in both files, about 5.5 KB of brotli; and drops the custom sections
//    only tools read (producers, target_features).
// 0b. In release builds, minifies the wasm-bindgen glue with terser (Trunk's
//    `minify` leaves it as generated): about 3 KB brotli of a client whose
//    size is a feature (README, Size). Before the precache list, so its hash
//    covers what is served.
// 2. In release builds, writes .br and .gz beside each compressible file at
//    maximum compression; the server sends those as they are.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error("post-build: TRUNK_STAGING_DIR is not set; run through `trunk build`");
  process.exit(1);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const indexPath = join(staging, "index.html");
let html = readFileSync(indexPath, "utf8");
let moved = 0;
let removesBoot = false;
html = html.replace(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi, (tag, attrs, body) => {
  if (/\ssrc\s*=/i.test(attrs)) return tag;
  // Trunk's bootstrap (`init` of the glue with the .wasm's address) is
  // replaced by this one, which also removes index.html's static first
  // paint ([data-boot]), and leaves out what nothing here uses (the
  // bindings on `window`, a TrunkApplicationStarted event). Once `init` has
  // resolved, the app's start has run and mounted it, so the static
  // elements go in that same task: nothing is painted in between, and the
  // static header and main are never beside the app's own.
  if (/TrunkApplicationStarted/.test(body)) {
    const glue = body.match(/^import init, \* as bindings from '(\/[\w.-]+\.js)';$/m);
    const wasm = body.match(/await init\(\{ module_or_path: '(\/[\w.-]+\.wasm)' \}\)/);
    if (!glue || !wasm) {
      console.error(`post-build: Trunk's bootstrap is not the one this script knows:\n${body}`);
      process.exit(1);
    }
    body = `import init from"${glue[1]}";
await init({module_or_path:"${wasm[1]}"});
for(const e of document.querySelectorAll("[data-boot]"))e.remove();`;
    removesBoot = true;
  }
  const name = `boot-${createHash("sha256").update(body).digest("hex").slice(0, 16)}.js`;
  writeFileSync(join(staging, name), body.trim() + "\n");
  moved++;
  // Keeps type="module" (the bootstrap uses top-level await) and any nonce.
  return `<script${attrs} src="/${name}"></script>`;
});
if (/\sdata-boot\b/.test(html) && !removesBoot) {
  console.error("post-build: index.html has a static first paint ([data-boot]) but no Trunk bootstrap to remove it");
  process.exit(1);
}
const leftovers = [
  [/<script\b(?![^>]*\ssrc\s*=)[^>]*>/i, "an inline <script>"],
  [/<[a-z][^>]*\son[a-z]+\s*=/i, "an inline event handler (on…=)"],
  [/<[a-z][^>]*\sstyle\s*=/i, "a style= attribute"],
];
for (const [pattern, what] of leftovers) {
  const found = html.match(pattern);
  if (found) {
    console.error(`post-build: index.html has ${what}, which the Content-Security-Policy blocks: ${found[0]}`);
    process.exit(1);
  }
}
let inlined = 0;
html = html.replace(/<link\b[^>]*>/gi, (tag) => {
  if (!/\srel=["']?stylesheet\b/i.test(tag) || /\smedia=/i.test(tag)) return tag;
  const href = tag.match(/\shref=["']?\/([\w.-]+\.css)/i);
  if (!href) {
    console.error(`post-build: a stylesheet this script cannot inline: ${tag}`);
    process.exit(1);
  }
  const path = join(staging, href[1]);
  const css = readFileSync(path, "utf8").trim();
  if (/<\/style/i.test(css)) {
    console.error(`post-build: ${href[1]} contains "</style", which would end the inlined block`);
    process.exit(1);
  }
  rmSync(path);
  inlined++;
  return `<style>${css}</style>`;
});
if (inlined !== 1) {
  console.error(`post-build: expected one screen stylesheet to inline into index.html, found ${inlined}`);
  process.exit(1);
}
writeFileSync(indexPath, html);
console.log(`post-build: moved ${moved} inline script(s) out of index.html, inlined its stylesheet`);

// Trunk gave index.html a subresource-integrity hash of each file as it
// was: the browser refuses one unless it is the new one's.
function reintegrate(before, after, path) {
  const sri = (data) => "sha384-" + createHash("sha384").update(data).digest("base64");
  const page = readFileSync(indexPath, "utf8");
  if (!page.includes(sri(before))) {
    console.error(`post-build: index.html has no integrity hash for ${path} to update`);
    process.exit(1);
  }
  writeFileSync(indexPath, page.split(sri(before)).join(sri(after)));
}

if (process.env.TRUNK_PROFILE === "release") {
  const { dropDeadExports } = await import("./dead-exports.mjs");
  const { shortenImports, withoutToolSections } = await import("./short-imports.mjs");
  const find = (pattern) => walk(staging).filter((p) => pattern.test(p));
  const [wasmPath, more] = find(/[\\/]advocase-[0-9a-f]+_bg\.wasm$/);
  const [gluePath, moreGlue] = find(/[\\/]advocase-[0-9a-f]+\.js$/);
  if (!wasmPath || !gluePath || more || moreGlue) {
    console.error("post-build: expected one advocase .wasm and one glue .js");
    process.exit(1);
  }
  const [wasm, glue] = [readFileSync(wasmPath), readFileSync(gluePath, "utf8")];
  let dead, short;
  try {
    dead = dropDeadExports(wasm, glue);
    short = shortenImports(dead.wasm, dead.glue);
    [short.wasm, short.sections] = withoutToolSections(short.wasm);
  } catch (e) {
    console.error(`post-build: the .wasm and its glue could not be trimmed: ${e.message}`);
    process.exit(1);
  }
  writeFileSync(wasmPath, short.wasm);
  writeFileSync(gluePath, short.glue);
  reintegrate(wasm, short.wasm, wasmPath);
  reintegrate(glue, short.glue, gluePath);
  console.log(
    `post-build: ${dead.exports} unreachable exports and ${dead.imports} imports taken out, ` +
      `${short.count} imports and ${short.exports} exports named short, ${short.sections} tools' sections ` +
      `dropped: ${wasm.length - short.wasm.length} bytes less .wasm`,
  );
}

if (process.env.TRUNK_PROFILE === "release") {
  const { minify } = await import("terser");
  for (const path of walk(staging).filter((p) => /[\\/]advocase-[0-9a-f]+\.js$/.test(p))) {
    const source = readFileSync(path, "utf8");
    // module: the glue is an ES module; its exports (init, initSync) keep
    // their names, everything inside may be renamed.
    const out = await minify(source, { module: true, ecma: 2020, compress: { passes: 2 }, mangle: true });
    if (!out.code) {
      console.error(`post-build: terser produced nothing for ${path}`);
      process.exit(1);
    }
    writeFileSync(path, out.code);
    reintegrate(source, out.code, path);
    console.log(`post-build: minified ${relative(staging, path)} ${source.length} → ${out.code.length} bytes`);
  }
}

const files = walk(staging)
  .map((p) => "/" + relative(staging, p).split(sep).join("/"))
  .filter((url) => url !== "/sw.js" && !/\.(br|gz)$/.test(url))
  .sort();

const hash = createHash("sha256");
for (const url of files) {
  hash.update(url);
  hash.update(readFileSync(join(staging, url)));
}
const build = hash.digest("hex").slice(0, 16);

const swPath = join(staging, "sw.js");
const sw = readFileSync(swPath, "utf8");
if (!sw.includes("__ADVOCASE_BUILD__") || !sw.includes('["__ADVOCASE_PRECACHE__"]')) {
  console.error("post-build: sw.js lacks its placeholders");
  process.exit(1);
}
writeFileSync(
  swPath,
  sw.replace("__ADVOCASE_BUILD__", build).replace('["__ADVOCASE_PRECACHE__"]', JSON.stringify(files))
);
console.log(`post-build: service worker precaches ${files.length} files, build ${build}`);

if (process.env.TRUNK_PROFILE === "release") {
  const compressible = /\.(html|js|mjs|css|wasm|json|webmanifest|svg|txt)$/;
  let count = 0;
  for (const url of [...files, "/sw.js"].filter((u) => compressible.test(u))) {
    const path = join(staging, url);
    const data = readFileSync(path);
    writeFileSync(path + ".br", brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }));
    writeFileSync(path + ".gz", gzipSync(data, { level: 9 }));
    count++;
  }
  console.log(`post-build: precompressed ${count} files (br, gz)`);
}
