// Communication checks: the regional CERT's coordinator starts a check with the form on /checks,
// SingCERT's analyst (also SingCERT's technical POC in the demo) sees it in the app and
// acknowledges it with one click, and the coordinator's check page shows the target acknowledged
// (live, then after a reload) with the summary updated. An analyst of a national CERT has no form.
// /checks (with the form) and a check's page are audited by axe-core as the coordinator.
import { BASE, SG, check, login, signIn, test, axePage } from "../lib.mjs";

const COORD = login("analyst@asean-cert.example");

axePage("checks", "/checks", { as: COORD });
axePage("check", async (page) => {
  await page.goto(`${BASE}/checks`);
  const href = await page.getAttribute("table tbody a[href^='/checks/']", "href");
  check(href, "a check to open");
  return href;
}, { as: COORD });

// The summary's total row: the cells after its heading, as text.
async function totals(page) {
  return page.$$eval("#progress tfoot tr td", (tds) => tds.map((td) => td.textContent.trim()));
}

test("start a check, acknowledge it as the contact, see the result page update", async (page, context) => {
  const title = `Browser check ${Date.now()}`;
  await signIn(page, COORD);
  await Promise.all([page.waitForNavigation(), page.click("nav.site-nav a[href='/checks']")]);
  check(await page.$("#start-h"), "the coordinator has the Start a check form");

  // A bad deadline first: the form comes back with the reason beside the field, nothing lost.
  await page.fill("#check-title", title);
  await page.check("input[name=targets][value=orgs]");
  await page.check("input[name=org][value=SingCERT]");
  await page.check("input[name=kind][value=technical-poc]");
  await page.fill("#check-deadline", "10 minutes");
  await page.fill("#check-message", "Please confirm that this address reaches your team.");
  const [bad] = await Promise.all([page.waitForNavigation(), page.click("button:text('Start the check')")]);
  check(bad.status() === 400, `refused with ${bad.status()}`);
  const reason = await page.textContent("#check-deadline-error");
  check(reason.includes("`10 minutes`"), `the reason names the deadline: ${reason}`);
  check((await page.getAttribute("#check-deadline", "aria-describedby")).includes("check-deadline-error"),
    "the reason is tied to the field");
  check((await page.inputValue("#check-title")) === title, "the title typed stays");
  check(await page.isChecked("input[name=org][value=SingCERT]"), "SingCERT stays ticked");

  await page.fill("#check-deadline", "10m");
  await Promise.all([page.waitForNavigation(), page.click("button:text('Start the check')")]);
  const path = new URL(page.url()).pathname;
  check(/^\/checks\/[0-9a-f-]{36}$/.test(path), `on the check's page: ${page.url()}`);
  check((await page.textContent("h1")).trim() === title, "the page names the check");
  const mine = `#progress tr:has-text("SingCERT Analyst")`;
  check((await page.textContent(`${mine} .status`)).trim() === "pending", "SingCERT's analyst is pending");
  const before = await totals(page);
  // SingCERT's technical POCs: the demo's two, and any an earlier suite added.
  const n = Number(before[0]);
  check(n >= 2 && before[1] === "0" && before[5] === String(n) && before[6] === "0 %",
    `${n} targets, none answered: ${before}`);

  // SingCERT's analyst, in another browser, sees the check asking them and answers with one click.
  const other = await context.browser().newContext();
  const sg = await other.newPage();
  await signIn(sg, SG);
  await sg.goto(`${BASE}/checks`);
  const ask = sg.locator("#mine-h + p + ul li", { hasText: title });
  check(await ask.count() === 1, "the check is in the Checks asking you panel");
  check(!(await sg.$("#start-h")), "a national CERT's analyst has no Start a check form");
  await Promise.all([sg.waitForNavigation(), ask.locator("button").click()]);
  check(new URL(sg.url()).pathname === path, `the answer shows the check: ${sg.url()}`);
  check((await sg.textContent(`${mine} .status`)).trim() === "acknowledged", "acknowledged for them");
  await sg.goto(`${BASE}/checks`);
  check(await sg.locator("#mine-h + p + ul li", { hasText: title }).count() === 0, "no longer asked");
  await other.close();

  // The coordinator's page updates by itself (the progress region refreshes while pending) …
  await page.waitForSelector(`${mine} .status.state-acknowledged`, { timeout: 20000 });
  // … and after a reload shows the target acknowledged and the summary updated.
  await page.reload();
  check((await page.textContent(`${mine} .status`)).trim() === "acknowledged", "acknowledged after a reload");
  const after = await totals(page);
  const share = `${Math.round(100 / n)} %`;
  check(after[0] === String(n) && after[1] === "1" && after[5] === String(n - 1) && after[6] === share,
    `one of ${n} acknowledged (${share}), the rest pending: ${after}`);
  check(after[7] !== "–", `a median response time: ${after[7]}`);
  await page.goto(`${BASE}/checks`);
  const row = await page.textContent(`table tbody tr:has-text("${title}")`);
  check(row.includes(share), `the list shows the share: ${row}`);
});
