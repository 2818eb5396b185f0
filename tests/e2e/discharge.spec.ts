import { Browser, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, expectPdfs, expectTouchFriendly, goOffline, newUser, openCase, signIn, synced, tablet as tabletAt, waitForServiceWorker } from "./fixtures";

// Discharge planning on two tablets against the real server: a checklist
// started and ticked offline, a second coordinator's ticks merging, a tick
// that crosses, the Discharges view and the patient's printed sheet.

const CMS = "Discharge planning checklist (patient and caregiver)";
const MEDICINES = "You have a complete list of your medicines, with what is new, changed or stopped";
const FACILITY = "If you go to a facility, you were given choices and one was chosen";
const WARNING = "You know the warning signs and whom to call about them";
const WRITTEN = "You have written information about your condition";
const EQUIPMENT = "Medical equipment you need is ordered and its delivery arranged";
const NOTE = "Daughter disputes the bill: do not discuss with patient";
const REASON = "Going home with services, not to a facility";
const MEDICINES_ES = "Usted tiene una lista completa de sus medicamentos";
const WARNING_ES = "Usted conoce las señales de alerta y sabe a quién llamar si aparecen";

function base(): string {
  return test.info().project.use.baseURL as string;
}

const tablet = (browser: Browser, errors: string[]) => tabletAt(browser, errors, base());

function item(page: Page, text: string) {
  return page.getByRole("listitem", { name: text, exact: true });
}

async function tick(page: Page, text: string) {
  await page.getByRole("button", { name: `Done: ${text}`, exact: true }).click();
  await expect(item(page, text).getByTestId("item-state")).toHaveText(/^Done · /);
}

async function notApplicable(page: Page, text: string, reason: string) {
  await page.getByRole("button", { name: `Not applicable: ${text}`, exact: true }).click();
  const form = item(page, text).getByRole("form", { name: /does not apply/ });
  await form.getByRole("textbox", { name: "Why does it not apply?" }).fill(reason);
  await form.getByRole("button", { name: "Mark not applicable" }).click();
  await expect(item(page, text).getByTestId("item-state")).toHaveText(new RegExp(`^Not applicable: ${reason}`));
}

async function localToday(page: Page): Promise<string> {
  return page.evaluate(() => new Date().toLocaleDateString("en-CA"));
}

