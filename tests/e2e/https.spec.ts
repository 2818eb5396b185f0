import { execFileSync } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Browser, chromium } from "@playwright/test";
import {
  freePort,
  test,
  expect,
  cspViolation,
  expectAppStarted,
  goOffline,
  newUser,
  openCase,
  OwnServer,
  PASSWORD,
  serverFetch,
  signIn,
  synced,
  tokenFor,
  waitForServiceWorker,
  watchErrors,
} from "./fixtures";
import { chromiumArgs, chromiumPath } from "./chromium";

// HTTPS and browser hardening (issue 12, docs/DEPLOY.md): the server's own
// TLS with a certificate from `make-certs`, reached by a host name that is
// not localhost (so only https:// makes it a secure context), and the
// Content-Security-Policy watcher every spec relies on.

const HOST = "advocase.test";
const HSTS = "max-age=31536000";

/** A port from the environment, or one the system has free now. */

/** One plain-HTTP request to 127.0.0.1:`port`, with the `Host` header as given (none if null). */
function plainGet(port: number, path: string, host: string | null): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, setHost: false, headers: host === null ? {} : { Host: host } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      }
    );
    req.on("error", reject);
    req.end();
  });
}

let dir: string;
let server: OwnServer;
let redirectPort: number;
let browser: Browser;

test.beforeAll(async () => {
  dir = mkdtempSync("target/e2e-https-");
  const certDir = join(dir, "certs");
  execFileSync("target/debug/advocase-server", ["make-certs", "--dir", certDir, "--host", HOST], { stdio: "pipe" });
  // Chromium accepts the certificate by its key's pin rather than a CA in a
  // system store the test cannot touch: the SHA-256 of the server's
  // SubjectPublicKeyInfo, as --ignore-certificate-errors-spki-list wants it.
  const spki = createPublicKey(readFileSync(join(certDir, "server-key.pem"))).export({ type: "spki", format: "der" });
  const pin = createHash("sha256").update(spki).digest("base64");
  redirectPort = await freePort("ADVOCASE_E2E_REDIRECT_PORT");
  server = new OwnServer(await freePort("ADVOCASE_E2E_HTTPS_PORT"), dir, { host: HOST, certDir, redirectPort });
  await server.start();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      ...chromiumArgs.filter((a) => !a.startsWith("--host-resolver-rules=")),
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${pin}`,
    ],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the error watcher fails a test on a page without the policy and on each violation of it", async ({ page, pageErrors }, testInfo) => {
  const base = testInfo.project.use.baseURL!;
  // First, before the app's service worker could answer in place of the route.
  await page.route("**/no-policy", (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html><title>No policy</title><p>Plain</p>" }));
  await page.goto("/no-policy");
  await expect.poll(() => [...pageErrors]).toEqual([`no Content-Security-Policy header on ${base}/no-policy`]);
  pageErrors.length = 0;

  const res = await page.goto("/");
  await expectAppStarted(page);
  const policy = (await res!.allHeaders())["content-security-policy"];
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).not.toContain("unsafe-inline");
  // The shell's inlined stylesheet, by its hash: no other style block.
  expect(policy).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='(;|$)/);
  expect(pageErrors, "the app itself breaks nothing").toEqual([]);

  // What an injected script or a careless change would add.
  const recorded = () => pageErrors.filter((e) => e.startsWith("CSP violation"));
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.inlineRan = true;";
    document.body.append(s);
  });
  await expect.poll(recorded).toEqual([cspViolation("script-src-elem", "inline", "/")]);
  expect(await page.evaluate(() => "inlineRan" in window), "the inline script ran").toBe(false);

  await page.evaluate(() => document.querySelector("header")!.setAttribute("style", "display: none"));
  await expect.poll(recorded).toEqual([cspViolation("script-src-elem", "inline", "/"), cspViolation("style-src-attr", "inline", "/")]);
  await expect(page.getByRole("banner"), "the style attribute applied").toBeVisible();
  await page.evaluate(() => {
    const s = document.createElement("style");
    s.textContent = "header { display: none }";
    document.head.append(s);
  });
  await expect.poll(recorded).toEqual([
    cspViolation("script-src-elem", "inline", "/"),
    cspViolation("style-src-attr", "inline", "/"),
    cspViolation("style-src-elem", "inline", "/"),
  ]);
  await expect(page.getByRole("banner"), "the injected style block applied").toBeVisible();

  // Caught as it should be; left in, they would fail this test (the point).
  pageErrors.length = 0;
});

test("HTTPS answers carry HSTS; the http:// listener sends browsers to https:// and refuses a bad Host", async () => {
  for (const path of ["/", "/cases/new", "/sw.js", "/api/health", "/api/no-such-route"]) {
    const res = await serverFetch(`${server.origin}${path}`);
    expect(res.headers.get("strict-transport-security"), path).toBe(HSTS);
    expect(res.headers.get("content-security-policy"), path).toBeTruthy();
  }

  const moved = await plainGet(redirectPort, "/cases/new?from=bookmark", `${HOST}:${redirectPort}`);
  expect(moved.status).toBe(308);
  expect(moved.headers.location).toBe(`${server.origin}/cases/new?from=bookmark`);
  // HSTS over plain HTTP means nothing to a browser, and is not sent.
  expect(moved.headers["strict-transport-security"]).toBeUndefined();
  for (const bad of ["evil.example/path", "user@evil.example", `${HOST}:99999`, "", null]) {
    expect((await plainGet(redirectPort, "/", bad)).status, `Host: ${bad}`).toBe(400);
  }

  // A browser that has never been here, given the http:// address.
  const errors: string[] = [];
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 } });
  const page = await context.newPage();
  await watchErrors(page, errors);
  const res = await page.goto(`http://${HOST}:${redirectPort}/`);
  expect(res!.request().redirectedFrom()?.url()).toBe(`http://${HOST}:${redirectPort}/`);
  expect(page.url()).toBe(`${server.origin}/`);
  expect((await res!.allHeaders())["strict-transport-security"]).toBe(HSTS);
  await expectAppStarted(page);
  await context.close();
  expect(errors).toEqual([]);
});

