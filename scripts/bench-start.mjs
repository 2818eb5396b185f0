// App start to an interactive case list (/cases), with a full device: loads
// the sample store (from the core crate's `sample_store` example) into the
// app's localStorage, chooses the PIN at the first start (which seals it
// all), then reloads and times each start with the PIN typed the moment the
// lock screen shows. Prints medians (the machine is noisy), online through
// the server and offline from the service worker's cache.
//
// Times are read in the page (performance.now(), from navigation start) by
// an init script: the lock screen's form appearing, the Unlock submit, the
// list's count saying every case. "Every case read" is a search for a word
// from the notes answered over all of them (a start lists the stored rows
// first, then reads the logs: docs/ARCHITECTURE.md, "The list at start").
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";

const entries = readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const RUNS = Number(process.argv[3] || 7);
const cases = entries.filter((e) => e.key.startsWith("advocase.case.")).length;
const port = 18095;
const dir = mkdtempSync(join(tmpdir(), "advocase-bench-"));
// ADVOCASE_STATIC_DIR may point at another build (a "before" figure).
const server = spawn("target/debug/advocase-server", ["serve", "--addr", `127.0.0.1:${port}`, "--database", join(dir, "b.db")], {
  stdio: "ignore",
  env: { ...process.env, ADVOCASE_LOG: "warn" },
});
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(0)} ms`;
const range = (xs) => `median ${ms(median(xs))} (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 } });
  await context.addInitScript((all) => {
    const t = (window.__bench = { longest: 0 });
    document.addEventListener("submit", () => { t.unlock ??= performance.now(); }, true);
    const watch = () => {
      if (t.lock === undefined && document.querySelector('form[aria-label="Unlock"]')) t.lock = performance.now();
      if (t.list === undefined && document.querySelector(".result-count")?.textContent === all) t.list = performance.now();
    };
    new MutationObserver(watch).observe(document, { subtree: true, childList: true, characterData: true });
    // The longest task after the list showed: how long a tap may wait
    // while the logs are read behind it.
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (t.list !== undefined && e.startTime >= t.list) t.longest = Math.max(t.longest, e.duration);
    }).observe({ type: "longtask" });
  }, `${cases} cases`);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${port}/cases`);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  for (let i = 0; i < entries.length; i += 200) {
    await page.evaluate((batch) => { for (const e of batch) localStorage.setItem(e.key, e.value); }, entries.slice(i, i + 200));
  }
  // The sample is a store from before encryption, with its session: the
  // first start asks for a PIN and seals it all (docs/SECURITY.md).
  const PIN = "480516";
  await page.reload();
  const choose = page.getByRole("form", { name: "Choose a PIN" });
  await choose.getByLabel("PIN (at least 6 digits)").fill(PIN);
  await choose.getByLabel("Repeat the PIN").fill(PIN);
  await choose.getByRole("button", { name: "Set PIN" }).click();
  await page.getByText(`${cases} cases`, { exact: true }).waitFor({ timeout: 120_000 });
  // The list's rows are written once every log is read (a build from
  // before them never writes any: then every start reads every log first).
  const rowsStored = await page.waitForFunction(() => localStorage.getItem("advocase.list") !== null, null, { timeout: 15_000 })
    .then(() => true, () => false);
  if (!rowsStored) console.log("  (this build stores no list rows)");
  const used = await page.evaluate(() => { let n = 0; let list = 0; for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); const v = (k.length + localStorage.getItem(k).length) * 2; n += v; if (k === "advocase.list") list = v; } return [n, list]; });

  // One start: reload, the PIN typed as the lock screen shows, the list;
  // then (if `search`) a word from the notes searched over every case.
  const WORD = "pharmacy";
  async function start({ search = true } = {}) {
    await page.reload({ waitUntil: "commit" });
    const unlock = page.getByRole("form", { name: "Unlock" });
    await unlock.getByLabel("PIN", { exact: true }).fill(PIN, { timeout: 60_000 });
    await unlock.getByRole("button", { name: "Unlock" }).click();
    await page.waitForFunction(() => window.__bench.list !== undefined, null, { timeout: 60_000, polling: 10 });
    let all;
    if (search) {
      await page.getByLabel("Search cases").fill(WORD);
      await page.waitForFunction((w) => {
        const s = document.querySelector(".result-count")?.textContent ?? "";
        return document.querySelector('input[type="search"]')?.value === w && /match/.test(s) && !/still searching/.test(s);
      }, WORD, { timeout: 60_000, polling: 10 });
      all = await page.evaluate(() => performance.now());
    }
    // Let the reading finish before the next reload (and the longest task be seen).
    await page.waitForTimeout(300);
    const t = await page.evaluate(() => window.__bench);
    return { ...t, all };
  }

  const report = (label, runs) => {
    console.log(`  ${label}:`);
    console.log(`    (a) navigation start to the interactive list, PIN typed at once: ${range(runs.map((r) => r.list))}`);
    console.log(`        of which to the lock screen: ${range(runs.map((r) => r.lock))}`);
    console.log(`    (b) unlock (PIN submitted) to the interactive list: ${range(runs.map((r) => r.list - r.unlock))}`);
    if (runs[0].all !== undefined) {
      console.log(`    unlock to a search over every case's notes answered (every log read): ${range(runs.map((r) => r.all - r.unlock))}`);
      console.log(`    longest task after the list showed: ${range(runs.map((r) => r.longest))}`);
    }
  };

  console.log(`${cases} sealed cases, ${(used[0] / 1048576).toFixed(2)} MiB stored (the list's rows ${(used[1] / 1024).toFixed(0)} KiB of it)`);
  await start(); // warm-up (compiled wasm cached by the browser)
  const online = [];
  for (let run = 0; run < RUNS; run++) online.push(await start());
  report("online, through the server", online);

  // Offline: the server unreachable, the app from the service worker's cache.
  await context.setOffline(true);
  const offline = [];
  for (let run = 0; run < RUNS; run++) offline.push(await start());
  report("offline, from the service worker", offline);

  // The first start of a build that stores the rows (or after they were
  // lost): every log is read before the list shows, as before.
  const unlisted = [];
  for (let run = 0; run < 3; run++) {
    await page.evaluate(() => localStorage.removeItem("advocase.list"));
    unlisted.push(await start({ search: false }));
  }
  report("offline, without stored rows (every log read first)", unlisted);
  await context.setOffline(false);

  if (errors.length) { console.error("page errors:", errors); process.exitCode = 1; }
  await browser.close();
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
