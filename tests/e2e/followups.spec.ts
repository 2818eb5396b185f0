import AxeBuilder from "@axe-core/playwright";
import { test, expect, newUser, openCase, signIn, synced, tablet, waitForServiceWorker } from "./fixtures";
import type { Page } from "@playwright/test";

// Follow-ups, My day and escalations (issue 14), on the shared test server.

const base = () => new URL(test.info().project.use.baseURL as string).origin;

/** The tablet's local date as a date input takes it. */
async function localDate(page: Page, plusDays = 0): Promise<string> {
  return page.evaluate((n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }, plusDays);
}

function myDay(page: Page) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /My day/ });
}

function dayRow(page: Page, text: string) {
  return page.getByTestId("my-day-row").filter({ hasText: text });
}

async function escalate(page: Page, to: string, reason: string, urgency: "Urgent" | "Routine") {
  await page.getByRole("button", { name: "Escalate", exact: true }).click();
  const form = page.getByRole("form", { name: "Escalate this case" });
  await form.getByRole("combobox", { name: "Escalate to" }).selectOption({ label: to });
  await form.getByRole("textbox", { name: "Reason" }).fill(reason);
  await form.getByRole("combobox", { name: "Urgency" }).selectOption({ label: urgency });
  await form.getByRole("button", { name: "Send the escalation" }).click();
  await expect(form).toBeHidden();
}

test("a follow-up promised in a quick log is on My day, is done offline, and syncs", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const ana = await newUser(base(), { units: ["4 West"], prefix: "ana" });
  const [ctx, a] = await tablet(browser, errors, base());
  await a.goto("/");
  await signIn(a, ana);
  // My day is the start page.
  await expect(a.getByRole("heading", { level: 1, name: "My day" })).toBeVisible();
  await waitForServiceWorker(a);
  await openCase(a, { patient: "Irene Walsh", unit: "4 West", kind: "Concern", about: "Daughter wants to talk about the discharge date." });

  const log = a.getByRole("form", { name: "Log an interaction" });
  await log.getByRole("textbox", { name: "What was said" }).fill("Daughter asked for a call before discharge.");
  await log.getByText("Time, outcome, follow-up").click();
  await log.getByRole("textbox", { name: "Promised follow-up" }).fill("Call the daughter back");
  await log.getByRole("combobox", { name: "Kind of follow-up" }).selectOption({ label: "Call back" });
  await log.getByLabel("Follow-up due").fill(await localDate(a));
  await log.getByRole("button", { name: "Save log" }).click();
  await expect(a.getByTestId("task").filter({ hasText: "Call the daughter back" })).toContainText("Call back");
  await synced(a);

  await myDay(a).click();
  await expect(myDay(a)).toHaveAccessibleName("My day 1 to do");
  const row = dayRow(a, "Call the daughter back");
  await expect(row).toContainText("Irene Walsh");
  await expect(row).toContainText("Due today");
  const axe = await new AxeBuilder({ page: a }).analyze();
  expect(axe.violations.map((v) => v.id), "axe on My day").toEqual([]);

  // Done offline: gone from My day at once, waiting to be sent.
  await ctx.setOffline(true);
  await expect(a.getByRole("status", { name: "Connection" })).toHaveText("Offline");
  await row.getByRole("button", { name: /^Done/ }).click();
  await expect(row).toHaveCount(0);
  await expect(a.getByText("Nothing needs you now.")).toBeVisible();
  await expect(a.getByRole("status", { name: "Sync" })).toContainText("1 change to send");
  await ctx.setOffline(false);
  await synced(a);

  // Another tablet of the same coordinator gets it done.
  const [, b] = await tablet(browser, errors, base());
  await b.goto("/cases");
  await signIn(b, ana);
  await synced(b);
  await b.getByRole("link", { name: /Irene Walsh/ }).click();
  await expect(b.getByTestId("task").filter({ hasText: "Call the daughter back" })).toContainText(`Done · ${ana}`);
  expect(errors).toEqual([]);
});

test("a follow-up given to a colleague on tablet A appears on tablet B's My day without a reload", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  // Ben covers another unit: he sees the case only because the task is his.
  const ben = await newUser(base(), { units: ["5 East"], prefix: "ben" });
  const ana = await newUser(base(), { units: ["4 West"], prefix: "ana" });
  const [, b] = await tablet(browser, errors, base());
  await b.goto("/");
  await signIn(b, ben);
  await synced(b);
  await expect(b.getByText("Nothing needs you now.")).toBeVisible();

  const [, a] = await tablet(browser, errors, base());
  await a.goto("/cases");
  await signIn(a, ana);
  await synced(a);
  await openCase(a, { patient: "Omar Haddad", unit: "4 West", kind: "Complaint", about: "Bill sent to the wrong insurer." });
  await a.getByRole("button", { name: "Add a follow-up" }).click();
  const form = a.getByRole("form", { name: "Add a follow-up" });
  // Saved too early: each message under its field.
  await form.getByRole("button", { name: "Add the follow-up" }).click();
  await expect(form.getByRole("combobox", { name: "Kind" })).toHaveAttribute("aria-invalid", "true");
  await form.getByRole("combobox", { name: "Kind" }).selectOption({ label: "Billing / insurance" });
  await form.getByRole("textbox", { name: "What is to be done" }).fill("Send the corrected claim to Aetna");
  await form.getByLabel("Due", { exact: true }).fill(await localDate(a, 1));
  await form.getByRole("combobox", { name: "Owner" }).selectOption({ label: `Test ${ben} (coordinator)` });
  await form.getByRole("button", { name: "Add the follow-up" }).click();
  await expect(form).toBeHidden();
  await expect(a.getByTestId("task").filter({ hasText: "Send the corrected claim" })).toContainText(`Test ${ben}`);
  await synced(a);

  // The live channel wakes Ben's tablet: no reload, well before a periodic pull.
  const row = dayRow(b, "Send the corrected claim to Aetna");
  await expect(row).toContainText("Due tomorrow", { timeout: 15_000 });
  await expect(row).toContainText("Omar Haddad");
  expect(errors).toEqual([]);
});