test("over https:// by host name: a secure context, the service worker, work offline and sync when back", async () => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 } });
  const page = await context.newPage();
  await watchErrors(page, errors);

  await page.goto(`${server.origin}/`);
  await expectAppStarted(page);
  expect(await page.evaluate(() => [location.protocol, isSecureContext, typeof crypto.subtle])).toEqual(["https:", true, "object"]);
  await waitForServiceWorker(page);
  const who = await newUser(server.origin, { units: ["3 North"] });
  await signIn(page, who);
  await openCase(page, { patient: "Tomasz Nowak", unit: "3 North", kind: "Concern", about: "Wants his discharge explained in Polish." });
  const caseId = new URL(page.url()).pathname.split("/").pop()!;

  // The Wi-Fi goes: the app starts again from the service worker alone.
  await goOffline(page, context);
  const reloaded = await page.reload();
  expect(reloaded!.fromServiceWorker(), "the service worker answered").toBe(true);
  // The cached shell keeps the policy it was served with.
  expect((await reloaded!.allHeaders())["content-security-policy"]).toBeTruthy();
  await expectAppStarted(page);
  await expect(page.getByRole("heading", { level: 1, name: "Tomasz Nowak" })).toBeVisible();
  const log = page.getByRole("form", { name: "Log an interaction" });
  await log.getByRole("textbox", { name: "What was said" }).fill("Interpreter booked for the discharge talk");
  await log.getByRole("button", { name: "Save log" }).click();
  await expect(log.getByRole("status")).toHaveText("Saved on this device");
  await expect(page.getByRole("status", { name: "Sync" })).toContainText("1 change to send");

  // Back online: the change reaches the server, over TLS.
  await context.setOffline(false);
  await synced(page);
  const token = await tokenFor(server.origin, who, PASSWORD);
  const history = await serverFetch(`${server.origin}/api/sync/cases/${caseId}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(history.status).toBe(200);
  expect(history.headers.get("strict-transport-security")).toBe(HSTS);
  const text = await history.text();
  expect(text).toContain("Tomasz Nowak");
  expect(text).toContain("Interpreter booked for the discharge talk");

  await context.close();
  expect(errors).toEqual([]);
});

test("a manager's report over https:// by host name: shown, a note kept through the form, the CSV downloaded, read again offline", async () => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, acceptDownloads: true });
  const page = await context.newPage();
  await watchErrors(page, errors);
  await page.goto(`${server.origin}/`);
  await expectAppStarted(page);
  await waitForServiceWorker(page);
  const mia = await newUser(server.origin, { role: "manager", prefix: "mia" });
  await signIn(page, mia);
  await synced(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await page.getByRole("button", { name: "Show the report" }).click();
  const report = page.getByRole("article", { name: /^Report for / });
  await expect(report).toBeVisible();
  await expect(report.getByRole("img", { name: /Interactions by channel/ })).toBeVisible();

  // The page's own form, sent as the browser writes it (multipart), over TLS.
  await report.getByRole("textbox", { name: "Your recommendation" }).fill("Review the evening handover with 3 North.");
  await report.getByRole("button", { name: "Add to the report" }).click();
  await expect(report.locator(".recommendations")).toContainText("Review the evening handover with 3 North.");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Interactions (CSV)" }).click()]);
  expect(download.suggestedFilename()).toBe("interactions.csv");
  expect(readFileSync((await download.path())!, "utf8").charCodeAt(0), "byte order mark").toBe(0xfeff);

  // The Wi-Fi goes: the shell from the service worker, the report from the device.
  await goOffline(page, context);
  const reloaded = await page.reload();
  expect(reloaded!.fromServiceWorker()).toBe(true);
  await expectAppStarted(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(page.getByText(/The last report opened on this device/)).toBeVisible();
  await expect(page.getByRole("article", { name: /^Report for / })).toContainText("Review the evening handover with 3 North.");
  await context.close();
  expect(errors).toEqual([]);
});

test("over plain http:// by host name the app says in plain words why it signs nobody in", async ({}, testInfo) => {
  const errors: string[] = [];
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await watchErrors(page, errors);
  // The suite's plain-HTTP server, reached by name instead of 127.0.0.1.
  const port = new URL(testInfo.project.use.baseURL!).port;
  await page.goto(`http://${HOST}:${port}/`);
  expect(await page.evaluate(() => isSecureContext)).toBe(false);
  await expect(page.getByRole("alert")).toContainText("This address is not secure (http://)");
  await expect(page.getByRole("alert")).toContainText("Open Advocase at its https:// address");
  await expect(page.getByRole("textbox", { name: "Username" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Sign in" })).toHaveCount(0);
  await context.close();
  // Chromium's own note that an insecure origin gets no COOP: the point here.
  const coop = /The Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy/;
  expect(errors.filter((e) => !coop.test(e))).toEqual([]);
});
