import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { Browser, Page } from "@playwright/test";
import {
  ADMIN,
  expect,
  expectTouchFriendly,
  freePort,
  goOffline,
  newUser,
  OwnServer,
  serverFetch,
  signIn,
  synced,
  tablet as tabletAt,
  test,
  tokenFor,
  waitForServiceWorker,
} from "./fixtures";

// Who knows what (issue 13): a hospital with two units and a few directory
// entries, on its own server (its structure must not reach other specs).
let server: OwnServer;
let dir: string;
const DANA = randomUUID();
const INTERPRETERS = randomUUID();
const today = new Date().toISOString().slice(0, 10);

async function api(path: string, method: string, body: unknown, token: string) {
  const res = await serverFetch(`${server.origin}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
  return res.json();
}

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "advocase-directory-"));
  server = new OwnServer(await freePort("ADVOCASE_E2E_DIRECTORY_PORT"), dir);
  await server.start();
  const admin = await tokenFor(server.origin, ADMIN.username, ADMIN.password);
  await api("/api/structure", "PUT", {
    version: 0,
    units: [
      { id: randomUUID(), name: "4 West", code: "4W", location: "Floor 4" },
      { id: randomUUID(), name: "5 North", code: "5N", location: "Floor 5" },
    ],
    departments: [{ id: randomUUID(), name: "Patient financial services" }],
  }, admin);
  const entries = [
    {
      id: DANA,
      kind: "person",
      name: "Dana Whitfield",
      title: "Billing specialist",
      department: "Patient financial services",
      phones: [{ number: "555 010 1234", kind: "extension", languages: [] }],
      hours: "Mon–Fri 8:00–16:30",
      topics: "billing disputes, payment plans",
      case_kinds: ["billing_insurance"],
      // Never verified: marked.
    },
    {
      id: INTERPRETERS,
      kind: "service",
      name: "Interpreter services",
      title: "Language line",
      phones: [{ number: "+1 555 010 9000", kind: "voice", languages: ["Spanish", "Tagalog"] }],
      topics: "interpreters, sign language, translated documents",
      verified_on: today,
      verified_by: "admin",
    },
  ];
  for (const entry of entries) await api("/api/directory", "POST", { base: 0, entry }, admin);
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const tablet = (browser: Browser, errors: string[]) => tabletAt(browser, errors, server.origin);

async function search(page: Page, words: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Directory" }).click();
  await page.getByRole("searchbox", { name: "Search the directory" }).fill(words);
}

test("offline, the directory is searched with typos, dials by tel: links and marks what nobody verified", async ({ browser }) => {
  const errors: string[] = [];
  const [context, page] = await tablet(browser, errors);
  await page.goto("/cases");
  await signIn(page, await newUser(server.origin, { units: ["4 West"], prefix: "ana" }));
  await waitForServiceWorker(page);
  await goOffline(page, context);
  await page.reload();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();

  await search(page, "biling dispute");
  const results = page.getByRole("list").filter({ has: page.getByRole("link", { name: "Dana Whitfield" }) });
  await expect(page.getByRole("status").filter({ hasText: "1 match." })).toBeVisible();
  const dana = results.getByRole("listitem").filter({ hasText: "Dana Whitfield" });
  await expect(dana.getByRole("link", { name: "555 010 1234" })).toHaveAttribute("href", "tel:5550101234");
  await expect(dana.getByText("Not verified in 180 days")).toBeVisible();

  await search(page, "spanish interpreter");
  const line = page.getByRole("listitem").filter({ hasText: "Interpreter services" });
  await expect(line.getByRole("link", { name: "+1 555 010 9000" })).toHaveAttribute("href", "tel:+15550109000");
  await expect(line).toContainText("Spanish, Tagalog");
  await expect(line.getByText("Not verified in 180 days")).toHaveCount(0);

  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => v.id), "axe on the directory").toEqual([]);
  await expectTouchFriendly(page, "directory");
  await line.getByRole("link", { name: "Interpreter services" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Interpreter services" })).toBeVisible();
  await expect(page.getByText("translated documents")).toBeVisible();
  const entryAxe = await new AxeBuilder({ page }).analyze();
  expect(entryAxe.violations.map((v) => v.id), "axe on an entry").toEqual([]);
  await context.close();
  expect(errors).toEqual([]);
});

test("a new case's unit is chosen, own units first, and reaches the colleague covering it by its code; Who can help? and the person contacted", async ({ browser }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  const ana = await newUser(server.origin, { units: ["4 West"], prefix: "ana" });
  // Ben's account names the unit by its code: the same unit to the rules.
  const ben = await newUser(server.origin, { units: ["5n"], prefix: "ben" });
  const [ctxA, a] = await tablet(browser, errors);
  const [ctxB, b] = await tablet(browser, errors);
  await a.goto("/cases");
  await signIn(a, ana);
  await synced(a);

  await a.getByRole("link", { name: "New case" }).click();
  const unit = a.getByRole("combobox", { name: "Unit" });
  await expect(unit.locator("optgroup").first()).toHaveAttribute("label", "Your units");
  await expect(unit.locator("optgroup[label='Your units'] option")).toHaveText(["4 West (4W) · Floor 4"]);
  await expect(unit.locator("optgroup[label='Other units'] option")).toHaveText(["5 North (5N) · Floor 5"]);
  await expect(a.getByRole("textbox", { name: "Unit" })).toHaveCount(0);
  await a.getByRole("textbox", { name: "Patient name" }).fill("Walter Osei");
  await unit.selectOption({ label: "5 North (5N) · Floor 5" });
  await a.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Billing / insurance" });
  await a.getByRole("textbox", { name: "What is it about?" }).fill("Charged twice for the same scan; wants a payment plan.");
  await a.getByRole("button", { name: "Save case" }).click();
  await expect(a.getByRole("heading", { level: 1, name: "Walter Osei" })).toBeVisible();

  const help = a.getByRole("region", { name: "Who can help?" });
  const first = help.getByRole("listitem").first();
  await expect(first.getByRole("link", { name: "Dana Whitfield" })).toBeVisible();
  await expect(first).toContainText("Handles billing / insurance cases");
  await expect(first.getByRole("link", { name: "555 010 1234" })).toHaveAttribute("href", "tel:5550101234");

  const log = a.getByRole("form", { name: "Log an interaction" });
  await log.getByRole("textbox", { name: "What was said" }).fill("Dana will reverse the duplicate charge.");
  await log.getByText("Time, outcome, follow-up").click();
  const contact = log.getByRole("combobox", { name: "Person contacted (from the directory)" });
  await contact.fill("Somebody Unknown");
  await log.getByRole("button", { name: "Save log" }).click();
  await expect(contact).toHaveAccessibleDescription("Choose the person contacted from the directory.");
  await contact.fill("Dana Whitfield");
  await log.getByRole("button", { name: "Save log" }).click();
  await expect(log.getByRole("status")).toHaveText("Saved on this device");
  await expect(a.getByText("(Dana Whitfield)")).toBeVisible();
  const axe = await new AxeBuilder({ page: a }).analyze();
  expect(axe.violations.map((v) => v.id), "axe on a case with Who can help?").toEqual([]);
  await synced(a);

  await b.goto("/cases");
  await signIn(b, ben);
  await synced(b);
  await b.getByRole("link", { name: /Walter Osei/ }).click();
  await expect(b.getByText("(Dana Whitfield)")).toBeVisible();
  await ctxA.close();
  await ctxB.close();
  expect(errors).toEqual([]);
});

test("a correction typed offline reaches the editors; a manager fixes the entry and accepts it; another tablet gets the new number; a clash between two editors shows both sides", async ({ browser }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  const [ctxA, a] = await tablet(browser, errors);
  const [ctxM, m] = await tablet(browser, errors);
  const [ctxC, c] = await tablet(browser, errors);
  await a.goto("/cases");
  const ana = await signIn(a, await newUser(server.origin, { units: ["4 West"], prefix: "ana" }));
  await waitForServiceWorker(a);
  await goOffline(a, ctxA);
  await search(a, "Dana");
  await a.getByRole("link", { name: "Dana Whitfield" }).click();
  const correct = a.getByRole("region", { name: "Suggest a correction" });
  await correct.getByRole("button", { name: "Send correction" }).click();
  await expect(correct.getByRole("textbox", { name: "What is wrong?" })).toHaveAttribute("aria-invalid", "true");
  await correct.getByRole("textbox", { name: "What is wrong?" }).fill("Her extension is 4412 since the move.");
  await correct.getByRole("button", { name: "Send correction" }).click();
  await expect(correct.getByRole("status")).toHaveText(/1 correction kept on this device/);
  // Kept across a reload while still offline.
  await a.reload();
  await search(a, "Dana");
  await a.getByRole("link", { name: "Dana Whitfield" }).click();
  await expect(a.getByRole("region", { name: "Suggest a correction" }).getByRole("status")).toHaveText(/1 correction kept on this device/);
  await ctxA.setOffline(false);
  await expect(a.getByRole("region", { name: "Suggest a correction" }).getByRole("status")).toHaveText("", { timeout: 20_000 });

  // A manager finds it among the corrections, in Ana's name, fixes the
  // number in the editor and accepts.
  await m.goto("/cases");
  await signIn(m, await newUser(server.origin, { role: "manager", prefix: "mona" }));
  await synced(m);
  await search(m, "");
  await m.getByRole("link", { name: "Corrections" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Corrections to the directory" })).toBeVisible();
  const row = m.getByRole("listitem").filter({ hasText: "Her extension is 4412 since the move." });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(ana);
  await expect(row.getByRole("link", { name: "Dana Whitfield" })).toBeVisible();
  const listAxe = await new AxeBuilder({ page: m }).analyze();
  expect(listAxe.violations.map((v) => v.id), "axe on the corrections").toEqual([]);
  await row.getByRole("link", { name: "Edit the entry" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Edit directory entry" })).toBeVisible();
  await m.getByRole("textbox", { name: "Number 1", exact: true }).fill("555 010 4412");
  const editAxe = await new AxeBuilder({ page: m }).analyze();
  expect(editAxe.violations.map((v) => v.id), "axe on the editor").toEqual([]);
  await expectTouchFriendly(m, "the directory's editor");
  await m.getByRole("button", { name: "Save entry" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Dana Whitfield" })).toBeVisible();
  await expect(m.getByRole("link", { name: "555 010 4412" })).toBeVisible();
  await m.goBack();
  await m.goBack();
  await m.getByRole("listitem").filter({ hasText: "Her extension is 4412" }).getByRole("button", { name: "Accept" }).click();
  await expect(m.getByRole("status").filter({ hasText: "No correction is waiting." })).toBeVisible();

  await c.goto("/cases");
  await signIn(c, await newUser(server.origin, { units: ["5 North"], prefix: "cy" }));
  await synced(c);
  await search(c, "Whitfield");
  await expect(c.getByRole("link", { name: "555 010 4412" })).toHaveAttribute("href", "tel:5550104412");
  // And Ana's tablet, at its next sync.
  await a.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Directory" }).click();
  await a.reload();
  await synced(a);
  await search(a, "Whitfield");
  await expect(a.getByRole("link", { name: "555 010 4412" })).toBeVisible();

  // A new entry refused: the problem under its field, which is focused,
  // and in the summary; what was typed stays.
  await m.goto("/directory/new");
  await expect(m.getByRole("heading", { level: 1, name: "New directory entry" })).toBeVisible();
  await m.getByRole("textbox", { name: "Number 1", exact: true }).fill("ext");
  await m.getByRole("button", { name: "Save entry" }).click();
  const name = m.getByRole("textbox", { name: "Name", exact: true });
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toBeFocused();
  await expect(m.getByRole("alert")).toContainText("The entry was not saved");
  await expect(m.getByRole("textbox", { name: "Number 1", exact: true })).toHaveValue("ext");
  const newAxe = await new AxeBuilder({ page: m }).analyze();
  expect(newAxe.violations.map((v) => v.id), "axe on the refused new entry").toEqual([]);

  // Another editor saves the hours and notes meanwhile (on the version
  // Mona's form was opened on); Mona's form changes the hours too.
  await m.goto(`/directory/${DANA}/edit`);
  await expect(m.getByRole("textbox", { name: "Hours" })).toBeVisible();
  const admin = await tokenFor(server.origin, ADMIN.username, ADMIN.password);
  const now = await (await serverFetch(`${server.origin}/api/directory?since=0`, { headers: { Authorization: `Bearer ${admin}` } })).json();
  const held = now.entries.find((e: any) => e.entry.id === DANA);
  await api("/api/directory", "POST", { base: held.version, entry: { ...held.entry, hours: "Mon–Thu 7:00–15:00", notes: "Covers the clinic too." } }, admin);
  await m.getByRole("textbox", { name: "Hours" }).fill("Mon–Fri 9:00–17:00");
  // Saving needs the server: offline, nothing is lost and it says so.
  await goOffline(m, ctxM);
  await m.getByRole("button", { name: "Save entry" }).click();
  await expect(m.getByRole("alert")).toContainText("nothing was saved, and what you typed is still here");
  await expect(m.getByRole("textbox", { name: "Hours" })).toHaveValue("Mon–Fri 9:00–17:00");
  await ctxM.setOffline(false);
  await m.getByRole("button", { name: "Save entry" }).click();
  const clash = m.getByRole("region", { name: /Saved meanwhile by admin/ });
  await expect(clash.getByRole("group", { name: "Hours" })).toBeVisible();
  await expect(clash.getByRole("radio", { name: "Theirs: Mon–Thu 7:00–15:00" })).toBeChecked();
  const clashAxe = await new AxeBuilder({ page: m }).analyze();
  expect(clashAxe.violations.map((v) => v.id), "axe on the clash").toEqual([]);
  await clash.getByRole("radio", { name: "Yours: Mon–Fri 9:00–17:00" }).check();
  await clash.getByRole("button", { name: "Save with these choices" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Dana Whitfield" })).toBeVisible();
  // Mine where chosen, theirs where only they changed, nothing lost.
  await expect(m.getByText("Mon–Fri 9:00–17:00")).toBeVisible();
  await expect(m.getByText("Covers the clinic too.")).toBeVisible();
  await expect(m.getByRole("link", { name: "555 010 4412" })).toBeVisible();
  // The entry shown is the device's copy, brought up to date by the save:
  // the same offline. The editor says it needs the connection.
  await waitForServiceWorker(m);
  await goOffline(m, ctxM);
  await m.reload();
  await expect(m.getByRole("heading", { level: 1, name: "Dana Whitfield" })).toBeVisible();
  await expect(m.getByText("Mon–Fri 9:00–17:00")).toBeVisible();
  await expect(m.getByText("Covers the clinic too.")).toBeVisible();
  await m.getByRole("link", { name: "Edit entry" }).click();
  await expect(m.getByRole("heading", { level: 1, name: "Edit directory entry" })).toBeVisible();
  await expect(m.getByRole("alert")).toContainText("Editing the directory needs the server");
  for (const ctx of [ctxA, ctxM, ctxC]) await ctx.close();
  // The clash is a page the server answers (200), not a refused save.
  expect(errors).toEqual([]);
});
