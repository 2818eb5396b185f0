// Takes out of the .wasm and the glue the classes a dependency exports
// that nothing in the app can reach: wasm-streams (pulled in by Leptos'
// server functions, which this app does not use) exports
// IntoUnderlyingSource, IntoUnderlyingByteSource and IntoUnderlyingSink
// for turning Rust streams into JavaScript ones. wasm-bindgen keeps every
// export, so their methods, the code behind them and the glue's classes
// were in every download; the app never makes one (the glue has no way to:
// no `__wrap` of them), so nothing can call them.
//
// The exports go from the .wasm, wasm-opt then removes what only they
// reached (functions, and imports only those used), the classes go from
// the glue, and so do the glue's imports the .wasm no longer has.
// Used by post-build.mjs on release builds, before short-imports.mjs;
// fails rather than guess when the files are not as expected.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { encodeLeb, leb, sectionOf, wasmImports } from "./short-imports.mjs";

const DEAD = /^(__wbg_)?intounderlying(bytesource|sink|source)_/;
const CLASSES = ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"];
const WASM_OPT = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));

/** `wasm` without the exports whose names match `DEAD`: [wasm, how many]. */
function withoutExports(wasm) {
  const section = sectionOf(wasm, 7);
  if (!section) throw new Error("the .wasm has no export section");
  let [count, p] = leb(wasm, section.body);
  const kept = [];
  let dropped = 0;
  for (let i = 0; i < count; i++) {
    const [len, name] = leb(wasm, p);
    let end = name + len + 1;
    [, end] = leb(wasm, end);
    if (DEAD.test(wasm.toString("utf8", name, name + len))) dropped++;
    else kept.push(wasm.subarray(p, end));
    p = end;
  }
  const body = Buffer.concat([Buffer.from(encodeLeb(kept.length)), ...kept]);
  const out = Buffer.concat([
    wasm.subarray(0, section.start),
    Buffer.from([7, ...encodeLeb(body.length)]),
    body,
    wasm.subarray(section.end),
  ]);
  return [out, dropped];
}

/**
 * The glue's imports object less the keys the .wasm does not import. Each
 * key is a function written by wasm-bindgen at eight spaces, ending on the
 * first line at that depth that closes it (`},` or `}, arguments); },`).
 */
function withoutUnusedImports(glue, imported) {
  const lines = glue.split("\n");
  const out = [];
  let removed = 0;
  for (let i = 0; i < lines.length; i++) {
    const key = lines[i].match(/^ {8}([A-Za-z_$][\w$]*): function/);
    if (key && !imported.has(key[1]) && key[1] !== "__proto__") {
      let j = i;
      while (!/^ {8}\}.*,$/.test(lines[j]) && !(j === i && /\},$/.test(lines[j]))) {
        j++;
        if (j >= lines.length) throw new Error(`the glue's ${key[1]} does not end`);
      }
      i = j;
      removed++;
      continue;
    }
    out.push(lines[i]);
  }
  return [out.join("\n"), removed];
}

/** { wasm, glue, exports, imports }: what was taken out of each. */
export function dropDeadExports(wasm, glue) {
  const [stripped, exports] = withoutExports(wasm);
  if (exports === 0) throw new Error("no IntoUnderlying* exports: nothing to take out (remove this step?)");
  const dir = mkdtempSync(join(tmpdir(), "advocase-dead-"));
  let small;
  try {
    writeFileSync(join(dir, "in.wasm"), stripped);
    execFileSync(WASM_OPT, [join(dir, "in.wasm"), "--remove-unused-module-elements", "-o", join(dir, "out.wasm")], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    small = readFileSync(join(dir, "out.wasm"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let out = glue;
  for (const name of CLASSES) {
    const before = out;
    out = out
      .replace(
        new RegExp(
          `^export class ${name} \\{\\n[\\s\\S]*?\\n\\}\\nif \\(Symbol\\.dispose\\) ${name}\\.prototype\\[Symbol\\.dispose\\] = ${name}\\.prototype\\.free;\\n`,
          "m",
        ),
        "",
      )
      .replace(new RegExp(`^const ${name}Finalization = [\\s\\S]*?;\\n`, "m"), "");
    if (out.length === before.length) throw new Error(`the glue's class ${name} is not as expected`);
  }
  if (/intounderlying/i.test(out)) throw new Error("the glue still names IntoUnderlying* after their classes went");
  const imported = new Set(wasmImports(small).map((i) => i.field));
  const [pruned, imports] = withoutUnusedImports(out, imported);
  return { wasm: small, glue: pruned, exports, imports };
}
