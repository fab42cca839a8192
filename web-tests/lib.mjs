// What the browser suites share: the server's URL, the demo's logins, sign-in, checks, and the two
// registries a suite adds to — `test(name, fn, options)` for a test and `axePage(name, path)` for a
// page the accessibility test audits (and screenshots) in light and dark. A domain adds its
// browser tests as one file in suites/ (run.mjs loads every suite in name order); see suites/README.md.
import { readFileSync, mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const BASE = process.env.SIMPUL_URL;
if (!BASE || !process.env.SIMPUL_CREDENTIALS) {
  console.error("web: set SIMPUL_URL and SIMPUL_CREDENTIALS");
  process.exit(2);
}
export const ARTIFACTS = process.env.WEB_ARTIFACTS || mkdtempSync(join(tmpdir(), "simpul-web-"));
mkdirSync(ARTIFACTS, { recursive: true });
export const SCREENS = process.env.WEB_SCREENS || "";
if (SCREENS) mkdirSync(SCREENS, { recursive: true });

// The demo's logins: "ORG ROLE EMAIL PASSWORD" lines.
const logins = {};
for (const line of readFileSync(process.env.SIMPUL_CREDENTIALS, "utf8").split("\n")) {
  const f = line.trim().split(/\s+/);
  const email = f.find((x) => x.includes("@"));
  if (email) logins[email] = f[f.length - 1];
}
export const login = (email) => {
  if (!logins[email]) throw new Error(`no demo login ${email}`);
  return { email, password: logins[email] };
};
export const SG = login("analyst@singcert.example");
export const TH = login("analyst@thaicert.example");

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

export async function signIn(page, who) {
  await page.goto(`${BASE}/login`);
  await page.fill("#email", who.email);
  await page.fill("#password", who.password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  check(new URL(page.url()).pathname === "/", `signed in to ${page.url()}`);
}

// The tests, in the order registered.
export const tests = [];
export const test = (name, fn, options) => tests.push({ name, fn, options });

// The pages the accessibility test audits: [name, path, signedIn]. A path may be a function of
// the signed-in page that returns the path (for a page whose address is found at run time).
// `as` (a login) audits the page signed in as that person (an administrator), not as SG.
export const axePages = [];
export const axePage = (name, path, { signedIn = true, as } = {}) => axePages.push({ name, path, signedIn, as });