test("an urgent escalation made offline reaches the manager, is acknowledged, and the sender sees it", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const mia = await newUser(base(), { role: "manager", prefix: "mia" });
  const ana = await newUser(base(), { units: ["4 West"], prefix: "ana" });
  const [, m] = await tablet(browser, errors, base());
  await m.goto("/");
  await signIn(m, mia);
  await synced(m);

  const [ctxA, a] = await tablet(browser, errors, base());
  await a.goto("/cases");
  await signIn(a, ana);
  await waitForServiceWorker(a);
  await synced(a);
  await openCase(a, { patient: "Grace Liu", unit: "4 West", kind: "Grievance", about: "Fall not reported to the family." });
  await synced(a);
  await ctxA.setOffline(true);
  await expect(a.getByRole("status", { name: "Connection" })).toHaveText("Offline");
  await escalate(a, `Test ${mia} (manager)`, "Family threatens to go to the state agency today.", "Urgent");
  const sent = a.getByTestId("escalation").filter({ hasText: "Family threatens" });
  await expect(sent).toContainText("Not yet delivered");
  await expect(sent).toContainText(`Waiting on Test ${mia}`);
  await myDay(a).click();
  await expect(dayRow(a, "Family threatens")).toContainText("not yet delivered");

  await ctxA.setOffline(false);
  await synced(a);
  await expect(dayRow(a, "Family threatens")).toContainText("not yet acknowledged");

  // On the manager's My day at once (live channel), with its one-tap answer.
  const waiting = dayRow(m, "Family threatens");
  await expect(waiting).toContainText("Urgent, waiting on you", { timeout: 15_000 });
  await waiting.getByRole("button", { name: /^Acknowledge/ }).click();
  await expect(waiting).toContainText("acknowledged: to answer");
  await synced(m);

  // The acknowledgement reaches the sender: off their My day, on the case.
  await expect(dayRow(a, "Family threatens")).toHaveCount(0, { timeout: 15_000 });
  await a.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases", exact: true }).click();
  await a.getByRole("link", { name: /Grace Liu/ }).click();
  await expect(a.getByTestId("escalation").filter({ hasText: "Family threatens" })).toContainText(`Acknowledged by Test ${mia}`);
  await expect(a.getByTestId("escalation").filter({ hasText: "Family threatens" })).toContainText(`Acknowledged · ${mia}`);
  expect(errors).toEqual([]);
});

test("an escalation nobody acknowledges turns overdue for the sender, on a fake clock", async ({ page }) => {
  test.setTimeout(90_000);
  const mia = await newUser(base(), { role: "manager", prefix: "mia" });
  const ana = await newUser(base(), { units: ["4 West"], prefix: "ana" });
  // The follow-up below is due two hours on and is looked at four hours on: both must fall on
  // the same calendar day, or it reads "Overdue 1 day" (right, but another assertion). Late in
  // the evening the tablet's clock starts at ten in the morning instead: behind the server's,
  // never ahead of it.
  const start = new Date();
  if (start.getHours() >= 18) start.setHours(10, 0, 0, 0);
  await page.clock.install({ time: start });
  await page.goto("/cases");
  await signIn(page, ana);
  await synced(page);
  await openCase(page, { patient: "Paul Brandt", unit: "4 West", kind: "Complaint", about: "Lost hearing aid." });
  await escalate(page, `Test ${mia} (manager)`, "Hearing aid lost during transfer.", "Urgent");
  // And a follow-up due in two hours, to be reminded of.
  const due = await page.evaluate(() => {
    const d = new Date(Date.now() + 2 * 3600_000);
    const p = (n: number) => String(n).padStart(2, "0");
    return { date: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`, time: `${p(d.getHours())}:${p(d.getMinutes())}` };
  });
  await page.getByRole("button", { name: "Add a follow-up" }).click();
  const form = page.getByRole("form", { name: "Add a follow-up" });
  await form.getByRole("combobox", { name: "Kind" }).selectOption({ label: "Appointment" });
  await form.getByRole("textbox", { name: "What is to be done" }).fill("Audiology appointment for a new hearing aid");
  await form.getByLabel("Due", { exact: true }).fill(due.date);
  await form.getByLabel("Time (optional)").fill(due.time);
  await form.getByRole("button", { name: "Add the follow-up" }).click();
  await expect(form).toBeHidden();
  const reminders = page.getByRole("status", { name: "Reminders" });
  await expect(reminders).toBeEmpty();
  await synced(page);
  await myDay(page).click();
  const row = dayRow(page, "Hearing aid lost");
  await expect(row).toContainText("not yet acknowledged");
  await expect(row).not.toHaveClass(/overdue/);

  // Four hours and a minute later, with nobody's answer.
  await page.clock.fastForward("04:01:00");
  await expect(row).toContainText("not acknowledged, overdue");
  await expect(row).toHaveClass(/overdue/);

  // The follow-up's time came meanwhile: a reminder, which completes nothing.
  await expect(reminders).toContainText("Due now: Audiology appointment for a new hearing aid");
  await reminders.getByRole("button", { name: /^Dismiss/ }).click();
  await expect(reminders).toBeEmpty();
  await expect(dayRow(page, "Audiology appointment")).toContainText("Overdue since");
});
