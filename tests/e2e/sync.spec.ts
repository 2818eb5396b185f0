import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Browser, Page } from "@playwright/test";
import { test, expect, goOffline, newUser, openCase, OwnServer, signIn, synced, tablet as tabletAt, waitForServiceWorker } from "./fixtures";

// Two coordinators on one ward, each with a tablet, against the real server
// (its own process here, so the test can restart it).
const PORT = Number(process.env.ADVOCASE_E2E_SYNC_PORT || 18082);
let server: OwnServer;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "advocase-sync-"));
  server = new OwnServer(PORT, dir);
  await server.start();
});

test.afterAll(async () => {
  await server?.stop();
  if (process.env.ADVOCASE_E2E_SERVER_LOG) console.log((await import("node:fs")).readFileSync(`${dir}/server.log`, "utf8"));
  rmSync(dir, { recursive: true, force: true });
});

const tablet = (browser: Browser, errors: string[]) => tabletAt(browser, errors, server.origin);

async function setPriority(page: Page, label: string) {
  const form = page.getByRole("form", { name: "Priority and due date" });
  await form.getByRole("combobox", { name: "Priority" }).selectOption({ label });
  await form.getByRole("button", { name: "Save changes" }).click();
}

async function log(page: Page, text: string) {
  const form = page.getByRole("form", { name: "Log an interaction" });
  await form.getByRole("textbox", { name: "What was said" }).fill(text);
  await form.getByRole("button", { name: "Save log" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved on this device");
}

test("two coordinators offline on the same case: both logs on both tablets, one value and the conflict, nothing lost across a server restart", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const ana = await newUser(server.origin, { units: ["4 West"], prefix: "ana" });
  const ben = await newUser(server.origin, { units: ["4 West"], prefix: "ben" });
  const [ctxA, a] = await tablet(browser, errors);
  const [ctxB, b] = await tablet(browser, errors);

  // Ana opens the case online; Ben's tablet receives it.
  await a.goto("/cases");
  await signIn(a, ana);
  await waitForServiceWorker(a);
  await openCase(a, { patient: "Rosa Martinez", unit: "4 West", kind: "Complaint", about: "Call bell unanswered at night." });
  await synced(a);
  const caseUrl = new URL(a.url()).pathname;

  await b.goto("/cases");
  await signIn(b, ben);
  await waitForServiceWorker(b);
  await synced(b);
  await b.getByRole("link", { name: /Rosa Martinez/ }).click();
  await expect(b.getByRole("heading", { level: 1, name: "Rosa Martinez" })).toBeVisible();

  // Both lose the network and work on the same case.
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await log(a, "Ana: daughter says the bell light was broken");
  await setPriority(a, "High");
  await log(b, "Ben: patient asked for the charge nurse");
  await setPriority(b, "Urgent");
  await expect(a.getByRole("status", { name: "Sync" })).toContainText("2 changes to send");
  await expect(b.getByRole("status", { name: "Sync" })).toContainText("2 changes to send");

  // Back online: each sends on the online event; a reload pulls the other's.
  await ctxA.setOffline(false);
  await synced(a);
  await ctxB.setOffline(false);
  await synced(b);
  for (const page of [a, b]) {
    await page.reload();
    await synced(page);
  }

  const shown: string[] = [];
  for (const page of [a, b]) {
    const timeline = page.getByRole("region", { name: "Timeline" });
    await expect(timeline.getByText("Ana: daughter says the bell light was broken")).toBeVisible();
    await expect(timeline.getByText("Ben: patient asked for the charge nurse")).toBeVisible();
    const badge = page.getByText(/^Priority (High|Urgent)$/);
    await expect(badge).toHaveCount(1);
    shown.push((await badge.innerText()).trim());
    const crossed = page.getByRole("region", { name: "Edits that crossed" });
    await expect(crossed.getByTestId("conflict")).toHaveCount(1);
    await expect(crossed).toContainText(/Priority: shows “(High|Urgent)”/);
  }
  expect(shown[0], "both tablets show the same value").toBe(shown[1]);
  const loser = shown[0] === "Priority High" ? "Urgent" : "High";
  await expect(a.getByRole("region", { name: "Edits that crossed" })).toContainText(`“${loser}” by`);

  // The server restarts: nothing it acknowledged is lost, and a third
  // device (a fresh sign-in) gets all of it.
  await server.stop();
  await server.start();
  const [ctxC, c] = await tablet(browser, errors);
  await c.goto("/cases");
  await signIn(c, ana);
  await synced(c);
  await c.goto(caseUrl);
  const timeline = c.getByRole("region", { name: "Timeline" });
  await expect(timeline.getByText("Ana: daughter says the bell light was broken")).toBeVisible();
  await expect(timeline.getByText("Ben: patient asked for the charge nurse")).toBeVisible();
  await expect(c.getByText(shown[0], { exact: true })).toBeVisible();
  await expect(c.getByRole("region", { name: "Edits that crossed" }).getByTestId("conflict")).toHaveCount(1);

  // A person settles it; the decision reaches the other tablet.
  await c.getByRole("button", { name: `Use “${loser}” instead` }).click();
  await expect(c.getByText(`Priority ${loser}`, { exact: true })).toBeVisible();
  await expect(c.getByRole("region", { name: "Edits that crossed" })).toHaveCount(0);
  await synced(c);
  await b.reload();
  await synced(b);
  await expect(b.getByText(`Priority ${loser}`, { exact: true })).toBeVisible();
  await expect(b.getByRole("region", { name: "Edits that crossed" })).toHaveCount(0);

  for (const ctx of [ctxA, ctxB, ctxC]) await ctx.close();
  expect(errors).toEqual([]);
});

test("a session revoked mid-shift is refused at the next sync; the work stays until the same person signs in again", async ({ browser }) => {
  const errors: string[] = [];
  const admin = await (await fetch(`${server.origin}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin-password-for-tests", device: null }),
  })).json();
  const dee = await newUser(server.origin, { units: ["5 East"], prefix: "dee" });
  const [ctx, page] = await tablet(browser, errors);
  await page.goto("/cases");
  await signIn(page, dee);
  await waitForServiceWorker(page);
  await goOffline(page, ctx);
  await openCase(page, { patient: "Omar Haddad", unit: "5 East", kind: "Concern", about: "Needs an Arabic interpreter for consent." });

  // Meanwhile an administrator resets Dee's password: her sessions end.
  const res = await fetch(`${server.origin}/api/users/${dee}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ password: "a-brand-new-password-for-dee" }),
  });
  expect(res.status).toBe(200);

  await ctx.setOffline(false);
  await expect(page.getByRole("alert").filter({ hasText: "Your session was ended on the server" })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("status", { name: "Sync" })).toContainText("1 change to send");
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Omar Haddad" })).toBeVisible();

  // Someone else cannot take over the unsent work…
  const other = await newUser(server.origin, { prefix: "eli" });
  const again = page.getByRole("form", { name: "Sign in again to sync" });
  await again.getByRole("textbox", { name: "Username" }).fill(other);
  await again.getByLabel("Password").fill("coordinator-password-for-tests");
  await again.getByRole("button", { name: "Sign in" }).click();
  await expect(again.getByRole("alert")).toContainText(`Changes by ${dee} on this device have not reached the server`);
  // …Dee signs in with her new password and it goes.
  await again.getByRole("textbox", { name: "Username" }).fill(dee);
  await again.getByLabel("Password").fill("a-brand-new-password-for-dee");
  await again.getByRole("button", { name: "Sign in" }).click();
  await synced(page);
  await ctx.close();
  // The refused sync is logged by the browser itself; nothing else may be.
  expect(errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
});

