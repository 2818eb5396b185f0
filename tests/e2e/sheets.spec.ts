import AxeBuilder from "@axe-core/playwright";
import {
  ADMIN,
  test,
  expect,
  expectPdfs,
  expectTouchFriendly,
  goOffline,
  openCase,
  signIn,
  synced,
  tablet,
  waitForServiceWorker,
} from "./fixtures";

// "Your rights as a patient": an administrator enters the hospital's numbers
// once; a coordinator prints the sheet from a case, offline, in the
// patient's language, with the English one a tap away.

const STATE = { name: "State Department of Health, Complaints Unit", phone: "+1 (800) 555-0134" };
const QIO = { name: "Livanta BFCC-QIO", phone: "1-888-555-0172" };
const RELATIONS = "(555) 010-4400 ext 21";
// Eleven short sections in large type: a folded leaflet's worth, not a booklet.
const RIGHTS_PAGES = 6;

test("the rights sheet carries the hospital's numbers, in Spanish and in English, on screen and on paper", async ({ browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const base = test.info().project.use.baseURL as string;

  // The administrator: a wrong number is refused under its field, then saved.
  const [adminContext, admin] = await tablet(browser, errors, base);
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  const numbers = admin.getByRole("form", { name: "Hospital numbers" });
  await numbers.getByRole("textbox", { name: "State survey agency name" }).fill(STATE.name);
  const statePhone = numbers.getByRole("textbox", { name: "State survey agency phone" });
  await statePhone.fill("call us");
  await numbers.getByRole("textbox", { name: "Medicare QIO name (BFCC-QIO)" }).fill(QIO.name);
  await numbers.getByRole("textbox", { name: "Medicare QIO phone" }).fill(QIO.phone);
  await numbers.getByRole("textbox", { name: "Patient relations office phone" }).fill(RELATIONS);
  await numbers.getByRole("button", { name: "Save numbers" }).click();
  await expect(statePhone).toHaveAttribute("aria-invalid", "true");
  await expect(statePhone).toBeFocused();
  await expect(statePhone).toHaveAccessibleDescription(/State survey agency phone: /);
  await statePhone.fill(STATE.phone);
  await numbers.getByRole("button", { name: "Save numbers" }).click();
  await expect(numbers.getByRole("status")).toContainText("Saved");
  await expect(statePhone).not.toHaveAttribute("aria-invalid", "true");
  const axe = await new AxeBuilder({ page: admin }).analyze();
  expect(axe.violations.map((v) => v.id), "axe on Settings (administrator)").toEqual([]);
  await adminContext.close();

  // A coordinator, whose sign-in sync brings the numbers to the tablet.
  const [context, page] = await tablet(browser, errors, base);
  await page.goto("/cases");
  await signIn(page);
  await waitForServiceWorker(page);
  await synced(page);
  await goOffline(page, context);
  await openCase(page, { patient: "Lucía Fernández", unit: "6 South", kind: "Rights question", about: "Asks what she can do about the noise", language: "Spanish" });
  await page.getByRole("link", { name: "Print rights sheet" }).click();

  const hoja = page.getByRole("article", { name: "Sus derechos como paciente" });
  await expect(hoja).toBeVisible();
  await expect(hoja).toHaveAttribute("lang", "es");
  await expect(hoja).toContainText("Para Lucía Fernández");
  for (const t of [STATE.name, STATE.phone, QIO.name, QIO.phone, RELATIONS, "42 CFR 482.13", "7 días"]) {
    await expect(hoja).toContainText(t);
  }
  // The interpreter line was not entered: the sheet says to ask, it invents nothing.
  await expect(hoja).toContainText("pídanos este número");
  const spanish = await hoja.innerText();
  expect(spanish, "no patient data beyond the name").not.toContain("noise");
  const fontPx = await hoja.locator("p").first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(fontPx, "large type").toBeGreaterThanOrEqual(18);
  await expectTouchFriendly(page, "rights sheet");
  const axeSheet = await new AxeBuilder({ page }).analyze();
  expect(axeSheet.violations.map((v) => v.id), "axe on the rights sheet").toEqual([]);

  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Print", exact: true })).toBeHidden();
  await expectPdfs(page, ["Sus derechos como paciente", "Lucía Fernández", STATE.phone, QIO.phone, "42 CFR 482.13"], [
    "Your rights",
    "Advocase",
    "noise",
  ], RIGHTS_PAGES);
  await page.emulateMedia({ media: "screen" });

  await page.getByRole("button", { name: "Print in English" }).click();
  const sheet = page.getByRole("article", { name: "Your rights as a patient" });
  await expect(sheet).toBeVisible();
  await expect(sheet).toHaveAttribute("lang", "en");
  for (const t of ["For Lucía Fernández", STATE.phone, QIO.phone, RELATIONS, "within 7 days", "ask us for this number"]) {
    await expect(sheet).toContainText(t);
  }
  await page.emulateMedia({ media: "print" });
  await expectPdfs(page, ["Your rights as a patient", "Lucía Fernández", STATE.phone, QIO.phone, "42 CFR 482.13"], [
    "Sus derechos",
    "Advocase",
  ], RIGHTS_PAGES);
  await page.emulateMedia({ media: "screen" });
  await page.getByRole("link", { name: "← Back to the case" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Lucía Fernández" })).toBeVisible();
  await context.close();
  expect(errors, "the pages logged errors").toEqual([]);
});
