// Opens EdgePali's status page in Debian's headless Chromium (playwright-core drives the system browser; no browser
// download), enters the API key in the field the page shows after a 401, and searches the timeline.
// Usage: node status-page.mjs BASE_URL API_KEY SEARCH_WORD
// Prints JSON: {"cameras": [names shown], "tasks": [task lines], "results": [texts of the search results]}.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [baseURL, apiKey, word] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "edgepali-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  // What the page itself reports, on stderr, so a failing run says why.
  page.on("console", message => console.error(`page console ${message.type()}: ${message.text()}`));
  page.on("pageerror", error => console.error(`page error: ${error.message}`));
  await page.goto(baseURL + "/");
  await page.waitForSelector("#key-form:not([hidden])", { timeout: 30000 });
  await page.fill("#api-key", apiKey);
  await page.click("#key-form button");
  await page.waitForSelector(".camera .camera-name", { timeout: 30000 });
  await page.waitForSelector(".task-last", { timeout: 30000 });
  const cameras = await page.$$eval(".camera .camera-name", nodes => nodes.map(n => n.textContent));
  const tasks = await page.$$eval(".task", nodes => nodes.map(n => n.textContent));
  await page.fill("#q", word);
  await page.click("#search-form button");
  await page.waitForFunction(w => {
    const texts = [...document.querySelectorAll("#results .result-text")].map(n => n.textContent.toLowerCase());
    return texts.length > 0 && texts.every(t => t.includes(w.toLowerCase()));
  }, word, { timeout: 30000 });
  const results = await page.$$eval("#results .result-text", nodes => nodes.map(n => n.textContent));
  console.log(JSON.stringify({ cameras, tasks, results }));
} catch (error) {
  const page = browser.pages()[0];
  if (page) console.error("page text at failure:\n" + await page.evaluate(() => document.body.innerText).catch(() => "?"));
  throw error;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