test("a checklist started offline, ticked by two coordinators, crossing ticks shown and settled, then the Discharges view and the patient's sheet", async ({ browser }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  // A unit of this run's own, so a repeated run does not list two Walter Browns.
  const unit = `5 North ${Date.now().toString(36)}`;
  const ana = await newUser(base(), { units: [unit], prefix: "ana" });
  const ben = await newUser(base(), { units: [unit], prefix: "ben" });
  const [ctxA, a] = await tablet(browser, errors);
  const [ctxB, b] = await tablet(browser, errors);

  // Ana opens the case online; Ben's tablet receives it.
  await a.goto("/cases");
  await signIn(a, ana);
  await waitForServiceWorker(a);
  await openCase(a, {
    patient: "Walter Brown",
    unit,
    language: "Spanish",
    kind: "Discharge planning",
    about: "Going home Friday; daughter worried about medicines.",
  });
  await synced(a);
  const caseUrl = new URL(a.url()).pathname;

  await b.goto("/cases");
  await signIn(b, ben);
  await waitForServiceWorker(b);
  await synced(b);

  // Offline: the plan, a checklist from the default template, ticks.
  await ctxA.setOffline(true);
  const today = await localToday(a);
  const plan = a.getByRole("form", { name: "Expected discharge" });
  await plan.getByLabel("Expected discharge date").fill(today);
  await plan.getByRole("combobox", { name: "Destination" }).selectOption({ label: "Home with home-health services" });
  await plan.getByRole("button", { name: "Save plan" }).click();
  const start = a.getByRole("form", { name: "Start a checklist" });
  await start.getByRole("combobox", { name: "Checklist template" }).selectOption({ label: `${CMS} (version 1)` });
  await start.getByRole("button", { name: "Start checklist" }).click();
  await expect(a.getByTestId("discharge-progress")).toHaveText("0 of 20, 6 required items left");

  await tick(a, MEDICINES);
  await notApplicable(a, FACILITY, REASON);
  // A note for the care team only.
  await item(a, EQUIPMENT).getByText("Who, when, note").click();
  const details = item(a, EQUIPMENT).getByRole("form", { name: /^Details: / });
  await details.getByRole("textbox", { name: "Note for the care team (not printed)" }).fill(NOTE);
  await details.getByRole("combobox", { name: "Who sees to it" }).selectOption({ label: "Case management" });
  await details.getByRole("button", { name: "Save details" }).click();
  await expect(item(a, EQUIPMENT).getByText(`Note: ${NOTE}`)).toBeVisible();
  await expect(a.getByTestId("discharge-progress")).toHaveText("2 of 20, 5 required items left");

  // Reloaded with no network, everything is still there.
  await a.reload();
  await expect(a.getByRole("heading", { level: 1, name: "Walter Brown" })).toBeVisible();
  await expect(a.getByTestId("discharge-progress")).toHaveText("2 of 20, 5 required items left");
  await expect(item(a, MEDICINES).getByTestId("item-state")).toHaveText(/^Done · ana/);
  await expect(item(a, FACILITY).getByTestId("item-state")).toHaveText(new RegExp(`^Not applicable: ${REASON}`));
  await expect(a.getByRole("status", { name: "Sync" })).toContainText("to send");

  await ctxA.setOffline(false);
  await synced(a);

  // Ben gets the checklist, ticks another item offline while Ana ticks a
  // third online; both keep their ticks.
  await b.goto(caseUrl);
  await synced(b);
  await expect(b.getByTestId("discharge-progress")).toHaveText("2 of 20, 5 required items left");
  await ctxB.setOffline(true);
  await tick(b, WARNING);
  await tick(a, WRITTEN);
  await synced(a);
  await ctxB.setOffline(false);
  await synced(b);
  await expect(b.getByTestId("discharge-progress")).toHaveText("4 of 20, 4 required items left");
  await a.reload();
  await synced(a);
  await expect(a.getByTestId("discharge-progress")).toHaveText("4 of 20, 4 required items left");
  await expect(item(a, WARNING).getByTestId("item-state")).toHaveText(/^Done · ben/);
  await expect(item(b, WRITTEN).getByTestId("item-state")).toHaveText(/^Done · ana/);

  // The same item, both offline: one value stands, the crossing is shown.
  const CROSS = "Help with bathing, dressing, eating and using the toilet is arranged";
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await tick(a, CROSS);
  await notApplicable(b, CROSS, "Independent at home");
  await ctxA.setOffline(false);
  await synced(a);
  await ctxB.setOffline(false);
  await synced(b);
  await a.reload();
  await synced(a);
  for (const p of [a, b]) {
    await expect(p.getByTestId("item-conflict")).toHaveCount(1);
    await expect(p.getByTestId("item-conflict")).toContainText(CROSS);
  }
  const shown = await item(a, CROSS).getByTestId("item-state").textContent();
  await expect(item(b, CROSS).getByTestId("item-state")).toHaveText(shown!);
  // Ana decides: the value that was overwritten comes back everywhere.
  await a.getByTestId("item-conflict").getByRole("button", { name: /^Use / }).click();
  await expect(a.getByTestId("item-conflict")).toHaveCount(0);
  await synced(a);
  await b.reload();
  await synced(b);
  await expect(b.getByTestId("item-conflict")).toHaveCount(0);
  await expect(item(b, CROSS).getByTestId("item-state")).not.toHaveText(shown!);
  await expect(b.getByTestId("discharge-progress")).toHaveText("5 of 20, 4 required items left");

  // The case list and the Discharges view: leaving today, required items open.
  await a.getByRole("link", { name: "Cases", exact: true }).click();
  await expect(a.getByTestId("row-discharge")).toContainText("checklist 5 of 20, 4 required items left");
  await a.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Discharges" }).click();
  const todayGroup = a.getByRole("region", { name: "Today" });
  await expect(todayGroup.getByRole("heading", { name: "Today (1)" })).toBeVisible();
  await expect(todayGroup.getByTestId("leaving")).toContainText("Walter Brown");
  await expect(todayGroup.getByTestId("leaving")).toContainText("Needs attention");
  await expect(todayGroup.getByTestId("leaving")).toContainText("Home with home-health services");
  await expectTouchFriendly(a, "Discharges, tablet");
  await a.setViewportSize({ width: 390, height: 844 });
  await expectTouchFriendly(a, "Discharges, phone");
  await a.goto(caseUrl);
  await expect(a.getByTestId("discharge-progress")).toHaveText("5 of 20, 4 required items left");
  await item(a, MEDICINES).getByText("Who, when, note").click();
  await expectTouchFriendly(a, "case with a checklist, phone");
  await a.setViewportSize({ width: 768, height: 1024 });
  await expectTouchFriendly(a, "case with a checklist, tablet");

  // The patient's sheet: she prefers Spanish, so it is printed in Spanish,
  // the English sheet one tap away.
  await a.goto(caseUrl);
  await a.getByRole("link", { name: "Print for the patient" }).click();
  const hoja = a.getByRole("article", { name: "Su plan para salir del hospital" });
  await expect(hoja).toBeVisible();
  await expect(hoja).toHaveAttribute("lang", "es");
  await expect(hoja).toContainText("Para Walter Brown");
  await expect(hoja).toContainText(MEDICINES_ES);
  await expect(hoja).toContainText(WARNING_ES);
  await expect(hoja).toContainText("Quién le ayuda: El farmacéutico");
  await expect(hoja).toContainText("No aplica en su caso");
  await expect(hoja).toContainText("Está previsto que salga del hospital el");
  const spanish = await hoja.innerText();
  expect(spanish, "no promise of a sheet it already is").not.toContain("esta hoja en español");
  expect(spanish).not.toContain("Ask us for this sheet");
  expect(spanish).not.toContain(NOTE);
  expect(spanish).not.toContain(REASON);
  await expectTouchFriendly(a, "patient's sheet in Spanish");
  await a.emulateMedia({ media: "print" });
  await expect(a.getByRole("button", { name: "Print in English" })).toBeHidden();
  await expectPdfs(a, ["Su plan para salir del hospital", "Walter Brown", "lista completa de sus medicamentos", "Quién le ayuda"], [
    NOTE.slice(0, 20),
    REASON.slice(0, 20),
    "Advocase",
    "Your plan",
  ]);
  await a.emulateMedia({ media: "screen" });
  await a.getByRole("button", { name: "Print in English" }).click();
  const sheet = a.getByRole("article", { name: "Your plan for leaving the hospital" });
  await expect(sheet).toBeVisible();
  await expectTouchFriendly(a, "patient's sheet");
  await expect(sheet).toContainText(MEDICINES);
  await expect(sheet).toContainText(WARNING);
  await expect(sheet).toContainText("Who helps: The pharmacist");
  await expect(sheet).toContainText("Does not apply to you");
  await expect(a.getByTestId("sheet-language")).toContainText("Your preferred language: Spanish");
  await expect(a.getByTestId("sheet-language")).toContainText("Pídanos esta hoja en español.");
  await expect(a.getByRole("button", { name: "Imprimir en español" })).toBeVisible();
  const text = await sheet.innerText();
  expect(text).not.toContain(NOTE);
  expect(text).not.toContain(REASON);
  expect(text).not.toContain(ana);
  const fontPx = await sheet.locator(".sheet-text").first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(fontPx).toBeGreaterThanOrEqual(18);

  // On paper: nothing of the app around it.
  await a.emulateMedia({ media: "print" });
  await expect(a.getByRole("navigation", { name: "Main" })).toBeHidden();
  await expect(a.getByRole("button", { name: "Print", exact: true })).toBeHidden();
  await expect(sheet).toBeVisible();
  await a.screenshot({ path: test.info().outputPath("sheet-print.png"), fullPage: true });

  await expectPdfs(a, ["Your plan for leaving the hospital", "Walter Brown", "Your preferred language: Spanish", "complete list of your medicines"], [
    "Daughter disputes",
    "Going home with services, not",
    "Advocase",
    "Synced",
  ]);
  await a.emulateMedia({ media: "screen" });

  // A note being typed is not wiped when the same item is ticked, here or
  // by sync; it is saved with "Save details".
  const DIET = "You were given instructions for diet and activity";
  await a.goto(caseUrl);
  await item(a, DIET).getByText("Who, when, note").click();
  const dietNote = item(a, DIET).getByRole("textbox", { name: "Note for the care team (not printed)" });
  await dietNote.fill("Ask the dietitian about low-salt meals");
  await tick(a, DIET);
  await expect(dietNote).toHaveValue("Ask the dietitian about low-salt meals");
  await item(a, DIET).getByRole("button", { name: "Save details" }).click();
  await expect(item(a, DIET).getByText("Note: Ask the dietitian about low-salt meals")).toBeVisible();
  await expect(item(a, DIET).getByTestId("item-state")).toHaveText(/^Done · /);

  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});

