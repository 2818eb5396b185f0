import { createServer, AddressInfo } from "node:net";
import { test as base, expect, Browser, BrowserContext, Page } from "@playwright/test";

/** Marks the console lines of the CSP listener below, so they are told from the page's own. */
const CSP_MARK = "[advocase-e2e csp violation] ";

/**
 * Runs in every document and frame before the page's own scripts: each
 * Content-Security-Policy violation (a refused inline script, style
 * attribute, foreign URL…) goes to the console as JSON, where the watcher
 * turns it into a failure. The console rather than a binding: it needs no
 * per-page name, so a page may be watched twice. (Chromium also logs its own
 * "Refused to…" line, but as free text that may change between versions.)
 */
function reportCspViolations(mark: string) {
  document.addEventListener(
    "securitypolicyviolation",
    (e) =>
      console.error(
        mark +
          JSON.stringify({
            directive: e.effectiveDirective,
            blocked: e.blockedURI,
            path: new URL(e.documentURI).pathname,
            disposition: e.disposition,
          })
      ),
    true
  );
}

/** How a recorded violation reads in a test's errors. */
export function cspViolation(directive: string, blocked: string, path: string): string {
  return `CSP violation: ${directive} refused ${blocked || "(none)"} on ${path}`;
}

/**
 * Collects uncaught page errors, console errors and Content-Security-Policy
 * violations, and every page the browser shows without a
 * Content-Security-Policy header (no policy would mean no violations); a
 * test with any fails. Await it before the page's first navigation: the CSP
 * listener is installed in documents loaded after that.
 */
export function watchErrors(page: Page, errors: string[]): Promise<void> {
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    if (text.startsWith(CSP_MARK)) {
      const v = JSON.parse(text.slice(CSP_MARK.length));
      errors.push(cspViolation(v.directive, v.blocked, v.path) + (v.disposition === "enforce" ? "" : ` (${v.disposition})`));
    } else {
      errors.push(`console.error: ${text}`);
    }
  });
  page.on("response", async (r) => {
    // Documents of the page itself; a redirect is not shown, so needs none.
    if (!r.request().isNavigationRequest() || r.status() < 200 || r.status() >= 300) return;
    try {
      if (!(await r.allHeaders())["content-security-policy"]) {
        errors.push(`no Content-Security-Policy header on ${r.url()}`);
      }
    } catch {
      // The page closed before its headers were read: nothing was shown.
    }
  });
  return page.addInitScript(reportCspViolations, CSP_MARK);
}

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      await watchErrors(page, errors);
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
    page
      .getByRole("navigation", { name: "Main" })
      .or(page.getByRole("form", { name: /Sign in|Unlock/ }))
      .first()
  ).toBeVisible();
}

// Accounts. The test server's admin is created by playwright.config.ts
// before it starts; these passwords exist only in throwaway test databases.
export const ADMIN = { username: "admin", password: "admin-password-for-tests" };
export const PASSWORD = "coordinator-password-for-tests";

async function api(base: string, path: string, init: RequestInit & { token?: string } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  return serverFetch(`${base}${path}`, { ...init, headers });
}

/** The HTTPS origins of running OwnServers, each with the CA that signed its certificate. */
const tlsOrigins = new Map<string, string>();

/**
 * `fetch` from the test process to a test server. To an HTTPS OwnServer it
 * goes by node:https to 127.0.0.1, with the server's host name for SNI and
 * the certificate check, trusting only that server's own CA (Node's fetch
 * takes neither a CA nor a resolver). Redirects are not followed.
 */
export async function serverFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const u = new URL(url);
  const ca = tlsOrigins.get(u.origin);
  if (!ca) return fetch(url, init);
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: Number(u.port || 443),
        path: u.pathname + u.search,
        method: init.method ?? "GET",
        headers: { ...(init.headers as Record<string, string> | undefined), Host: u.host },
        servername: u.hostname,
        ca,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
          }
          const status = res.statusCode ?? 500;
          const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
      }
    );
    req.on("error", reject);
    if (init.body != null) req.write(init.body as string);
    req.end();
  });
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

/** The PIN every test person chooses. */
export const PIN = "480516";

