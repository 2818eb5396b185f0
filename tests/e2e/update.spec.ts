import { spawn, ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, expectAppStarted, waitForServiceWorker } from "./fixtures";

// A deployment of its own: a copy of dist/ served by a second server, so the
// test can "deploy a new build" under the open app.
const PORT = Number(process.env.ADVOCASE_E2E_UPDATE_PORT || 18081);
const origin = `http://127.0.0.1:${PORT}`;
let dir: string;
let server: ChildProcess;
const KEPT_DATE = new Date("2026-01-01T00:00:00Z");

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "advocase-update-"));
  cpSync("dist", join(dir, "dist"), { recursive: true });
  utimesSync(join(dir, "dist", "sw.js"), KEPT_DATE, KEPT_DATE);
  server = spawn(
    "target/debug/advocase-server",
    ["serve", "--addr", `127.0.0.1:${PORT}`, "--static-dir", join(dir, "dist"), "--database", join(dir, "db", "advocase.db")],
    { stdio: "ignore" }
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${origin}/api/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("update-test server did not start");
});

test.afterAll(() => {
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** What a deployment changes: the service worker's build id. */
function deployNewBuild() {
  const sw = join(dir, "dist", "sw.js");
  writeFileSync(sw, readFileSync(sw, "utf8").replace(/const BUILD = "([0-9a-f]+)"/, 'const BUILD = "$1-next"'));
  // The precompressed copies would still be the old build.
  rmSync(`${sw}.br`, { force: true });
  rmSync(`${sw}.gz`, { force: true });
  // A deployment that keeps file dates (cp -p, rsync -t, a reproducible
  // image): the worker's conditional update check must still find it.
  utimesSync(sw, KEPT_DATE, KEPT_DATE);
}

test("a new deployment is offered, not forced, and applies on reload", async ({ page }) => {
  await page.goto(`${origin}/cases`);
  await expectAppStarted(page);
  await waitForServiceWorker(page);
  const oldBuild = await page.evaluate(() => caches.keys());
  await expect(page.getByRole("alert")).toHaveCount(0);

  deployNewBuild();
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

  const banner = page.getByRole("alert");
  await expect(banner).toContainText("A new version is ready — reload");
  // Nothing reloads by itself: the person may be mid-sentence.
  await page.waitForTimeout(500);
  await expect(banner).toBeVisible();

  await Promise.all([page.waitForEvent("load"), banner.getByRole("button", { name: "Reload now" }).click()]);
  await expectAppStarted(page);
  await expect(page.getByRole("alert")).toHaveCount(0);
  const newBuild = await page.evaluate(() => caches.keys());
  expect(newBuild).toHaveLength(1);
  expect(newBuild[0]).toMatch(/-next$/);
  expect(newBuild).not.toEqual(oldBuild);
});
