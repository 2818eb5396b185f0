import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, test, expect, expectTouchFriendly, signIn, synced, tablet } from "./fixtures";

// The audit trail's client half: a coordinator opens a case, the tablet
// reports it with its next sync, and an administrator finds it in the
// Access log by the patient's MRN and exports it.

test("a case opened on a tablet shows in the administrator's Access log and its CSV", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const base = test.info().project.use.baseURL as string;
  const mrn = `MRN-${Date.now().toString(36)}`;
  const patient = "Amara Okafor";

  // The coordinator opens a case (its page is shown) and syncs.
  await page.goto("/cases");
  const who = await signIn(page);
  await synced(page);
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill(patient);
  await page.getByRole("textbox", { name: "MRN" }).fill(mrn);
  await page.getByRole("textbox", { name: "Unit" }).fill("3 North");
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Grievance" });
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Asks who has read her file");
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: patient })).toBeVisible();
  await synced(page);

  // The administrator, on a phone.
  const [adminContext, admin] = await tablet(browser, errors, base);
  await admin.setViewportSize({ width: 390, height: 844 });
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access log" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Access log" })).toBeVisible();
  const filters = admin.getByRole("form", { name: "Filter the access log" });
  const rows = admin.getByRole("region", { name: "Access log, newest first" }).getByRole("row");
  // The newest rows show at once: at least this administrator's sign-in.
  await expect(rows.filter({ hasText: "Sign-in" }).first()).toBeVisible();

  // By user: the coordinator's own rows.
  await filters.getByRole("textbox", { name: "User" }).fill(who);
  await filters.getByRole("button", { name: "Show" }).click();
  await expect(rows.filter({ hasText: "Change sent" }).first()).toBeVisible();

  await filters.getByRole("textbox", { name: "User" }).fill("");
  await filters.getByRole("textbox", { name: "Patient name or MRN" }).fill(mrn);
  // Sync reports openings after the cases: poll until the row is there.
  const opened = rows.filter({ hasText: "Opened the case" }).filter({ hasText: who });
  await expect(async () => {
    await filters.getByRole("button", { name: "Show" }).click();
    await expect(opened).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(opened).toContainText(`${patient} · MRN ${mrn}`);
  await expect(rows.filter({ hasText: "Sign-in" })).toHaveCount(0);

  await expectTouchFriendly(admin, "the Access log on a phone");
  const axe = await new AxeBuilder({ page: admin }).analyze();
  expect(axe.violations.map((v) => v.id), "axe on the Access log").toEqual([]);

  // Export CSV: the same filters, as a file.
  const download = admin.waitForEvent("download");
  await filters.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("access-log.csv");
  const csv = readFileSync(await file.path(), "utf8");
  expect(csv.split("\r\n")[0]).toBe("seq,at,recorded_at,username,device,case_id,patient_name,mrn,action,outcome,detail,hash");
  const line = csv.split("\r\n").find((l) => l.includes(",case_opened,"));
  expect(line, csv).toContain(`,${who},`);
  expect(line).toContain(`,${patient},${mrn},`);

  // Offline, the page says it needs the network instead of showing nothing.
  await adminContext.setOffline(true);
  await expect(admin.getByRole("status", { name: "Connection" })).toHaveText("Offline");
  await filters.getByRole("button", { name: "Show" }).click();
  await expect(filters.getByRole("alert")).toContainText("The access log needs the network");
  await expect(admin.getByRole("region", { name: "Access log, newest first" })).toBeHidden();

  await adminContext.close();
  expect(errors, "the administrator's page logged errors").toEqual([]);
});
