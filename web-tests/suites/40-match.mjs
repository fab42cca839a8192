// The match page: paste observables taken from the demo's indicators, see their hits (indicator,
// TLP, reporting organisation), download the same results as CSV; the results page is audited
// with axe-core like the main pages.
import { AXE, BASE, SG, check, signIn, test, axePage } from "../lib.mjs";

axePage("match", "/match");

// Domains of indicators SingCERT's analyst may see, from the REST listing (the session's cookie).
async function demoDomains(context, n) {
  const res = await context.request.get(`${BASE}/api/v1/objects?type=indicator&limit=200`);
  check(res.status() === 200, `listing: ${res.status()}`);
  const body = await res.json();
  const list = body.objects || body.items || [];
  const found = [];
  for (const o of list) {
    const obj = o.object || o;
    const m = /\[domain-name:value = '([^']+)'\]/.exec(obj.pattern || "");
    if (m && !found.includes(m[1])) found.push(m[1]);
    if (found.length === n) break;
  }
  check(found.length > 0, `demo domains among ${list.length} indicators`);
  return found;
}

test("match pasted observables, see the hits and download them as CSV", async (page, context) => {
  await signIn(page, SG);
  const domains = await demoDomains(context, 3);
  await page.click("nav a[href='/match']");
  check((await page.textContent("h1")).trim() === "Match", "the match page");
  const pasted = [...domains.map((d) => d.toUpperCase()), "not an observable", "phone|12"].join("\n");
  await page.fill("#match-values", pasted);
  await Promise.all([page.waitForNavigation(), page.click("form.match-form button:not([name])")]);
  const summary = await page.textContent(".match-summary");
  check(summary.includes(`${domains.length + 2} lines: ${domains.length} read, 1 not recognised, 1 invalid`), `summary: ${summary}`);
  const hit = await page.$("table.match-results tbody.line-hit a[href^='/objects/indicator--']");
  check(hit, "at least one hit links to its indicator");
  check(await page.$("table.match-results tbody.line-hit .tlp"), "each hit shows its TLP badge");
  const bad = await page.textContent("table.match-results tbody.line-invalid");
  check(bad.includes("Invalid"), `the invalid line says why: ${bad}`);
  // Canonical forms: lower case.
  check((await page.textContent("table.match-results")).includes(domains[0]), "canonical form shown");

  // The results page passes axe-core too (light and dark).
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(AXE);
    const v = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ["violations"] });
      return r.violations.filter((x) => x.impact === "serious" || x.impact === "critical").map((x) => `${x.id}: ${x.help}`);
    });
    check(v.length === 0, `match results (${scheme}): ${v.join("; ")}`);
  }

  // Download CSV posts the same lines (the box holds them) and answers a file.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("form.match-form button[name=download]"),
  ]);
  check(/^simpul-match-\d{8}-\d{4}\.csv$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
  const path = await download.path();
  const { readFileSync } = await import("node:fs");
  const csv = readFileSync(path, "utf8");
  check(csv.startsWith("line,input,type,canonical,result,reason,indicator_id"), `CSV header: ${csv.slice(0, 120)}`);
  check(csv.includes(",hit,") && csv.includes("indicator--"), "the CSV has the hits");
}, { bypassCSP: true });
