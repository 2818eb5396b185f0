// Gives the .wasm's imports short names, in the .wasm and in the
// wasm-bindgen glue that provides them, both as one.
//
// wasm-bindgen names each import after the function it binds and a hash of
// its signature (`__wbg_status_cb85b6c8d1769fa1`), and every name stands in
// both files: over two hundred of them, the hashes 16 hex digits that
// compression cannot shrink. Here each becomes a name of one or two
// letters and digits, and the import module ("./advocase_bg.js") one letter;
// so do the exports the glue calls (`wasm.<name>`, the closures' invokers
// hashed too), with a leading underscore. Nothing else in either file
// changes (README, Size).
//
// Used by post-build.mjs on release builds; fails rather than guess when
// the files are not as wasm-bindgen writes them.

/** Reads an unsigned LEB128 number at `at`: [value, next offset]. */
export function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

export function encodeLeb(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

function encodeName(text) {
  const bytes = Buffer.from(text, "utf8");
  return [...encodeLeb(bytes.length), ...bytes];
}

// Short names: a…z, A…Z, then two characters; never a word JavaScript
// reserves (they are object keys, but plain ones read better).
const FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const REST = FIRST + "0123456789";
const RESERVED = new Set(["do", "if", "in"]);
function* shortNames() {
  for (const c of FIRST) yield c;
  for (const c of FIRST) for (const d of REST) if (!RESERVED.has(c + d)) yield c + d;
}

/** Where section `id` of `wasm` is: { start, body, end }, or null. */
export function sectionOf(wasm, id) {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error("not a .wasm");
  let at = 8;
  while (at < wasm.length) {
    const [size, body] = leb(wasm, at + 1);
    if (wasm[at] === id) return { start: at, body, end: body + size };
    at = body + size;
  }
  return null;
}

/** The imports of `wasm`: [{ module, field, desc }], desc as bytes. */
export function wasmImports(wasm) {
  const section = sectionOf(wasm, 2);
  if (!section) throw new Error("the .wasm has no import section");
  let [count, p] = leb(wasm, section.body);
  const imports = [];
  for (let i = 0; i < count; i++) {
    const [mlen, m] = leb(wasm, p);
    const module = wasm.toString("utf8", m, m + mlen);
    const [flen, f] = leb(wasm, m + mlen);
    const field = wasm.toString("utf8", f, f + flen);
    let d = f + flen;
    const kind = wasm[d++];
    if (kind === 0x00 || kind === 0x04) {
      if (kind === 0x04) d++;
      [, d] = leb(wasm, d);
    } else if (kind === 0x01 || kind === 0x02) {
      if (kind === 0x01) d++;
      const flags = wasm[d++];
      [, d] = leb(wasm, d);
      if (flags & 1) [, d] = leb(wasm, d);
    } else if (kind === 0x03) {
      d += 2;
    } else {
      throw new Error(`unknown import kind ${kind}`);
    }
    imports.push({ module, field, desc: wasm.subarray(f + flen, d) });
    p = d;
  }
  if (p !== section.end) throw new Error("the import section did not read to its end");
  return imports;
}

/**
 * `wasm` (Buffer) and `glue` (the glue's text) with short import names:
 * { wasm, glue, count }.
 */
export function shortenImports(wasm, glue) {
  const section = sectionOf(wasm, 2);
  const imports = wasmImports(wasm);
  const modules = new Set(imports.map((i) => i.module));
  if (modules.size !== 1) throw new Error(`imports from ${[...modules].join(", ")}: one module expected`);
  const [module] = modules;
  const moduleKey = JSON.stringify(module);
  if (glue.split(moduleKey).length !== 2) throw new Error(`the glue names ${moduleKey} other than once`);

  const names = new Map();
  const fresh = shortNames();
  for (const { field } of imports) {
    if (names.has(field)) continue;
    if (!/^[A-Za-z_$][\w$]*$/.test(field)) throw new Error(`import ${field} is not an identifier`);
    // Each is defined once in the glue, as a key of the imports object.
    const defined = glue.split(new RegExp(`(?<![\\w$.])${field.replace(/\$/g, "\\$")}:`)).length - 1;
    if (defined !== 1) throw new Error(`import ${field} is defined ${defined} times in the glue`);
    names.set(field, fresh.next().value);
  }

  const out = [...encodeLeb(imports.length)];
  for (const { field, desc } of imports) {
    out.push(...encodeName("a"), ...encodeName(names.get(field)), ...desc);
  }
  const newSection = Buffer.from([2, ...encodeLeb(out.length), ...out]);
  const newWasm = Buffer.concat([wasm.subarray(0, section.start), newSection, wasm.subarray(section.end)]);

  let newGlue = glue
    .replace(moduleKey, '"a"')
    .replace(/(?<![\w$.])[A-Za-z_$][\w$]*(?=:)/g, (key) => names.get(key) ?? key);
  const exported = shortenExports(newWasm, newGlue);
  return { wasm: exported.wasm, glue: exported.glue, count: names.size, exports: exported.count };
}

/**
 * The exports the glue calls (`wasm.<name>`, all but `memory`) named short
 * too: the closures' invokers carry a hash each as well. Exports the glue
 * does not name keep theirs.
 */
function shortenExports(wasm, glue) {
  const section = sectionOf(wasm, 7);
  if (!section) throw new Error("the .wasm has no export section");
  const called = new Set([...glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  called.delete("memory");
  let [count, p] = leb(wasm, section.body);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const [len, at] = leb(wasm, p);
    const name = wasm.toString("utf8", at, at + len);
    let end = at + len + 1;
    [, end] = leb(wasm, end);
    entries.push({ name, rest: wasm.subarray(at + len, end) });
    p = end;
  }
  if (p !== section.end) throw new Error("the export section did not read to its end");
  const exported = new Set(entries.map((e) => e.name));
  for (const name of called) {
    if (!exported.has(name)) throw new Error(`the glue calls wasm.${name}, which the .wasm does not export`);
  }
  const names = new Map();
  const fresh = shortNames();
  for (const { name } of entries) if (called.has(name)) names.set(name, "_" + fresh.next().value);
  for (const short of names.values()) {
    if (exported.has(short)) throw new Error(`an export is already named ${short}`);
  }
  const out = [...encodeLeb(entries.length)];
  for (const { name, rest } of entries) out.push(...encodeName(names.get(name) ?? name), ...rest);
  const newSection = Buffer.from([7, ...encodeLeb(out.length), ...out]);
  return {
    wasm: Buffer.concat([wasm.subarray(0, section.start), newSection, wasm.subarray(section.end)]),
    glue: glue.replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (all, name) => (names.has(name) ? `wasm.${names.get(name)}` : all)),
    count: names.size,
  };
}

/**
 * `wasm` without the custom sections only tools read: `producers` (which
 * compilers made it) and `target_features` (what wasm-bindgen and wasm-opt
 * needed to know, both done by now). Browsers ignore both; about 0.45 KB
 * of brotli, the end of the file compressing poorly.
 */
export function withoutToolSections(wasm) {
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  let dropped = 0;
  while (at < wasm.length) {
    const [size, body] = leb(wasm, at + 1);
    let tool = false;
    if (wasm[at] === 0) {
      const [len, name] = leb(wasm, body);
      tool = ["producers", "target_features"].includes(wasm.toString("utf8", name, name + len));
    }
    if (tool) dropped++;
    else parts.push(wasm.subarray(at, body + size));
    at = body + size;
  }
  return [Buffer.concat(parts), dropped];
}
