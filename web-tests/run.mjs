// Browser tests of simpul's web UI: real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core, accessibility checked by axe-core in the same browser. Run by .ci/legs/80-web.sh
// against `simpul serve --demo`:
//   SIMPUL_URL=http://127.0.0.1:PORT SIMPUL_CREDENTIALS=DATA/demo-credentials.txt node run.mjs
// WEB_ARTIFACTS: where a failing test leaves its screenshot (default: a temp folder, printed).
// WEB_SCREENS: if set, screenshots of the main pages go there (light and dark).
// WEB_ONLY: if set, only the tests whose name contains it run.
// The tests are in suites/ (one file per area, loaded in name order; see suites/README.md); this
// file adds the accessibility test over every page the suites registered, then runs them all.
// Prints one line per test and closes with `web: N passed, M failed`; exits non-zero on a failure.
import { chromium } from "playwright-core";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { AXE, ARTIFACTS, BASE, SCREENS, SG, check, login, signIn, test, tests, axePages } from "./lib.mjs";

const suites = join(import.meta.dirname, "suites");
for (const f of readdirSync(suites).filter((f) => f.endsWith(".mjs")).sort()) {
  await import(join(suites, f));
}

test("no serious or critical accessibility violations (axe-core) on the main pages", async (page) => {
  const problems = [];
  async function audit(name) {
    await page.evaluate(AXE);
    const r = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const res = await axe.run(document, { resultTypes: ["violations"] });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
    });
    for (const v of r) {
      if (v.impact === "serious" || v.impact === "critical") problems.push(`${name}: ${v.id} (${v.impact}, ${v.nodes}) ${v.help}`);
    }
  }
  async function sweep(list) {
    const resolved = [];
    for (const p of list) resolved.push([p.name, typeof p.path === "function" ? await p.path(page) : p.path]);
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, path] of resolved) {
        await page.goto(`${BASE}${path}`);
        await audit(`${name} (${scheme})`);
        if (SCREENS) await page.screenshot({ path: join(SCREENS, `${name}-${scheme}.png`), fullPage: true });
      }
    }
  }
  await sweep(axePages.filter((p) => !p.signedIn));
  await signIn(page, SG);
  await sweep(axePages.filter((p) => p.signedIn && !p.as));
  // Pages audited as someone else (an administrator): signed in afresh as each.
  for (const email of [...new Set(axePages.filter((p) => p.signedIn && p.as).map((p) => p.as.email))]) {
    await page.context().clearCookies();
    await signIn(page, login(email));
    await sweep(axePages.filter((p) => p.signedIn && p.as?.email === email));
  }
  check(problems.length === 0, problems.join("\n"));
}, { bypassCSP: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--no-first-run",
  ],
});

let passed = 0;
let failed = 0;
const only = process.env.WEB_ONLY || "";
for (const t of tests.filter((t) => t.name.includes(only))) {
  // A fresh context (cookies, storage) per test; the axe test may inject its script past the CSP.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...(t.options || {}) });
  const page = await context.newPage();
  try {
    await t.fn(page, context);
    passed++;
    console.log(`ok   ${t.name}`);
  } catch (e) {
    failed++;
    const shot = join(ARTIFACTS, `${t.name.replace(/[^a-z0-9]+/gi, "-")}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`FAIL ${t.name}\n     ${String(e.message || e).split("\n").join("\n     ")}\n     screenshot: ${shot}`);
  } finally {
    await context.close();
  }
}
await browser.close();
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
