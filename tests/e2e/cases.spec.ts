import { Page } from "@playwright/test";
import { test, expect, expectAppStarted, goOffline, signIn, waitForServiceWorker } from "./fixtures";

// The coordinator's day on a tablet with the Wi-Fi off: everything below
// happens with the network offline after the first load.
test.use({ viewport: { width: 768, height: 1024 } });

async function startOffline(page: Page, context: import("@playwright/test").BrowserContext): Promise<string> {
  // Signing in needs the network once; the rest of the shift does not.
  await page.goto("/cases");
  const who = await signIn(page);
  await waitForServiceWorker(page);
  await goOffline(page, context);
  return who;
}

async function quickLog(page: Page, patient: string, channel: string, party: string, text: string) {
  await page.getByRole("button", { name: `Log interaction for ${patient}` }).click();
  const form = page.getByRole("form", { name: "Log an interaction" });
  await form.getByRole("group", { name: "How" }).getByRole("radio", { name: channel, exact: true }).check();
  await form.getByRole("group", { name: "With" }).getByRole("radio", { name: party, exact: true }).check();
  await form.getByRole("textbox", { name: "What was said" }).fill(text);
  await form.getByRole("button", { name: "Save log" }).click();
  await expect(form).toHaveCount(0);
}

test("a case is opened, logged, corrected and resolved offline, and survives a reload", async ({ page, context }, testInfo) => {
  const who = await startOffline(page, context);
  await expect(page.getByText("No cases on this device yet.")).toBeVisible();

  // Open a grievance: only the required fields, on one screen.
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill("Rosa Martinez");
  await page.getByRole("textbox", { name: "MRN" }).fill("MRN-77821");
  await page.getByRole("textbox", { name: "Unit" }).fill("4 West");
  await page.getByRole("textbox", { name: "Room / bed" }).fill("412-B");
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Grievance" });
  await page.getByRole("combobox", { name: "Category" }).selectOption({ label: "Communication" });
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Family says the discharge date changed without explanation.");
  const saveCase = page.getByRole("button", { name: "Save case" });
  const box = (await saveCase.boundingBox())!;
  expect(box.y + box.height, "required fields and Save fit a tablet screen").toBeLessThanOrEqual(1024);
  await saveCase.click();

  await expect(page.getByRole("heading", { level: 1, name: "Rosa Martinez" })).toBeVisible();
  await expect(page.getByTestId("case-status")).toHaveText("Open");
  await expect(page.getByText(/Response due .* — 7 days left/)).toBeVisible();

  // Three interactions through quick log from the list: tap Log, choose, type, Save.
  await page.getByRole("link", { name: "All cases" }).click();
  await quickLog(page, "Rosa Martinez", "Phone call", "Family member or legal representative", "Daughter asked why the discharge date moved");
  await quickLog(page, "Rosa Martinez", "Bedside visit", "Patient", "Patient worried about wound-care at home");
  await quickLog(page, "Rosa Martinez", "Meeting", "Nurse", "Charge nurse will schedule teaching tomorrow");

  await page.getByRole("button", { name: "Log interaction for Rosa Martinez" }).click();
  await page.screenshot({ path: testInfo.outputPath("case-list-tablet.png"), fullPage: true });
  await page.getByRole("button", { name: "Log interaction for Rosa Martinez" }).click();

  // Correct one entry; the original stays in the history.
  await page.getByRole("link", { name: /Rosa Martinez/ }).click();
  await page.getByRole("button", { name: /Correct the entry “Daughter asked why/ }).click();
  const correction = page.getByRole("form", { name: "Correct this entry" });
  await correction.getByRole("textbox", { name: "What was said" }).fill("Son asked why the discharge date moved");
  await correction.getByRole("button", { name: "Save correction" }).click();
  const timeline = page.getByRole("region", { name: "Timeline" });
  await expect(timeline.getByText("Son asked why the discharge date moved")).toBeVisible();
  await expect(timeline.getByText("Corrected")).toBeVisible();
  await timeline.getByText("Earlier versions").click();
  await expect(timeline.getByText("Daughter asked why the discharge date moved")).toBeVisible();

  // Field edits and status changes land in the same timeline, with who and when.
  await page.getByRole("combobox", { name: "Priority" }).selectOption({ label: "High" });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(timeline.getByText("Changed the priority from “Medium” to “High”.")).toBeVisible();
  await page.getByRole("combobox", { name: "New status" }).selectOption({ label: "Waiting on someone" });
  await page.getByRole("textbox", { name: "Note (optional)" }).fill("Pharmacy to call back");
  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.getByTestId("case-status")).toHaveText("Waiting on someone");
  await expect(timeline.getByText("Status Open → Waiting on someone. Pharmacy to call back")).toBeVisible();

  // Resolve with a summary.
  await page.getByRole("textbox", { name: "Resolution summary" }).fill("Explained the new date; written plan given in Spanish.");
  await page.getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByTestId("case-status")).toHaveText("Resolved");

  await page.screenshot({ path: testInfo.outputPath("case-detail-tablet.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("case-detail-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });

  // Reload with the network still off: all of it is there.
  await page.reload();
  await expectAppStarted(page);
  await expect(page.getByRole("heading", { level: 1, name: "Rosa Martinez" })).toBeVisible();
  await expect(page.getByTestId("case-status")).toHaveText("Resolved");
  await expect(timeline.getByText("Son asked why the discharge date moved")).toBeVisible();
  await expect(timeline.getByText("Patient worried about wound-care at home")).toBeVisible();
  await expect(timeline.getByText("Charge nurse will schedule teaching tomorrow")).toBeVisible();
  await expect(timeline.getByText(/Resolved: Explained the new date/)).toBeVisible();
  await expect(timeline.getByText(who).first()).toBeVisible();

  // Search finds it by MRN and by a word from an interaction.
  await page.getByRole("link", { name: "All cases" }).click();
  const search = page.getByRole("searchbox", { name: "Search cases" });
  for (const q of ["MRN-77821", "wound-care", "ROSA"]) {
    await search.fill(q);
    await expect(page.getByRole("link", { name: /Rosa Martinez/ })).toBeVisible();
  }
  await search.fill("no such words anywhere");
  await expect(page.getByRole("link", { name: /Rosa Martinez/ })).toHaveCount(0);
  await expect(page.getByText("0 of 1 cases match")).toBeVisible();
});