test("a manager edits a template: the new version is offered, checklists already started keep their items, and an offline save keeps the draft", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const coordinator = await newUser(base(), { units: ["6 East"], prefix: "cora" });
  const manager = await newUser(base(), { role: "manager", prefix: "mona" });
  const [ctxC, c] = await tablet(browser, errors);
  const [ctxM, m] = await tablet(browser, errors);

  // The coordinator starts the RED checklist (version 1) on a case. This
  // edits the shared RED template, so it expects the fresh database that
  // playwright.config.ts gives every run.
  await c.goto("/cases");
  await signIn(c, coordinator);
  await waitForServiceWorker(c);
  await openCase(c, { patient: "Ida Novak", unit: "6 East", kind: "Discharge planning", about: "Plan for discharge to rehabilitation." });
  const caseUrl = new URL(c.url()).pathname;
  const start = c.getByRole("form", { name: "Start a checklist" });
  const red = await start.getByRole("combobox", { name: "Checklist template" }).locator("option", { hasText: /^Re-Engineered/ }).textContent();
  expect(red).toMatch(/\(version 1\)$/);
  await start.getByRole("combobox", { name: "Checklist template" }).selectOption({ label: red! });
  await start.getByRole("button", { name: "Start checklist" }).click();
  await expect(c.getByTestId("checklist-progress")).toHaveText("0 of 12, 7 required items left · template version 1");
  await synced(c);

  // The manager rewords the first item and adds one.
  await m.goto("/cases");
  await signIn(m, manager);
  await waitForServiceWorker(m);
  await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Discharges" }).click();
  await m.getByRole("link", { name: "Checklist templates" }).click();
  const name = red!.replace(/ \(version 1\)$/, "");
  await m.getByRole("button", { name: `Edit ${name}` }).click();
  // The editor is drawn by the server (a desk page).
  const editor = m.getByRole("form", { name: "Template" });
  await expect(editor.getByRole("heading", { name: `Edit “${name}” (version 1)` })).toBeVisible();
  await expectTouchFriendly(m, "template editor");
  await editor.getByRole("textbox", { name: "Section 1, item 1", exact: true }).fill("Book a professional interpreter for every teaching session");
  await editor.getByRole("button", { name: "Add an item to section 1" }).click();
  const added = editor.getByRole("textbox", { name: "Section 1, item 13", exact: true });
  await expect(added).toBeFocused();
  // Saved blank, it is refused at the field: summed up, focused, axe clean.
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(editor.getByRole("alert").filter({ hasText: "Section 1, item 13:" })).toBeVisible();
  await expect(added).toBeFocused();
  await expect(added).toHaveAttribute("aria-invalid", "true");
  const editorAxe = await new AxeBuilder({ page: m }).analyze();
  expect(editorAxe.violations.map((v) => v.id), "axe on the template editor").toEqual([]);
  await expect(editor.getByRole("textbox", { name: "Section 1, item 1", exact: true })).toHaveValue("Book a professional interpreter for every teaching session");
  // A section added, then removed once confirmed.
  await editor.getByRole("button", { name: "Add a section" }).click();
  await expect(editor.getByRole("textbox", { name: "Section 2 title" })).toBeFocused();
  m.once("dialog", (d) => d.accept());
  await editor.getByRole("button", { name: "Remove section 2", exact: true }).click();
  await expect(editor.getByRole("textbox", { name: "Section 2 title" })).toHaveCount(0);
  await added.fill("Check the patient can reach the pharmacy");
  await editor.getByRole("group", { name: "Section 1, item 13" }).getByRole("checkbox", { name: "Required" }).check();

  // Offline, the save is refused in words and the draft survives a reload.
  await goOffline(m, ctxM);
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(editor.getByRole("alert")).toContainText("Your draft stays on this device");
  await m.reload();
  await expect(m.getByText("Your unsaved template is back")).toBeVisible();
  await expect(editor.getByRole("textbox", { name: "Section 1, item 13", exact: true })).toHaveValue("Check the patient can reach the pharmacy");
  await expect(editor.getByRole("group", { name: "Section 1, item 13" }).getByRole("checkbox", { name: "Required" })).toBeChecked();
  // Opening another template offline says it needs the server; the draft
  // is only dropped once confirmed.
  m.once("dialog", (d) => d.dismiss());
  await m.getByRole("button", { name: "New template" }).click();
  await expect(editor.getByRole("textbox", { name: "Section 1, item 13", exact: true })).toHaveValue("Check the patient can reach the pharmacy");
  await ctxM.setOffline(false);
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(m.getByRole("status").filter({ hasText: "Saved version 2" })).toBeVisible();
  await expect(m.getByTestId("template").filter({ hasText: name })).toContainText("Version 2 · 1 section, 13 items, 8 required");
  // Saved, the draft is gone: a reload shows the list alone.
  await m.reload();
  await expect(m.getByTestId("template").filter({ hasText: name })).toContainText("Version 2 · 1 section, 13 items, 8 required");
  await expect(m.getByText("Your unsaved template is back")).toHaveCount(0);
  await expect(editor).toHaveCount(0);

  // The coordinator's started checklist keeps version 1's items; a new
  // case offers version 2 once synced.
  await c.reload();
  await synced(c);
  await expect(c.getByTestId("checklist-progress")).toHaveText("0 of 12, 7 required items left · template version 1");
  await expect(c.getByText("Book a professional interpreter")).toHaveCount(0);
  await c.getByRole("link", { name: "Cases", exact: true }).click();
  await openCase(c, { patient: "Omar Haddad", unit: "6 East", kind: "Discharge planning", about: "Discharge home." });
  const start2 = c.getByRole("form", { name: "Start a checklist" });
  await start2.getByRole("combobox", { name: "Checklist template" }).selectOption({ label: `${name} (version 2)` });
  await start2.getByRole("button", { name: "Start checklist" }).click();
  await expect(c.getByTestId("checklist-progress")).toHaveText("0 of 13, 8 required items left · template version 2");
  await expect(item(c, "Book a professional interpreter for every teaching session")).toBeVisible();

  // Coordinators see templates but cannot edit them.
  await c.goto("/templates");
  await expect(c.getByTestId("template").first()).toBeVisible();
  await expect(c.getByRole("button", { name: /^Edit / })).toHaveCount(0);
  await c.goto(caseUrl);

  expect(errors).toEqual([]);
  await ctxC.close();
  await ctxM.close();
});
