import { Locator, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, goOffline, openCase, signIn, waitForServiceWorker } from "./fixtures";

// What a new coordinator meets first: a form saved too early. Each message
// must sit under its own field, be read out with it, and the summary at the
// top must take them there. Tried at tablet portrait and phone widths.
test.use({ viewport: { width: 768, height: 1024 } });

async function start(page: Page, context: import("@playwright/test").BrowserContext) {
  await page.goto("/cases");
  const who = await signIn(page);
  await waitForServiceWorker(page);
  await goOffline(page, context);
  return who;
}

/** No accessibility rule broken on the page as it is now. */
async function expectAxeClean(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).analyze();
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found, `axe on ${what}`).toEqual([]);
}

/**
 * Every control the form marks invalid: its message is the element its
 * aria-describedby names, inside the same field cell, under the control and
 * within the cell's width. Returns the messages in page order.
 */
async function invalidFields(form: Locator): Promise<string[]> {
  const controls = form.locator('[aria-invalid="true"]');
  const n = await controls.count();
  const messages: string[] = [];
  for (let i = 0; i < n; i++) {
    const control = controls.nth(i);
    const describedBy = await control.getAttribute("aria-describedby");
    expect(describedBy, "an invalid control names its message").toBeTruthy();
    const message = form.page().locator(`[id="${describedBy}"]`);
    await expect(message).toHaveCount(1);
    const text = (await message.textContent())!.trim();
    expect(text.length).toBeGreaterThan(0);
    // The message and the control share one field cell.
    const sameCell = await control.evaluate((c, id) => {
      const cell = c.closest(".field, fieldset");
      return !!cell && cell.contains(document.getElementById(id));
    }, describedBy!);
    expect(sameCell, `“${text}” is inside its field's cell`).toBe(true);
    const cell = control.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' field ') or self::fieldset][1]");
    const [c, m, box] = [await control.boundingBox(), await message.boundingBox(), await cell.boundingBox()];
    expect(m!.y, `“${text}” is under its control`).toBeGreaterThanOrEqual(c!.y + c!.height - 1);
    expect(m!.x).toBeGreaterThanOrEqual(box!.x - 1);
    expect(m!.x + m!.width, `“${text}” stays in its cell's width`).toBeLessThanOrEqual(box!.x + box!.width + 1);
    // Read out with the control: its accessible description is the message.
    expect(await control.evaluate((e) => e.getAttribute("aria-describedby"))).toBe(describedBy);
    messages.push(text);
  }
  return messages;
}

for (const [name, viewport] of [
  ["tablet", { width: 768, height: 1024 }],
  ["phone", { width: 390, height: 844 }],
] as const) {
  test(`an empty New case form puts each message under its field (${name})`, async ({ page, context }) => {
    await page.setViewportSize(viewport);
    await start(page, context);
    await page.getByRole("link", { name: "New case" }).click();
    const form = page.getByRole("form", { name: "New case" });
    const patient = form.getByRole("textbox", { name: "Patient name" });
    const mrn = form.getByRole("textbox", { name: "MRN" });
    await form.getByRole("button", { name: "Save case" }).click();

    // The summary is at the top, announced, and focus goes to the first field at fault.
    const summary = form.getByRole("alert");
    await expect(summary).toContainText("Please fix the fields marked below");
    await expect(patient).toBeFocused();
    expect((await summary.boundingBox())!.y + (await summary.boundingBox())!.height).toBeLessThanOrEqual(
      (await patient.boundingBox())!.y
    );
    await expect(summary.getByRole("link")).toHaveText([
      "Patient name is required.",
      "Choose what kind of case this is.",
      "Description is required.",
    ]);

    expect(await invalidFields(form)).toEqual([
      "Patient name is required.",
      "Choose what kind of case this is.",
      "Description is required.",
    ]);
    await expect(form.getByRole("combobox", { name: "Kind of case" })).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByRole("textbox", { name: "What is it about?" })).toHaveAttribute("aria-invalid", "true");
    await expect(mrn).not.toHaveAttribute("aria-invalid", "true");
    await expect(patient).toHaveAccessibleDescription("Patient name is required.");
    // MRN is not pushed out of its place by someone else's message.
    const mrnBox = (await mrn.boundingBox())!;
    if (name === "tablet") {
      expect(Math.abs(mrnBox.y - (await patient.boundingBox())!.y), "MRN stays beside Patient name").toBeLessThan(2);
    } else {
      // One column: MRN comes after Patient name's message, not between it and its field.
      const message = (await form.locator(".field-error").first().boundingBox())!;
      expect(mrnBox.y).toBeGreaterThan(message.y + message.height);
    }

    // A link in the summary takes focus to its field.
    await summary.getByRole("link", { name: "Choose what kind of case this is." }).click();
    await expect(form.getByRole("combobox", { name: "Kind of case" })).toBeFocused();
    await expectAxeClean(page, `New case with problems (${name})`);

    // Fixing one field clears its mark at the next save, and what was typed stays.
    await patient.fill("Ines Duarte");
    await form.getByRole("button", { name: "Save case" }).click();
    await expect(patient).not.toHaveAttribute("aria-invalid", "true");
    await expect(form.getByRole("combobox", { name: "Kind of case" })).toBeFocused();
    await expect(patient).toHaveValue("Ines Duarte");
    expect(await invalidFields(form)).toEqual(["Choose what kind of case this is.", "Description is required."]);
  });
}

