// The analysts' core pages: sign-in (mouse and keyboard), CSRF, browse and search, the object page,
// and the AMBER+STRICT visibility check across two organisations.
import { BASE, SG, TH, check, signIn, test, axePage } from "../lib.mjs";

// The numbers of the dashboard's type × TLP row `th`.
async function rowNumbers(page, th) {
  const cells = await page.$$eval("table tr", (rows, th) => {
    const row = rows.find((r) => r.querySelector("th[scope=row]")?.textContent.trim() === th);
    return row ? [...row.querySelectorAll("td.num")].map((td) => td.textContent.trim()) : null;
  }, th);
  return cells ? cells.map(Number) : null;
}

// Column of AMBER+STRICT in the type × TLP table (CLEAR, GREEN, AMBER, AMBER+STRICT, RED, total).
const STRICT = 3;

axePage("login", "/login", { signedIn: false });
axePage("dashboard", "/");
axePage("dashboard-90", "/?days=90");
axePage("browse", "/objects?type=indicator");
axePage("account", "/account");
axePage("error", "/account?sort=colour");
axePage("object", async (page) => {
  await page.goto(`${BASE}/objects?type=indicator`);
  const href = await page.getAttribute("table tbody a[href^='/objects/indicator--']", "href");
  check(href, "an indicator to open");
  return href;
});

test("sign in with the form lands on the dashboard", async (page) => {
  await signIn(page, SG);
  await page.waitForSelector("h1:text('Dashboard')");
  const who = await page.textContent(".who");
  check(who.includes("SingCERT"), `header says ${who}`);
  check((await rowNumbers(page, "All")) !== null, "the type × TLP table is there");
});

test("search and open an indicator", async (page) => {
  await signIn(page, SG);
  await page.click("nav a[href='/objects']");
  await page.selectOption("#f-type", "indicator");
  await page.fill("#f-q", "phishing");
  await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
  const url = new URL(page.url());
  check(url.searchParams.get("type") === "indicator" && url.searchParams.get("q") === "phishing", `filters in the URL: ${url}`);
  const first = await page.$("table tbody tr td a[href^='/objects/indicator--']");
  check(first, "at least one indicator found");
  const name = (await first.textContent()).trim();
  await Promise.all([page.waitForNavigation(), first.click()]);
  check((await page.textContent("h1")).includes(name), `the object page is ${name}`);
  check(await page.$("h1 .tlp"), "its TLP badge is in the heading");
  check((await page.textContent("#versions-h")) === "Version history", "version history shown");
});

test("keyboard-only sign-in", async (page) => {
  await page.goto(`${BASE}/login`);
  // The first Tab reaches the skip link, which is shown when focused.
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.classList.contains("skip")), "skip link first");
  // Then the brand link, then the email field.
  for (let i = 0; i < 10; i++) {
    if (await page.evaluate(() => document.activeElement.id === "email")) break;
    await page.keyboard.press("Tab");
  }
  check(await page.evaluate(() => document.activeElement.id === "email"), "Tab reaches the email field");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== "none", "focus is visible");
  await page.keyboard.type(SG.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(SG.password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  check(new URL(page.url()).pathname === "/", `Enter signed in (${page.url()})`);
});

test("a form post without the CSRF token is refused", async (page) => {
  await signIn(page, SG);
  // Take the token out of the sign-out form and send it.
  await page.$eval("form[action='/logout'] input[name=csrf_token]", (i) => i.remove());
  const [res] = await Promise.all([
    page.waitForNavigation(),
    page.click("form[action='/logout'] button"),
  ]);
  check(res.status() === 403, `status ${res.status()}`);
  check((await page.textContent("main")).includes("Missing or wrong CSRF token"), "the reason is shown");
  // Still signed in: the session was not ended.
  await page.goto(`${BASE}/account`);
  check(new URL(page.url()).pathname === "/account", "still signed in");
});

