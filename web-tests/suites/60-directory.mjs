// The POC network's directory: an org-admin finds their team by country, edits its profile (the
// business hours), adds a contact and sees both on the team's page; a bad phone comes back beside
// its field with what was typed. The directory, a team's page, the profile editor and the
// freshness list are audited by axe-core (the editor and the freshness list as the org-admin).
import { join } from "node:path";
import { BASE, SCREENS, check, login, signIn, test, axePage } from "../lib.mjs";

const OA = login("admin@singcert.example");

axePage("directory", "/directory");
axePage("directory-team", "/directory/SingCERT");
axePage("directory-edit", "/directory/SingCERT/edit", { as: OA });
axePage("directory-contact-new", "/directory/SingCERT/contacts/new", { as: OA });
axePage("directory-health", "/directory/health", { as: OA });

test("an org-admin finds their team, edits its profile and adds a contact", async (page) => {
  await signIn(page, OA);
  await Promise.all([page.waitForNavigation(), page.click("nav.site-nav a[href='/directory']")]);
  await page.selectOption("#dir-country", "SG");
  await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
  check(new URL(page.url()).searchParams.get("country") === "SG", `filter in the URL: ${page.url()}`);
  const shorts = await page.$$eval("table tbody tr td:first-child", (tds) => tds.map((td) => td.textContent.trim()));
  check(shorts.length >= 1 && shorts.some((s) => s.includes("SingCERT")), `SG teams: ${shorts}`);
  check(!shorts.some((s) => s.includes("ThaiCERT")), `no Thai team under SG: ${shorts}`);
  await Promise.all([page.waitForNavigation(), page.click("table tbody a[href='/directory/SingCERT']")]);
  await Promise.all([page.waitForNavigation(), page.click("a[href='/directory/SingCERT/edit']")]);
  check(new URL(page.url()).pathname === "/directory/SingCERT/edit", `the editor: ${page.url()}`);

  // A bad phone: refused beside the field, the rest kept.
  const hours = "Monday 08:00-16:30\nTuesday 08:00-16:30\nSaturday 09:00-12:00";
  await page.fill("#pe-hours", hours);
  const phone = await page.inputValue("#pe-phone");
  await page.fill("#pe-phone", "call us");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Save profile')")]);
  const err = await page.textContent("#pe-phone-error");
  check(err && err.length > 0, "an error beside the phone");
  check((await page.getAttribute("#pe-phone", "aria-describedby")).includes("pe-phone-error"), "tied to the field");
  check((await page.inputValue("#pe-hours")) === hours, "the hours typed are kept");
  if (SCREENS) await page.screenshot({ path: join(SCREENS, "directory-edit-refused.png"), fullPage: true });

  await page.fill("#pe-phone", phone || "+65 6211 0000");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Save profile')")]);
  check(new URL(page.url()).pathname === "/directory/SingCERT", `back on the team's page: ${page.url()}`);
  const shown = await page.textContent("section[aria-labelledby='team-contact-h']");
  check(shown.includes("Saturday 09:00–12:00") && shown.includes("Monday 08:00–16:30"), `business hours: ${shown}`);

  // A contact.
  await Promise.all([page.waitForNavigation(), page.click("a[href='/directory/SingCERT/contacts/new']")]);
  const name = `Browser duty ${Date.now()}`;
  await page.fill("#ct-name", name);
  await page.check("input[name=kind][value='24x7-duty']");
  await page.fill("#ct-emails", "browser.duty@singcert.example");
  await page.fill("#ct-phones", "+65 6211 4242");
  await page.selectOption("#ct-visibility", "partners");
  await page.fill("#ct-pgp", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Add contact')")]);
  check((await page.textContent("#ct-pgp-error")).includes("OpenPGP"), "the key's error beside it");
  check((await page.inputValue("#ct-name")) === name, "the name is kept");
  if (SCREENS) await page.screenshot({ path: join(SCREENS, "directory-contact-refused.png"), fullPage: true });
  await page.fill("#ct-pgp", "");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Add contact')")]);
  check(new URL(page.url()).pathname === "/directory/SingCERT", `back on the team's page: ${page.url()}`);
  const row = await page.$(`section[aria-labelledby='team-contacts-h'] tr:has-text("${name}")`);
  check(row, "the new contact is listed");
  const text = await row.textContent();
  check(text.includes("+6562114242") && text.includes("partners"), `its row: ${text}`);
  if (SCREENS) await page.screenshot({ path: join(SCREENS, "directory-team-org-admin.png"), fullPage: true });
});

test("an analyst sees no editor", async (page) => {
  await signIn(page, login("analyst@singcert.example"));
  await page.goto(`${BASE}/directory/SingCERT`);
  check(!(await page.$("a[href='/directory/SingCERT/edit']")), "no Edit link");
  const res = await page.goto(`${BASE}/directory/SingCERT/edit`);
  check(res.status() === 403, `editor: ${res.status()}`);
});
