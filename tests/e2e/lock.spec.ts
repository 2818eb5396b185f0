import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Page } from "@playwright/test";
import { test, expect, choosePin, freePort, goOffline, newUser, openCase, OwnServer, PASSWORD, PIN, signIn, tablet, waitForServiceWorker } from "./fixtures";

// The PIN lock on a shared ward tablet: set at the first sign-in, locking
// on Lock, when idle and when the session ends, unlocking offline, and the
// password (through the server's escrow key) when the PIN is lost.
// The page's clock is Playwright's, so idle minutes pass in an instant.

const PATIENT = "Lockhart Quimby";

async function expectLocked(page: Page) {
  await expect(page.getByRole("heading", { level: 1, name: "Advocase is locked" })).toBeVisible();
  await expect(page).toHaveTitle("Advocase · Locked");
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  expect(await page.locator("body").innerText()).not.toContain(PATIENT);
}

/** The lock screen's message, tied to the PIN field. */
async function expectPinMessage(page: Page, text: string) {
  const field = page.getByRole("form", { name: "Unlock" }).getByLabel("PIN", { exact: true });
  await expect(field).toHaveAccessibleDescription(new RegExp(text.replace(/\./g, "\\.")));
}

async function unlock(page: Page, pin: string) {
  const form = page.getByRole("form", { name: "Unlock" });
  await form.getByLabel("PIN", { exact: true }).fill(pin);
  await form.getByRole("button", { name: "Unlock" }).click();
}

test("a shift: Lock hides every patient detail, the PIN unlocks offline, even after a reload", async ({ page, context }) => {
  await page.goto("/cases");
  await signIn(page, undefined, PASSWORD, { autoUnlock: false });
  await waitForServiceWorker(page);
  await openCase(page, { patient: PATIENT, unit: "4B", kind: "Complaint", about: "Call bell not answered" });
  await expect(page).toHaveTitle("Advocase");

  await goOffline(page, context);
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await expectLocked(page);

  await unlock(page, "135790");
  await expectPinMessage(page, "Wrong PIN. 4 tries left.");
  await unlock(page, PIN);
  await expect(page.getByRole("heading", { level: 1, name: PATIENT })).toBeVisible();

  // Offline, a reload starts locked: the key lived only in memory.
  await page.reload();
  await expectLocked(page);
  await unlock(page, PIN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
  await expect(page.getByRole("link", { name: new RegExp(PATIENT) })).toBeVisible();
  await context.setOffline(false);
});

test("idle for the operator's minutes locks; the session's end locks too", async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), "advocase-lock-"));
  const server = new OwnServer(await freePort("ADVOCASE_E2E_LOCK_PORT"), dir, undefined, [
    "--lock-after-minutes",
    "30",
    "--session-hours",
    "1",
  ]);
  await server.start();
  const errors: string[] = [];
  try {
    const [context, page] = await tablet(browser, errors, server.origin);
    await page.clock.install();
    await page.goto("/cases");
    await signIn(page, await newUser(server.origin), PASSWORD, { autoUnlock: false });
    await openCase(page, { patient: PATIENT, unit: "4B", kind: "Complaint", about: "Noise at night" });

    // 29 minutes without a touch: still open; one more and it locks.
    await page.clock.fastForward("29:00");
    await expect(page.getByRole("heading", { level: 1, name: PATIENT })).toBeVisible();
    await page.clock.fastForward("01:30");
    await expectLocked(page);
    await unlock(page, PIN);
    await expect(page.getByRole("heading", { level: 1, name: PATIENT })).toBeVisible();

    // Busy all along (a key every 20 minutes), but the one-hour session
    // ends: that locks the device once.
    // (30.5 minutes in; a key at 50.5; the session ends at 60, 20 idle minutes later.)
    await page.clock.fastForward("20:00");
    await page.keyboard.press("Shift");
    await expect(page.getByRole("heading", { level: 1, name: PATIENT })).toBeVisible();
    await page.clock.fastForward("20:00");
    await expectLocked(page);
    await unlock(page, PIN);
    await expect(page.getByRole("heading", { level: 1, name: PATIENT })).toBeVisible();
    await context.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(errors).toEqual([]);
});

