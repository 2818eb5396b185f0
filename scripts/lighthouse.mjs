// Lighthouse's mobile performance audit of the app, figures only (nothing
// passes or fails on the score). Builds nothing: run it after
// `trunk build --release` and `cargo build -p advocase-server`.
//
//   node scripts/lighthouse.mjs [runs=3] [first|locked|both|real=both] [server=target/debug/advocase-server]
//
// LIGHTHOUSE_KEEP=DIR keeps each run's whole report there (first-1.json,
// locked-1.json, …), for its LCP breakdown and trace-based audits.
//
// Starts the server on a free port with a throwaway database (one
// administrator), serving ./dist, and audits two starts, each `runs` times,
// printing every run and the medians:
//  - first visit: signed out, nothing cached (the sign-in screen), as
//    Lighthouse does by default: a mid-range phone, simulated slow 4G
//    (150 ms RTT, 1.6 Mbit/s) and a 4× slower CPU. FCP is index.html's
//    static first paint; TTI (not scored) is when the app itself is up.
//    The simulated LCP counts every request that ended before the largest
//    paint in Lighthouse's unthrottled load, where the preloaded .wasm
//    always beats the first paint: it is the .wasm's arrival, whatever is
//    painted first (README, Benchmarks);
//  - locked start: the same device after signing in and choosing a PIN,
//    its service worker installed (the lock screen, what a coordinator
//    sees every morning). Playwright makes that state in a Chromium profile
//    of its own; Lighthouse then starts Chromium on that profile and leaves
//    its storage alone.
//  - real (asked for by name only): the first visit again, not simulated
//    but under Chromium's own emulation of the same phone, network and CPU
//    (the page really loads at 1.6 Mbit/s with 150 ms of latency and a 4×
//    slower CPU): the first paint, the largest paint and its element, and
//    the sign-in form's first frame, as a person would see them. What a
//    change to the start costs or saves people, where the simulation can
//    only guess.
// Lighthouse comes from npm through npx at the exact version below (not a
// dependency of the project, and used by no test).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { chromium } from "@playwright/test";

const LIGHTHOUSE = "lighthouse@12.8.2";
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const runs = Number(process.argv[2] || 3);
const which = process.argv[3] || "both";
const binary = process.argv[4] || "target/debug/advocase-server";
const ADMIN = { username: "admin", password: "lighthouse-admin-password" };
const PIN = "480516";

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
});

const dir = mkdtempSync(join(resolve("target"), "lighthouse-"));
const db = join(dir, "advocase.db");
const env = { ...process.env, ADVOCASE_LOG: "warn", ADVOCASE_ADMIN_PASSWORD: ADMIN.password };
const made = spawnSync(binary, ["create-admin", "--username", ADMIN.username, "--database", db], { env, stdio: "inherit" });
if (made.status !== 0) process.exit(1);
const port = await freePort();
const base = `http://127.0.0.1:${port}/`;
const server = spawn(binary, ["serve", "--addr", `127.0.0.1:${port}`, "--database", db, "--static-dir", "dist"], { env, stdio: "ignore" });

const keep = process.env.LIGHTHOUSE_KEEP;
if (keep) mkdirSync(keep, { recursive: true });
const kept = { first: 0, locked: 0 };

