// The object page's producer actions and relationships: SingCERT's analyst shares an indicator
// that indicates a malware, opens the indicator, sees the malware in the relationship graph and
// its table, makes a new version with the form and sees it in the version history. The page with
// its graph and action forms is audited by axe-core.
import { BASE, SG, check, signIn, test, axePage } from "../lib.mjs";

const GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

// The indicator this suite made (for the accessibility test), once made.
let made = null;

// Shares an indicator, a malware and the relationship between them into the bilateral
// collection as the signed-in user; answers the indicator's id and the malware's name.
async function shareThree(context) {
  const me = await (await context.request.get(`${BASE}/api/v1/me`)).json();
  const cols = await (await context.request.get(`${BASE}/api/v1/collections`)).json();
  const list = cols.collections || cols.items || cols;
  const bilateral = list.find((c) => c.title === "MyCERT and SingCERT bilateral");
  check(bilateral, "the bilateral collection is visible");
  const now = new Date().toISOString();
  const marker = `object-page-${Date.now()}`;
  const ids = {
    indicator: `indicator--${crypto.randomUUID()}`,
    malware: `malware--${crypto.randomUUID()}`,
    relationship: `relationship--${crypto.randomUUID()}`,
  };
  const common = { spec_version: "2.1", created: now, modified: now, object_marking_refs: [GREEN] };
  const objects = [
    { ...common, type: "indicator", id: ids.indicator, name: `Phishing ${marker}.example`,
      pattern_type: "stix", pattern: `[domain-name:value = '${marker}.example']`, valid_from: now,
      indicator_types: ["malicious-activity"] },
    { ...common, type: "malware", id: ids.malware, name: `Loader ${marker}`, is_family: true },
    { ...common, type: "relationship", id: ids.relationship, relationship_type: "indicates",
      source_ref: ids.indicator, target_ref: ids.malware },
  ];
  for (const obj of objects) {
    const res = await context.request.post(`${BASE}/api/v1/collections/${bilateral.id}/objects`, {
      headers: { "x-csrf-token": me.csrf_token }, data: obj,
    });
    check(res.status() === 200, `stored ${obj.type}: ${res.status()} ${await res.text()}`);
  }
  return { id: ids.indicator, malware: `Loader ${marker}`, malwareId: ids.malware };
}

axePage("object-own", async (page) => {
  if (made) return `/objects/${made}`;
  // Without this suite's test run (WEB_ONLY): SingCERT's newest indicator.
  await page.goto(`${BASE}/objects?type=indicator&org=SingCERT`);
  const href = await page.getAttribute("table tbody a[href^='/objects/indicator--']", "href");
  check(href, "a SingCERT indicator to open");
  return href;
});

test("open an own indicator, see its relationship, make a new version with the form", async (page, context) => {
  await signIn(page, SG);
  const { id, malware, malwareId } = await shareThree(context);
  made = id;
  await page.goto(`${BASE}/objects/${id}`);
  // The relationship: a node in the graph and a row in the table, both linking to the malware.
  check(await page.$(`#relationships svg a[href='/objects/${malwareId}']`), "the malware is drawn");
  const row = await page.textContent("#relationships table tbody");
  check(row.includes(malware) && row.includes("this indicates →"), `the table lists it: ${row}`);
  const rowsBefore = (await page.$$("#versions tbody tr")).length;
  // The form: a new name and confidence, then save.
  const newName = `${await page.inputValue("#v-name")} (confirmed)`;
  await page.fill("#v-name", newName);
  await page.fill("#v-confidence", "85");
  await page.fill("#v-labels", "phishing, confirmed");
  await Promise.all([page.waitForNavigation(), page.click("form[action$='/versions'] button[type=submit]")]);
  check(new URL(page.url()).pathname === `/objects/${id}`, `back on the object page: ${page.url()}`);
  check((await page.textContent("p.notice.ok")).includes("New version saved"), "the page says so");
  check((await page.textContent("h1")).includes(newName), "the heading has the new name");
  const rowsAfter = (await page.$$("#versions tbody tr")).length;
  check(rowsAfter === rowsBefore + 1, `one more version in the history: ${rowsBefore} → ${rowsAfter}`);
  check((await page.textContent("#versions tbody tr:first-child")).includes("shown"), "the newest is the one shown");
  // A reload does not post again, and the message was said once.
  await page.reload();
  check(!(await page.$("p.notice.ok")), "the flash is gone after a reload");
  check((await page.$$("#versions tbody tr")).length === rowsAfter, "no second version from the reload");
  // A bad value comes back beside its field.
  await page.fill("#v-confidence", "lots");
  await Promise.all([page.waitForNavigation(), page.click("form[action$='/versions'] button[type=submit]")]);
  check((await page.textContent("#v-confidence-error")).includes("whole number from 0 to 100"), "the reason beside the field");
});