test("five wrong PINs: the password (online) recovers the data through the escrow key, unsent work included", async ({ page, context, pageErrors }) => {
  await page.goto("/cases");
  const who = await signIn(page, undefined, PASSWORD, { autoUnlock: false });
  await waitForServiceWorker(page);
  await goOffline(page, context);
  await openCase(page, { patient: PATIENT, unit: "4B", kind: "Complaint", about: "Lost hearing aid" });
  await expect(page.getByRole("status", { name: "Sync" })).toContainText("1 change to send");

  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await expectLocked(page);
  for (const left of ["4 tries left.", "3 tries left.", "2 tries left.", "1 try left"]) {
    await unlock(page, "246802");
    await expectPinMessage(page, left);
  }
  await unlock(page, "246802");
  await expect(page.getByText("The PIN no longer unlocks this device.")).toBeVisible();
  await expect(page.getByRole("form", { name: "Unlock" })).toHaveCount(0);
  // Reloading does not bring the PIN back.
  await page.reload();
  await expect(page.getByText("The PIN no longer unlocks this device.")).toBeVisible();

  // Offline, the password cannot help yet, and says why.
  const signInForm = page.getByRole("form", { name: "Sign in with your password" });
  await signInForm.getByRole("textbox", { name: "Username" }).fill(who);
  await signInForm.getByLabel("Password").fill(PASSWORD);
  await signInForm.getByRole("button", { name: "Sign in" }).click();
  await expect(signInForm.getByRole("alert")).toContainText("needs the network");

  await context.setOffline(false);
  await signInForm.getByRole("button", { name: "Sign in" }).click();
  await choosePin(page, "592614");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
  await expect(page.getByRole("link", { name: new RegExp(PATIENT) })).toBeVisible();
  // The unsent case was kept, and now reaches the server.
  await expect(page.getByRole("status", { name: "Sync" })).toHaveText(/^Synced /, { timeout: 20_000 });

  // The new PIN works; the old one no longer does.
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await unlock(page, PIN);
  await expectPinMessage(page, "4 tries left.");
  await unlock(page, "592614");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();

  // Chromium logs the sign-in refused by the offline network: the point of that step.
  const offline = /Failed to load resource: net::ERR_INTERNET_DISCONNECTED/;
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !offline.test(e)));
});

test("another person signing in on a locked tablet never sees the previous person's data, and is refused while it holds their unsent work", async ({ page, context }) => {
  await page.goto("/cases");
  const ana = await signIn(page, undefined, PASSWORD, { autoUnlock: false });
  await waitForServiceWorker(page);
  await goOffline(page, context);
  await openCase(page, { patient: PATIENT, unit: "4B", kind: "Complaint", about: "Meal was cold" });
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await context.setOffline(false);

  const base = new URL(page.url()).origin;
  const ben = await newUser(base);
  await page.getByRole("button", { name: /Sign in with a password/ }).click();
  const signInForm = page.getByRole("form", { name: "Sign in with your password" });
  await signInForm.getByRole("textbox", { name: "Username" }).fill(ben);
  await signInForm.getByLabel("Password").fill(PASSWORD);
  await signInForm.getByRole("button", { name: "Sign in" }).click();
  await expect(signInForm.getByRole("textbox", { name: "Username" })).toHaveAccessibleDescription(/must sign in to send them first/);

  // Ana unlocks, her change reaches the server, she locks; now Ben may.
  await unlock(page, PIN);
  await expect(page.getByRole("status", { name: "Sync" })).toHaveText(/^Synced /, { timeout: 20_000 });
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await page.getByRole("button", { name: /Sign in with a password/ }).click();
  await signInForm.getByRole("textbox", { name: "Username" }).fill(ben);
  await signInForm.getByLabel("Password").fill(PASSWORD);
  await signInForm.getByRole("button", { name: "Sign in" }).click();
  await choosePin(page, "702468");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByRole("status", { name: "Sync" })).toHaveText(/^Synced /, { timeout: 20_000 });
  expect(await page.locator("body").innerText()).not.toContain(PATIENT);
  // Ana's records are gone from the device, not merely hidden.
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("advocase.case.")).length);
  expect(stored).toBe(0);
  expect(ana).not.toBe(ben);
});
