// Submit: one observable with its server-side preview (the canonical form), then the stored
// object; the scam report and upload pages are audited for accessibility.
import { BASE, SG, check, signIn, test, axePage } from "../lib.mjs";

axePage("submit", "/submit");
axePage("submit-scam", "/submit/scam");
axePage("submit-upload", "/submit/upload");

test("submit an indicator and see its canonical form", async (page) => {
  await signIn(page, SG);
  await Promise.all([page.waitForNavigation(), page.click("nav a[href='/submit']")]);
  check((await page.textContent("h1")) === "Submit", "the submit page");
  // A URL as it arrives in a report: defanged, upper-case host, default port, dot segments.
  const host = `verify-${Date.now()}.example-bank.com`;
  const raw = `hxxps://${host.toUpperCase().replace(".COM", "[.]COM")}:443/a/../Login`;
  const canonical = `https://${host}/Login`;
  await page.selectOption("#submit-kind", "url");
  await page.fill("#submit-value", raw);
  await page.fill("#submit-description", "Browser test: bank phishing page");
  await page.selectOption("#submit-tlp", "TLP:GREEN");
  await Promise.all([page.waitForNavigation(), page.click("button[value=preview]")]);
  const shown = (await page.textContent("code.canonical")).trim();
  check(shown === canonical, `preview shows the canonical form: ${shown}`);
  check((await page.inputValue("#submit-value")) === raw, "the typed value is kept");
  const pattern = await page.textContent("#preview pre");
  check(pattern.includes(`[url:value = '${canonical}']`), `the pattern: ${pattern}`);
  await Promise.all([page.waitForNavigation(), page.click("button[value=submit]")]);
  const path = new URL(page.url()).pathname;
  check(path.startsWith("/objects/indicator--"), `sent to the new object: ${path}`);
  check((await page.textContent("h1")).includes(canonical), "the object is named by its canonical form");
  check((await page.textContent("h1 .tlp")).trim() === "TLP:GREEN", "its TLP badge");
  const props = await page.textContent("dl.props");
  check(props.includes(`[url:value = '${canonical}']`), "its stored pattern tests the canonical form");
});

test("an invalid value is refused beside its field", async (page) => {
  await signIn(page, SG);
  await page.goto(`${BASE}/submit`);
  await page.selectOption("#submit-kind", "ipv4");
  await page.fill("#submit-value", "192.0.2.300");
  await Promise.all([page.waitForNavigation(), page.click("button[value=submit]")]);
  const error = await page.textContent("#submit-value-error");
  check(error.startsWith("not a valid ipv4 address"), `the error beside the field: ${error}`);
  check((await page.getAttribute("#submit-value", "aria-invalid")) === "true", "the field is marked invalid");
});

test("the preview follows typing (the one script), then an upload shows its progress and result", async (page) => {
  await signIn(page, SG);
  await page.goto(`${BASE}/submit`);
  await page.selectOption("#submit-kind", "domain");
  await page.fill("#submit-value", "Live-Preview.EXAMPLE.");
  // No click: the script posts the form as a preview and shows its answer.
  await page.waitForSelector("#preview code.canonical", { timeout: 10000 });
  const shown = (await page.textContent("#preview code.canonical")).trim();
  check(shown === "live-preview.example", `the live preview: ${shown}`);
  check(new URL(page.url()).pathname === "/submit", "still on the form, nothing posted by the browser");
  // Upload with the progress bar: the result page replaces the form.
  await page.goto(`${BASE}/submit/upload`);
  const id = `indicator--${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  const bundle = {
    type: "bundle", id: `bundle--${crypto.randomUUID()}`,
    objects: [{
      type: "indicator", spec_version: "2.1", id, created: now, modified: now,
      name: "Uploaded in the browser", pattern_type: "stix",
      pattern: "[domain-name:value = 'uploaded-in-the-browser.example']", valid_from: now,
    }],
  };
  await page.setInputFiles("#upload-file", {
    name: "bundle.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(bundle)),
  });
  await page.click("form[data-upload-progress] button[type=submit]");
  await page.waitForSelector("#result-h", { timeout: 20000 });
  const counts = await page.textContent("table.counts");
  check(/Stored\s*1/.test(counts), `one stored: ${counts}`);
});
