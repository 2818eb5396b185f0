import AxeBuilder from "@axe-core/playwright";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  test,
  expect,
  expectPdfs,
  expectTouchFriendly,
  freePort,
  newUser,
  OwnServer,
  signIn,
  synced,
  tablet,
  waitForServiceWorker,
} from "./fixtures";
import type { Page } from "@playwright/test";

// Reports for managers (issue 15): a month's report with its charts and a
// suggestion with its cases, notes kept with it, printed on A4 and Letter,
// exported as CSV, and read again offline. On a server of its own, so the
// report holds this test's cases and no other spec's.
let server: OwnServer;
let dir: string;
const base = () => server.origin;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "advocase-reports-"));
  server = new OwnServer(await freePort("ADVOCASE_E2E_REPORTS_PORT"), dir);
  await server.start();
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A complaint about communication, opened through the New case form. */
async function complaint(page: Page, patient: string, unit: string) {
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill(patient);
  const unitList = page.getByRole("combobox", { name: "Unit" });
  const unitText = page.getByRole("textbox", { name: "Unit" });
  await expect(unitList.or(unitText)).toBeVisible();
  if (await unitList.isVisible()) await unitList.selectOption({ label: unit });
  else await unitText.fill(unit);
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Complaint" });
  await page.getByRole("combobox", { name: "Category" }).selectOption({ label: "Communication" });
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Nobody told the family about the scan being moved.");
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: patient })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
}

test("a manager opens the month's report, acts on a suggestion, prints, exports and reads it again offline", async ({ browser }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  const unit = "4 West";
  const ana = await newUser(base(), { units: [unit], prefix: "ana" });
  const mia = await newUser(base(), { role: "manager", prefix: "mia" });

  const [, a] = await tablet(browser, errors, base());
  await a.goto("/cases");
  await signIn(a, ana);
  const patients = ["Ines Moreau", "Tom Becker", "Ada Nwosu", "Rui Santos", "Lea Hoffmann"];
  for (const p of patients) await complaint(a, p, unit);
  await synced(a);

  const [ctx, m] = await tablet(browser, errors, base());
  await m.goto("/");
  await signIn(m, mia);
  await waitForServiceWorker(m);
  await synced(m);
  await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
  await m.getByRole("button", { name: "Show the report" }).click();

  const report = m.getByRole("article", { name: /^Report for / });
  await expect(report).toBeVisible({ timeout: 20_000 });
  const month = await m.evaluate(() => new Date().toLocaleString("en-GB", { month: "long", year: "numeric" }));
  await expect(report.getByRole("heading", { level: 2 })).toHaveText(`Report for ${month}`);
  // Charts: each an image named by its title and summary, with its figures.
  await expect(report.getByRole("img", { name: /Interactions by channel/ })).toBeVisible();
  await expect(report.getByRole("img", { name: /Cases opened by complaint category/ })).toBeVisible();
  await expect(report.getByRole("table", { name: /Cases opened by complaint category \(HCAT\) — the figures/ })).toContainText("Communication");
  expect(await report.locator("figure.chart").count()).toBeGreaterThanOrEqual(7);

  // The suggestion, with the figures behind it and its cases.
  const suggestion = report.locator(".suggestion").filter({ hasText: `Communication complaints in ${unit} rose from none to 5` });
  await expect(suggestion).toBeVisible();
  await expect(suggestion.getByRole("table", { name: "The figures behind it" })).toContainText("This period");
  for (const p of patients) await expect(suggestion.getByRole("link", { name: p })).toBeVisible();

  const axe = await new AxeBuilder({ page: m }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`), "axe on the report").toEqual([]);
  await expectTouchFriendly(m, "report at tablet size");
  await m.screenshot({ path: test.info().outputPath("report.png"), fullPage: true });

  // Kept with the report: a dismissed suggestion, a recommendation.
  await report.getByRole("textbox", { name: "Your recommendation" }).fill("Brief families at the evening visit when a scan moves.");
  await report.getByRole("button", { name: "Add to the report" }).click();
  await expect(report.locator(".recommendations")).toContainText("Brief families at the evening visit");
  await suggestion.getByRole("button", { name: /^Dismiss the suggestion/ }).click();
  await expect(report.getByText("Dismissed (1)")).toBeVisible();
  await expect(report.locator("ol.suggestions").first()).not.toContainText(`in ${unit} rose`);

  // One of its cases opens from the report.
  await report.getByText("Dismissed (1)").click();
  await report.locator(".dismissed").getByRole("link", { name: "Ines Moreau" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Ines Moreau" })).toBeVisible();
  await m.goBack();
  await expect(report).toBeVisible();

  // Printed: charts and suggestions on A4 and Letter, none of the app around it.
  await m.emulateMedia({ media: "print" });
  await expect(m.getByRole("button", { name: "Show the report" })).toBeHidden();
  await expectPdfs(
    m,
    [`Report for ${month}`, "Interactions by channel", "Cases opened by complaint category", "Brief families at the evening visit"],
    ["Show the report", "Add to the report", "Settings", "Synced"],
    20
  );
  await m.emulateMedia({ media: "screen" });

  // The cases as CSV: a spreadsheet's UTF-8 with its byte order mark.
  const [download] = await Promise.all([m.waitForEvent("download"), m.getByRole("button", { name: "Cases (CSV)" }).click()]);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.charCodeAt(0), "byte order mark").toBe(0xfeff);
  expect(csv.split("\r\n")[0]).toBe("\ufeffcase_id,received_on,unit,kind,category,status,priority,received_via,patient_name,mrn,assignee,created_by,due_on,resolved_at,expected_discharge,destination,tags,description,resolution");
  for (const p of patients) expect(csv).toContain(p);

  // A period that ends before it starts: refused at its field, the report still shown.
  const ask = m.getByRole("form", { name: "Which period" });
  await ask.getByLabel("Or from (first day)").fill("2026-12-10");
  await ask.getByLabel("To (last day)").fill("2026-12-01");
  await ask.getByRole("button", { name: "Show the report" }).click();
  const to = ask.getByLabel("To (last day)");
  await expect(to).toHaveAttribute("aria-invalid", "true");
  await expect(to).toHaveAccessibleDescription(/before/);
  await expect(to).toBeFocused();
  await expect(report).toBeVisible();

  // Offline, the last report opened is still there after a reload.
  await synced(m);
  await ctx.setOffline(true);
  await m.reload();
  await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(m.getByText(/The last report opened on this device/)).toBeVisible();
  await expect(m.getByRole("article", { name: `Report for ${month}` })).toContainText("Brief families at the evening visit");
  await m.getByRole("button", { name: "Show the report" }).click();
  await expect(m.getByText(/Reports need the server, which could not be reached/)).toBeVisible();
  await ctx.setOffline(false);

  // At phone size the report is still usable.
  await m.setViewportSize({ width: 390, height: 844 });
  await expectTouchFriendly(m, "report at phone size");
  const axePhone = await new AxeBuilder({ page: m }).analyze();
  expect(axePhone.violations.map((v) => v.id), "axe on the report at 390×844").toEqual([]);
  // The browser logs the one refusal asked for above; nothing else.
  const refused = /Failed to load resource: the server responded with a status of 400/;
  expect(errors.filter((e) => !refused.test(e))).toEqual([]);
  expect(errors.filter((e) => refused.test(e))).toHaveLength(1);
});