test("a half-typed log and a half-filled new case survive a reload", async ({ page, context }) => {
  await startOffline(page, context);
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill("Wei Chen");
  await page.getByRole("textbox", { name: "MRN" }).fill("MRN-1");
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Concern" });
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Patient name" })).toHaveValue("Wei Chen");
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Cold meals");
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Wei Chen" })).toBeVisible();

  const log = page.getByRole("form", { name: "Log an interaction" });
  await log.getByRole("radio", { name: "Phone call" }).check();
  await log.getByRole("textbox", { name: "What was said" }).fill("Kitchen manager will call back about");
  await page.reload();
  await expect(log.getByRole("textbox", { name: "What was said" })).toHaveValue("Kitchen manager will call back about");
  await expect(log.getByRole("radio", { name: "Phone call" })).toBeChecked();
});

test("a form with problems shows every one of them and keeps what was typed", async ({ page, context }) => {
  await startOffline(page, context);
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "MRN" }).fill("MRN-9");
  await page.getByRole("button", { name: "Save case" }).click();
  // Each under its field (forms.spec.ts checks where), and listed at the top.
  await expect(page.getByRole("textbox", { name: "Patient name" })).toHaveAccessibleDescription("Patient name is required.");
  await expect(page.getByRole("combobox", { name: "Kind of case" })).toHaveAccessibleDescription("Choose what kind of case this is.");
  await expect(page.getByRole("textbox", { name: "What is it about?" })).toHaveAccessibleDescription("Description is required.");
  await expect(page.getByRole("alert").getByRole("link")).toHaveCount(3);
  await expect(page.getByRole("textbox", { name: "MRN" })).toHaveValue("MRN-9");
});

test("a damaged or tampered saved case fails its integrity check, is set aside as found and reported, the journal's copy restores it, the others load", async ({ page, context }) => {
  await startOffline(page, context);
  for (const [patient, about] of [["Olga Ivanova", "Noise at night"], ["Pavel Novak", "Lost glasses"]]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
    await page.getByRole("link", { name: "New case" }).click();
    await page.getByRole("textbox", { name: "Patient name" }).fill(patient);
    await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Concern" });
    await page.getByRole("textbox", { name: "What is it about?" }).fill(about);
    await page.getByRole("button", { name: "Save case" }).click();
    await expect(page.getByRole("heading", { level: 1, name: patient })).toBeVisible();
  }
  const id = new URL(page.url()).pathname.split("/").pop()!;

  // One changed character in Pavel's encrypted entry, as a failing disk or
  // someone editing the profile might leave it.
  const key = `advocase.case.${id}`;
  const damaged = await page.evaluate((key) => {
    const v = localStorage.getItem(key)!;
    const i = Math.floor(v.length / 2);
    const flipped = v.slice(0, i) + String.fromCharCode(v.charCodeAt(i) ^ 1) + v.slice(i + 1);
    localStorage.setItem(key, flipped);
    return flipped;
  }, key);
  await page.goto("/cases");
  await expect(page.getByRole("alert").filter({ hasText: "1 saved entry could not be read and was set aside." })).toBeVisible();
  await expect(page.getByRole("link", { name: /Olga Ivanova/ })).toBeVisible();
  // The journal's intact copy (IndexedDB) brings Pavel's case back; the
  // damaged one stays aside for IT.
  await expect(page.getByRole("link", { name: /Pavel Novak/ })).toBeVisible();
  await page.getByRole("link", { name: "See Settings" }).click();
  const aside = page.getByRole("region", { name: "Entries set aside" });
  await expect(aside.getByRole("listitem").filter({ hasText: `case.${id}` })).toContainText("failed its integrity check");
  const kept = await page.evaluate((key) => localStorage.getItem(key.replace("advocase.", "advocase.quarantine.")), key);
  expect(kept).toBe(damaged);
});

test("when the device's storage is full, saving says so and the form keeps its text", async ({ page, context }) => {
  await startOffline(page, context);
  await page.getByRole("link", { name: "New case" }).click();
  await page.getByRole("textbox", { name: "Patient name" }).fill("Kwame Mensah");
  await page.getByRole("combobox", { name: "Kind of case" }).selectOption({ label: "Complaint" });
  await page.getByRole("textbox", { name: "What is it about?" }).fill("Waited four hours for pain relief.");

  // Another tab or site data filled the quota.
  const fillers = await page.evaluate(() => {
    let n = 0;
    for (const size of [262144, 8192, 256, 16]) {
      const chunk = "x".repeat(size);
      for (;;) {
        try {
          localStorage.setItem(`filler-${n}`, chunk);
          n++;
        } catch {
          break;
        }
      }
    }
    return n;
  });
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "storage is full" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Patient name" })).toHaveValue("Kwame Mensah");
  await expect(page.getByRole("textbox", { name: "What is it about?" })).toHaveValue("Waited four hours for pain relief.");

  await page.evaluate((n) => { for (let i = 0; i < n; i++) localStorage.removeItem(`filler-${i}`); }, fillers);
  await page.getByRole("button", { name: "Save case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Kwame Mensah" })).toBeVisible();
});