test("signing out sends what waits first, and asks before deleting what could not be sent", async ({ browser }) => {
  const errors: string[] = [];
  const fay = await newUser(server.origin, { prefix: "fay" });
  const [ctx, page] = await tablet(browser, errors);
  await page.goto("/cases");
  await signIn(page, fay);
  await waitForServiceWorker(page);
  await goOffline(page, ctx);
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill("Lena Novak");
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Concern" });
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Wants her glasses back from radiology.");
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Lena Novak" })).toBeVisible();

  // Offline: nothing can be sent, so signing out asks first.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  const ask = page.getByRole("alertdialog", { name: "Unsent changes" });
  await expect(ask).toContainText("1 change has not reached the server.");
  await ask.getByRole("button", { name: "Stay signed in" }).click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId("signed-in-as")).toContainText(fay);

  // Online: signing out sends it, then removes the patient data.
  await ctx.setOffline(false);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign in to Advocase" })).toBeVisible();
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("advocase.case.") || k === "advocase.session"));
  expect(left).toEqual([]);
  // It reached the server: signing in again brings it back.
  await signIn(page, fay);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
  await expect(page.getByRole("link", { name: /Lena Novak/ })).toBeVisible({ timeout: 20_000 });
  await ctx.close();
  expect(errors).toEqual([]);
});