/** Opens the app and signs in (needs the network), as `username` or a new coordinator. */
export async function signIn(
  page: Page,
  username?: string,
  password = PASSWORD,
  { autoUnlock = true }: { autoUnlock?: boolean } = {}
): Promise<string> {
  const base = new URL(page.url() === "about:blank" ? (test.info().project.use.baseURL as string) : page.url()).origin;
  const who = username ?? (await newUser(base));
  if (page.url() === "about:blank") await page.goto(`${base}/cases`);
  const form = page.getByRole("form", { name: /Sign in/ });
  await form.getByRole("textbox", { name: "Username" }).fill(who);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Sign in" }).click();
  const nav = page.getByRole("navigation", { name: "Main" });
  const choose = page.getByRole("form", { name: "Choose a PIN" });
  await expect(nav.or(choose)).toBeVisible();
  if (await choose.isVisible()) await choosePin(page);
  await expect(nav).toBeVisible();
  if (autoUnlock) await unlockWhenLocked(page);
  return who;
}

/** Answers the "Choose a PIN" form that follows a first sign-in. */
export async function choosePin(page: Page, pin = PIN) {
  const choose = page.getByRole("form", { name: "Choose a PIN" });
  await choose.getByLabel("PIN (at least 6 digits)").fill(pin);
  await choose.getByLabel("Repeat the PIN").fill(pin);
  await choose.getByRole("button", { name: "Set PIN" }).click();
}

const unlocking = new WeakSet<Page>();

/**
 * From now on, whenever the lock screen shows (after a reload, or idle),
 * the test person types the PIN: specs about something else need not.
 */
export async function unlockWhenLocked(page: Page, pin = PIN) {
  if (unlocking.has(page)) return;
  unlocking.add(page);
  await page.addLocatorHandler(page.getByRole("form", { name: "Unlock" }), async (form) => {
    await form.getByLabel("PIN", { exact: true }).fill(pin);
    await form.getByRole("button", { name: "Unlock" }).click();
    await expect(form).toBeHidden();
  });
}

/**
 * A server of a test's own (it can be stopped and started again on the same
 * database). With `https`, it serves TLS with `certDir`'s server.pem and
 * server-key.pem (from `make-certs --host <host>`) at https://<host>:<port>,
 * and, with `redirectPort`, the plain-HTTP redirect on 127.0.0.1:<redirectPort>.
 */
export class OwnServer {
  private proc: import("node:child_process").ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly dir: string,
    readonly https?: { host: string; certDir: string; redirectPort?: number },
    /** More `serve` flags, e.g. `["--lock-after-minutes", "1"]`. */
    readonly serveArgs: string[] = []
  ) {}

  get origin() {
    return this.https ? `https://${this.https.host}:${this.port}` : `http://127.0.0.1:${this.port}`;
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
    const args = ["serve", "--addr", `127.0.0.1:${this.port}`, "--static-dir", "dist", "--database", db, ...this.serveArgs];
    if (this.https) {
      const { certDir, redirectPort } = this.https;
      args.push("--tls-cert", `${certDir}/server.pem`, "--tls-key", `${certDir}/server-key.pem`);
      if (redirectPort) args.push("--http-redirect", `127.0.0.1:${redirectPort}`);
      tlsOrigins.set(this.origin, (await import("node:fs")).readFileSync(`${certDir}/ca.pem`, "utf8"));
    }
    this.proc = spawn(
      "target/debug/advocase-server",
      args,
      { stdio: ["ignore", "ignore", (await import("node:fs")).openSync(`${this.dir}/server.log`, "a")], env: { ...process.env, ADVOCASE_LOG: process.env.ADVOCASE_E2E_SERVER_LOG || "warn" } }
    );
    for (let i = 0; i < 150; i++) {
      try {
        if ((await serverFetch(`${this.origin}/api/health`)).ok) return;
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
  await watchErrors(page, errors);
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
  // Chosen from the hospital's units once it has some; typed before that.
  const unitList = page.getByRole("combobox", { name: "Unit" });
  const unitText = page.getByRole("textbox", { name: "Unit" });
  await expect(unitList.or(unitText)).toBeVisible();
  if (await unitList.isVisible()) await unitList.selectOption({ value: c.unit });
  else await unitText.fill(c.unit);
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


/** The port `variable` names, or a free one. */
export async function freePort(variable: string): Promise<number> {
  if (process.env[variable]) return Number(process.env[variable]);
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
