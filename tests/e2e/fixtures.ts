import { test as base, expect, Browser, BrowserContext, Page } from "@playwright/test";

/** Collects uncaught page errors and console errors; a test with any fails. */
export function watchErrors(page: Page, errors: string[]) {
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
}

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      watchErrors(page, errors);
      await use(errors);
      expect(errors, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the service worker controls the page (the shell is cached). */
export async function waitForServiceWorker(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) =>
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(), { once: true })
      );
    }
  });
}

/** The app has started: the WebAssembly mounted the shell. */
export async function expectAppStarted(page: Page) {
  await expect(page.getByRole("banner")).toBeVisible();
  await expect(
    page.getByRole("navigation", { name: "Main" }).or(page.getByRole("form", { name: /Sign in/ })).first()
  ).toBeVisible();
}

// Accounts. The test server's admin is created by playwright.config.ts
// before it starts; these passwords exist only in throwaway test databases.
export const ADMIN = { username: "admin", password: "admin-password-for-tests" };
export const PASSWORD = "coordinator-password-for-tests";

async function api(base: string, path: string, init: RequestInit & { token?: string } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  return fetch(`${base}${path}`, { ...init, headers });
}

export async function tokenFor(base: string, username: string, password: string): Promise<string> {
  const res = await api(base, "/api/login", { method: "POST", body: JSON.stringify({ username, password, device: null }) });
  expect(res.status, `login of ${username}`).toBe(200);
  return (await res.json()).token;
}

let counter = 0;
/** A fresh account (unique name) on the server at `base`. */
export async function newUser(
  base: string,
  opts: { role?: "coordinator" | "manager" | "admin"; units?: string[]; prefix?: string } = {}
): Promise<string> {
  const admin = await tokenFor(base, ADMIN.username, ADMIN.password);
  const username = `${opts.prefix ?? "c"}${Date.now().toString(36)}${(counter++).toString(36)}`;
  const res = await api(base, "/api/users", {
    method: "POST",
    token: admin,
    body: JSON.stringify({
      username,
      display_name: `Test ${username}`,
      role: opts.role ?? "coordinator",
      units: opts.units ?? [],
      password: PASSWORD,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return username;
}

/** Opens the app and signs in (needs the network), as `username` or a new coordinator. */
export async function signIn(page: Page, username?: string): Promise<string> {
  const base = new URL(page.url() === "about:blank" ? (test.info().project.use.baseURL as string) : page.url()).origin;
  const who = username ?? (await newUser(base));
  if (page.url() === "about:blank") await page.goto(`${base}/`);
  const form = page.getByRole("form", { name: /Sign in/ });
  await form.getByRole("textbox", { name: "Username" }).fill(who);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  return who;
}

/** A server of a test's own (it can be stopped and started again on the same database). */
export class OwnServer {
  private proc: import("node:child_process").ChildProcess | null = null;
  constructor(readonly port: number, readonly dir: string) {}

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const { spawn, execFileSync } = await import("node:child_process");
    const db = `${this.dir}/advocase.db`;
    try {
      execFileSync("target/debug/advocase-server", ["create-admin", "--username", ADMIN.username, "--database", db], {
        env: { ...process.env, ADVOCASE_LOG: "warn", ADVOCASE_ADMIN_PASSWORD: ADMIN.password },
        stdio: "pipe",
      });
    } catch {
      // Already there from an earlier start: that is the point of a restart.
    }
    this.proc = spawn(
      "target/debug/advocase-server",
      ["serve", "--addr", `127.0.0.1:${this.port}`, "--static-dir", "dist", "--database", db],
      { stdio: ["ignore", "ignore", (await import("node:fs")).openSync(`${this.dir}/server.log`, "a")], env: { ...process.env, ADVOCASE_LOG: process.env.ADVOCASE_E2E_SERVER_LOG || "warn" } }
    );
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`${this.origin}/api/health`)).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("test server did not start");
  }

  async stop() {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await exited;
  }
}

/** A tablet-sized browser context of its own (its own storage), watched for errors. */
export async function tablet(browser: Browser, errors: string[], baseURL: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, baseURL });
  const page = await context.newPage();
  watchErrors(page, errors);
  return [context, page];
}

/** Waits until the sync strip says the last sync succeeded. */
export async function synced(page: Page) {
  await expect(page.getByRole("status", { name: "Sync" })).toHaveText(/^Synced /, { timeout: 20_000 });
}

/**
 * Takes the tablet off the network once the sync that signing in started
 * has finished: a request cut in flight is logged by Chromium as a console
 * error (the app copes, but the test would fail on the log).
 */
export async function goOffline(page: Page, context: BrowserContext) {
  await synced(page);
  await context.setOffline(true);
  await expect(page.getByRole("status", { name: "Connection" })).toHaveText("Offline");
}

/** Opens a case through the New case form and waits for its page. */
export async function openCase(
  page: Page,
  c: { patient: string; unit: string; kind: string; about: string; language?: string }
) {
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill(c.patient);
  await page.getByRole("textbox", { name: "Unit" }).fill(c.unit);
  if (c.language) {
    await page.getByText("More details").click();
    await page.getByRole("textbox", { name: "Preferred language" }).fill(c.language);
  }
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: c.kind });
  await page.getByRole("textbox", { name: "What is it about?" }).fill(c.about);
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: c.patient })).toBeVisible();
}

/** Every visible control at least 44 px high, and no sideways scrolling. */
export async function expectTouchFriendly(page: Page, what: string) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll("main button, main summary, main select, main textarea, main a.button, main input:not([type=checkbox])")]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.height < 44;
      })
      .map((e) => `${(e.getAttribute("aria-label") || e.textContent || e.tagName).trim().slice(0, 40)} (${Math.round(e.getBoundingClientRect().height)} px)`)
  );
  expect(small, `${what}: controls under 44 px`).toEqual([]);
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(sideways, `${what}: scrolls sideways`).toBe(false);
}

/**
 * The page printed as A4 and as Letter: each page that size, the sheet on a
 * few pages, every `present` text in it and no `absent` one.
 */
export async function expectPdfs(page: Page, present: string[], absent: string[], maxPages = 4) {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  for (const [format, width, height] of [["A4", 595.3, 841.9], ["Letter", 612, 792]] as const) {
    const pdf = await page.pdf({ format, printBackground: true });
    const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
    let all = "";
    for (let n = 1; n <= doc.numPages; n++) {
      const pg = await doc.getPage(n);
      const [, , w, h] = pg.view;
      // Points; Chromium rounds the page to whole CSS pixels.
      expect(Math.abs(w - width), `${format} width ${w}`).toBeLessThan(2);
      expect(Math.abs(h - height), `${format} height ${h}`).toBeLessThan(2);
      const content = await pg.getTextContent();
      all += content.items.map((i: any) => i.str ?? "").join(" ") + "\n";
    }
    const flat = all.replace(/\s+/g, " ");
    expect(doc.numPages, `${format}: fits a few pages`).toBeLessThanOrEqual(maxPages);
    for (const p of present) expect(flat, `${format} has “${p}”`).toContain(p);
    for (const a of absent) expect(flat, `${format} leaves out “${a}”`).not.toContain(a);
    await doc.destroy();
  }
}