test("another organisation does not see an AMBER+STRICT object in the dashboard", async (page, context) => {
  const marker = `strict-${Date.now()}.example`;
  // SingCERT's analyst shares an AMBER+STRICT indicator into the MyCERT–SingCERT collection.
  await signIn(page, SG);
  const sgBefore = await rowNumbers(page, "indicator");
  const me = await (await context.request.get(`${BASE}/api/v1/me`)).json();
  const cols = await (await context.request.get(`${BASE}/api/v1/collections`)).json();
  const list = cols.collections || cols.items || cols;
  const bilateral = list.find((c) => c.title === "MyCERT and SingCERT bilateral");
  check(bilateral, `the bilateral collection is visible: ${JSON.stringify(cols).slice(0, 200)}`);
  const id = `indicator--${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  const indicator = {
    type: "indicator", spec_version: "2.1", id, created: now, modified: now,
    name: `Phishing ${marker}`, pattern_type: "stix", pattern: `[domain-name:value = '${marker}']`,
    valid_from: now, indicator_types: ["malicious-activity"],
    object_marking_refs: ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"],
  };
  const res = await context.request.post(`${BASE}/api/v1/collections/${bilateral.id}/objects`, {
    headers: { "x-csrf-token": me.csrf_token }, data: indicator,
  });
  check(res.status() === 200, `stored: ${res.status()} ${await res.text()}`);
  const body = await res.json();
  check(JSON.stringify(body.stored) === JSON.stringify([id]), `stored ${JSON.stringify(body)}`);
  await page.goto(`${BASE}/`);
  const sgAfter = await rowNumbers(page, "indicator");
  check(sgAfter[STRICT] === sgBefore[STRICT] + 1, `SingCERT counts it: ${sgBefore} → ${sgAfter}`);
  check((await page.content()).includes(marker), "SingCERT lists it among its newest");
  // ThaiCERT, outside the collection's audience, sees neither the object nor a count of it.
  const other = await context.browser().newContext();
  const thPage = await other.newPage();
  try {
    await signIn(thPage, TH);
    const th1 = await rowNumbers(thPage, "indicator");
    const html = await thPage.content();
    check(!html.includes(marker), "ThaiCERT's dashboard does not name it");
    // Its counts equal what the API lets ThaiCERT see.
    const api = await (await other.request.get(`${BASE}/api/v1/objects?type=indicator&tlp=TLP:AMBER%2BSTRICT&limit=1`)).json();
    check(api.total_exact === true, `an exact API count: ${JSON.stringify(api).slice(0, 200)}`);
    check(th1[STRICT] === api.total, `ThaiCERT's AMBER+STRICT count ${th1[STRICT]} = the API's ${api.total}`);
    const sgApi = await (await context.request.get(`${BASE}/api/v1/objects?type=indicator&tlp=TLP:AMBER%2BSTRICT&limit=1`)).json();
    check(sgAfter[STRICT] === sgApi.total, `SingCERT's ${sgAfter[STRICT]} = the API's ${sgApi.total}`);
    await thPage.goto(`${BASE}/?days=90`);
    check(!(await thPage.content()).includes(marker), "nor in the 90-day view");
    // Nor in lists, search or the object page.
    await thPage.goto(`${BASE}/objects?tlp=TLP:AMBER%2BSTRICT`);
    check(!(await thPage.content()).includes(marker), "not listed");
    await thPage.goto(`${BASE}/objects?q=${encodeURIComponent(marker)}`);
    check((await thPage.textContent("#results-h")).trim() === "0 objects", "not found by search");
    const r = await thPage.goto(`${BASE}/objects/${id}`);
    check(r.status() === 404, `object page answers ${r.status()}`);
    check(!(await thPage.content()).includes(marker), "the 404 page does not name it");
    // SingCERT finds and opens it.
    await page.goto(`${BASE}/objects?q=${encodeURIComponent(marker)}`);
    check((await page.textContent("#results-h")).trim() === "1 objects", "SingCERT finds it");
    const own = await page.goto(`${BASE}/objects/${id}`);
    check(own.status() === 200 && (await page.textContent("h1")).includes("TLP:AMBER+STRICT"), "and opens it");
  } finally {
    await other.close();
  }
});
