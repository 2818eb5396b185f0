import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { test, expect, signIn, unlockWhenLocked, watchErrors } from "./fixtures";
import { chromiumArgs, chromiumPath } from "./chromium";

// Chromium writes localStorage to disk about five seconds after a change;
// the app also journals every save to IndexedDB with strict durability and
// only then says "Saved on this device". Killing the whole browser the
// moment that appears must lose nothing.
test("a log shown as saved survives the browser being killed at once", async ({}, testInfo) => {
  const base = testInfo.project.use.baseURL!;
  const profile = mkdtempSync(join(tmpdir(), "advocase-kill-"));
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      viewport: { width: 768, height: 1024 },
    });
  const errors: string[] = [];
  try {
    let context = await launch();
    let page = context.pages()[0] ?? (await context.newPage());
    await watchErrors(page, errors);
    await page.goto(`${base}/cases`);
    await signIn(page);
    await page.getByRole("link", { name: "New case" }).click();
    await page.getByRole("textbox", { name: "Patient name" }).fill("Priya Patel");
    await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Concern" });
    await page.getByRole("textbox", { name: "What is it about?" }).fill("Worried about going home alone");
    await page.getByRole("button", { name: "Save case" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Priya Patel" })).toBeVisible();
    const caseUrl = page.url();

    const log = page.getByRole("form", { name: "Log an interaction" });
    await log.getByRole("textbox", { name: "What was said" }).fill("Social worker will call her son today");
    await log.getByRole("button", { name: "Save log" }).click();
    await expect(log.getByRole("status")).toHaveText("Saved on this device");

    // Pull the plug: every process of this browser, no shutdown.
    // "[-]" keeps the pattern from matching the shell that runs pkill.
    execSync(`pkill -KILL -f -- '[-]-user-data-dir=${profile}' || true`);
    await context.close().catch(() => {});

    context = await launch();
    page = context.pages()[0] ?? (await context.newPage());
    await watchErrors(page, errors);
    await unlockWhenLocked(page);
    await page.goto(caseUrl);
    await expect(page.getByRole("heading", { level: 1, name: "Priya Patel" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Timeline" }).getByText("Social worker will call her son today")).toBeVisible();
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  expect(errors).toEqual([]);
});