test("the quick log marks its fields the same way and opens a folded field at fault", async ({ page, context }) => {
  await start(page, context);
  await openCase(page, { patient: "Farah Nadeem", unit: "5 North", kind: "Concern", about: "Asks about visiting hours" });
  const form = page.getByRole("form", { name: "Log an interaction" });
  await form.getByRole("button", { name: "Save log" }).click();
  const text = form.getByRole("textbox", { name: "What was said" });
  await expect(text).toBeFocused();
  await expect(form.getByRole("alert")).toContainText("Please fix the fields marked below");
  expect(await invalidFields(form)).toEqual(["What was said is required."]);

  // A field folded under "Time, outcome, follow-up" is opened and focused.
  await text.fill("Explained the visiting hours");
  await form.getByText("Time, outcome, follow-up").click();
  await form.getByRole("spinbutton", { name: "Duration (minutes)" }).fill("5000");
  await form.getByText("Time, outcome, follow-up").click();
  await expect(form.getByRole("spinbutton", { name: "Duration (minutes)" })).toBeHidden();
  await form.getByRole("button", { name: "Save log" }).click();
  const duration = form.getByRole("spinbutton", { name: "Duration (minutes)" });
  await expect(duration).toBeFocused();
  await expect(text).not.toHaveAttribute("aria-invalid", "true");
  expect(await invalidFields(form)).toEqual(["Duration must be a number of minutes, at most 1440."]);
  await expectAxeClean(page, "quick log with a problem");

  await duration.fill("15");
  await form.getByRole("button", { name: "Save log" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved on this device");
  await expect(form.getByRole("alert")).toHaveCount(0);
});

test("changing status starts with no choice and never offers the status the case is in", async ({ page, context }) => {
  await start(page, context);
  await openCase(page, { patient: "Tomas Reyes", unit: "5 North", kind: "Complaint", about: "Meals arrive cold" });
  const form = page.getByRole("form", { name: "Change status" });
  const select = form.getByRole("combobox", { name: "New status" });
  await expect(select).toHaveValue("");
  await expect(select.locator("option")).not.toContainText(["Open"]);
  await form.getByRole("button", { name: "Change status" }).click();
  await expect(select).toBeFocused();
  expect(await invalidFields(form)).toEqual(["Choose the new status."]);
  await expect(page.getByTestId("case-status")).toHaveText("Open");

  await select.selectOption({ label: "In progress" });
  await form.getByRole("button", { name: "Change status" }).click();
  await expect(page.getByTestId("case-status")).toHaveText("In progress");
  const again = page.getByRole("form", { name: "Change status" }).getByRole("combobox", { name: "New status" });
  await expect(again).toHaveValue("");
  await expect(again.locator("option", { hasText: "In progress" })).toHaveCount(0);
});

test("the timeline shows dates as people read them, and the checklist template is chosen and shown", async ({ page, context }) => {
  await start(page, context);
  await openCase(page, { patient: "Olu Adeyemi", unit: "5 North", kind: "Concern", about: "Worried about going home" });
  const leaves = new Date();
  leaves.setDate(leaves.getDate() + 3);
  const iso = `${leaves.getFullYear()}-${String(leaves.getMonth() + 1).padStart(2, "0")}-${String(leaves.getDate()).padStart(2, "0")}`;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const shown = `${leaves.getDate()} ${months[leaves.getMonth()]} ${leaves.getFullYear()}`;
  const plan = page.getByRole("form", { name: "Expected discharge" });
  await plan.getByLabel("Expected discharge date").fill(iso);
  await plan.getByRole("combobox", { name: "Destination" }).selectOption({ label: "Home" });
  await plan.getByRole("button", { name: "Save plan" }).click();
  const timeline = page.getByRole("region", { name: "Timeline" });
  await expect(timeline).toContainText(`Changed the discharge plan from none to “${shown}`);
  await expect(timeline).not.toContainText(iso);

  // Saving the same plan again is a problem on the date field, not a silent no-op.
  await plan.getByRole("button", { name: "Save plan" }).click();
  expect(await invalidFields(plan)).toEqual(["Nothing changed: change the date or the destination first."]);

  const starting = page.getByRole("form", { name: "Start a checklist" });
  const template = starting.getByRole("combobox", { name: "Checklist template" });
  await expect(template).not.toHaveValue("");
  const chosen = await template.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent ?? "");
  expect(chosen).toMatch(/\(version \d+\)/);
  await starting.getByRole("button", { name: "Start checklist" }).click();
  await expect(page.getByTestId("checklist").getByRole("heading", { level: 3 })).toHaveText(chosen.replace(/ \(version \d+\)$/, ""));
});