/** One Lighthouse run of start `name`; `extra` are its flags beyond the defaults. */
function lighthouse(name, extra) {
  const out = spawnSync("npx", ["-y", LIGHTHOUSE, base, "--only-categories=performance", "--output=json",
    "--output-path=stdout", "--quiet", ...(extra.some((f) => f.startsWith("--chrome-flags")) ? [] : [`--chrome-flags=${FLAGS.join(" ")}`]), ...extra],
  { env: { ...process.env, CHROME_PATH: CHROMIUM }, encoding: "utf8", maxBuffer: 256 << 20 });
  if (out.status !== 0) throw new Error(`lighthouse failed: ${out.stderr}`);
  const lhr = JSON.parse(out.stdout);
  if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.message}`);
  if (keep) writeFileSync(join(keep, `${name}-${++kept[name]}.json`), out.stdout);
  const a = (id) => lhr.audits[id].numericValue;
  return {
    score: Math.round(lhr.categories.performance.score * 100),
    fcp: a("first-contentful-paint"), lcp: a("largest-contentful-paint"), tbt: a("total-blocking-time"),
    cls: a("cumulative-layout-shift"), si: a("speed-index"), tti: a("interactive"), bytes: a("total-byte-weight"),
    lcpElement: lhr.audits["largest-contentful-paint-element"]?.details?.items?.[0]?.items?.[0]?.node?.snippet ?? "",
  };
}

const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const row = (r) => `score ${String(r.score).padStart(3)}  FCP ${(r.fcp / 1000).toFixed(2)} s  LCP ${(r.lcp / 1000).toFixed(2)} s  ` +
  `TBT ${r.tbt.toFixed(0)} ms  CLS ${r.cls.toFixed(3)}  SI ${(r.si / 1000).toFixed(2)} s  TTI ${(r.tti / 1000).toFixed(2)} s  ${(r.bytes / 1024).toFixed(1)} KB`;
function report(name, results) {
  console.log(name);
  // The LCP element as Lighthouse names it ("" when it was removed since).
  results.forEach((r, i) => console.log(`  run ${i + 1}: ${row(r)}  LCP element: ${r.lcpElement || "(gone)"}`));
  const m = Object.fromEntries(["score", "fcp", "lcp", "tbt", "cls", "si", "tti", "bytes"].map((k) => [k, median(results.map((r) => r[k]))]));
  console.log(`  median: ${row(m)}`);
}

/** One first visit under real emulation of Lighthouse's mobile settings. */
async function realVisit(chromiumBrowser) {
  const context = await chromiumBrowser.newContext({
    viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen = (window.__start = { lcp: [], form: 0 });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) seen.lcp.push({ t: e.startTime, text: (e.element?.textContent ?? "(removed)").trim().slice(0, 40) });
    }).observe({ type: "largest-contentful-paint", buffered: true });
    // The form's first frame: the next animation frame after it is in the page.
    new MutationObserver((_, o) => {
      if (document.querySelector('form[aria-label="Sign in to Advocase"]')) {
        o.disconnect();
        requestAnimationFrame(() => (seen.form = performance.now()));
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 150, downloadThroughput: (1.6e6 * 0.9) / 8, uploadThroughput: (750e3 * 0.9) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.goto(base);
  await page.getByRole("form", { name: "Sign in to Advocase" }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => window.__start.form > 0);
  const r = await page.evaluate(() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    lcp: window.__start.lcp.at(-1) ?? { t: NaN, text: "" },
    form: window.__start.form,
  }));
  await context.close();
  return r;
}

let browser;
try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}api/health`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  if (which === "real") {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS.slice(1) });
    const results = [];
    console.log("first visit under Chromium's own emulation (412×823 at 1.75×, 150 ms, 1.6 Mbit/s, CPU 4×)");
    for (let i = 0; i < runs; i++) {
      const r = await realVisit(browser);
      results.push(r);
      console.log(`  run ${i + 1}: FCP ${(r.fcp / 1000).toFixed(2)} s  LCP ${(r.lcp.t / 1000).toFixed(2)} s ("${r.lcp.text}")  sign-in form ${(r.form / 1000).toFixed(2)} s`);
    }
    const m = (f) => (median(results.map(f)) / 1000).toFixed(2);
    console.log(`  median: FCP ${m((r) => r.fcp)} s  LCP ${m((r) => r.lcp.t)} s  sign-in form ${m((r) => r.form)} s`);
  }
  if (which === "first" || which === "both") {
    report(`first visit, signed out (${LIGHTHOUSE}, mobile, simulated slow 4G)`,
      Array.from({ length: runs }, () => lighthouse("first", [])));
  }
  if (which === "locked" || which === "both") {
    // A device signed in with its PIN chosen, in a profile of its own.
    const profile = join(dir, "profile");
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS.slice(1) });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(base);
    const signIn = page.getByRole("form", { name: "Sign in to Advocase" });
    await signIn.getByLabel("Username").fill(ADMIN.username);
    await signIn.getByLabel("Password").fill(ADMIN.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    const choose = page.getByRole("form", { name: "Choose a PIN" });
    await choose.getByLabel("PIN (at least 6 digits)").fill(PIN);
    await choose.getByLabel("Repeat the PIN").fill(PIN);
    await choose.getByRole("button", { name: "Set PIN" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.reload();
    await page.getByRole("form", { name: "Unlock" }).waitFor();
    // Closing writes the profile (localStorage is flushed late otherwise).
    await browser.close();
    browser = undefined;
    // Chromium takes the last --user-data-dir: this one, not Lighthouse's own.
    report("locked start, signed in, service worker installed (the lock screen)",
      Array.from({ length: runs }, () => lighthouse("locked", ["--disable-storage-reset", `--chrome-flags=${[...FLAGS, `--user-data-dir=${profile}`].join(" ")}`])));
  }
} finally {
  await browser?.close();
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
