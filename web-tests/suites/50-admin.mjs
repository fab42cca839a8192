// Administration: a site-admin creates a collection and reads the audit log with its chain
// verification; an org-admin sees only their organisation's users; an analyst has no
// Administration. The administration pages are audited by axe-core signed in as their admins.
import { BASE, SG, check, login, signIn, test, axePage } from "../lib.mjs";

const SA = login("admin@asean-cert.example");
const OA = login("admin@singcert.example");

for (const [name, path] of [
  ["admin", "/admin"],
  ["admin-organisations", "/admin/organisations"],
  ["admin-users", "/admin/users"],
  ["admin-tokens", "/admin/tokens"],
  ["admin-communities", "/admin/communities"],
  ["admin-collections", "/admin/collections"],
  ["admin-peers", "/admin/peers"],
  ["admin-audit", "/admin/audit"],
]) {
  axePage(name, path, { as: SA });
}
axePage("admin-collection-edit", async (page) => {
  await page.goto(`${BASE}/admin/collections`);
  const href = await page.getAttribute("table tbody a[href^='/admin/collections/']", "href");
  check(href, "a collection to edit");
  return href;
}, { as: SA });
axePage("admin-users-org-admin", "/admin/users", { as: OA });

test("a site-admin creates a collection and opens the audit log", async (page) => {
  await signIn(page, SA);
  await Promise.all([page.waitForNavigation(), page.click("nav.site-nav a[href='/admin']")]);
  await Promise.all([page.waitForNavigation(), page.click("nav.admin-nav a[href='/admin/collections']")]);
  const title = `Browser collection ${Date.now()}`;
  await page.fill("#col-title", title);
  await page.selectOption("#col-tlp", "TLP:GREEN");
  await page.selectOption("#col-kind", "community");
  await page.selectOption("#col-community", "asean-cert");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Create collection')")]);
  check(new URL(page.url()).pathname === "/admin/collections", `back on the list: ${page.url()}`);
  const notice = await page.textContent(".notice.ok");
  check(notice.includes(`Collection ${title} created.`), `notice: ${notice}`);
  const row = await page.$(`table tbody tr:has-text("${title}")`);
  check(row, "the new collection is listed");
  check((await row.textContent()).includes("TLP:GREEN"), "with its default TLP badge");

  await Promise.all([page.waitForNavigation(), page.click("nav.admin-nav a[href='/admin/audit']")]);
  const chain = await page.textContent(".notice.chain");
  check(/Chain intact: \d+ entries verified\./.test(chain), `chain status: ${chain}`);
  await page.selectOption("#f-action", "collection.create");
  await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
  check(new URL(page.url()).searchParams.get("action") === "collection.create", `filter in the URL: ${page.url()}`);
  const first = await page.textContent("table.audit tbody tr");
  check(first.includes("collection.create") && first.includes(SA.email), `newest entry is ours: ${first}`);
});

test("an org-admin sees only their organisation's users", async (page) => {
  await signIn(page, OA);
  await page.goto(`${BASE}/admin/users`);
  const orgs = await page.$$eval("table tbody tr td:nth-child(3)", (tds) => tds.map((td) => td.textContent.trim()));
  check(orgs.length >= 2 && orgs.every((o) => o === "SingCERT"), `organisations listed: ${orgs}`);
  check(!(await page.$("nav.admin-nav a[href='/admin/organisations']")), "no site sections");
  const res = await page.goto(`${BASE}/admin/organisations`);
  check(res.status() === 403, `organisations page: ${res.status()}`);
});

test("an analyst has no Administration", async (page) => {
  await signIn(page, SG);
  check(!(await page.$("nav.site-nav a[href='/admin']")), "no Administration in the navigation");
  const res = await page.goto(`${BASE}/admin`);
  check(res.status() === 403, `administration: ${res.status()}`);
});
