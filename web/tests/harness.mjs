// Test harness for the browser tests: a real `portal serve` with demo data
// on a fresh data directory and a free port, Debian's Chromium driven by
// playwright-core, mails read from <data-dir>/mail/*.eml, screenshots.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, "..", "..");

export const config = {
  portal: process.env.PORTAL_BINARY ?? join(repo, "build", "release", "gateway", "portal"),
  chromium: process.env.CHROMIUM ?? "/usr/bin/chromium",
  webRoot: process.env.PORTAL_WEB_ROOT ?? join(repo, "web", "dist"),
  screenshots: process.env.SCREENSHOT_DIR ?? join(repo, "build", "screenshots"),
};

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function fail(message) {
  console.error(`browser tests: ${message}`);
  process.exit(1);
}

/** Checks what the tests need; a missing piece fails (never skips). */
export function preflight() {
  if (!existsSync(config.chromium)) fail(`Chromium not found at ${config.chromium} (scripts/install-deps installs it)`);
  if (!existsSync(config.portal)) fail(`portal binary not found at ${config.portal} (scripts/build release portal)`);
  if (!existsSync(join(config.webRoot, "index.html")))
    fail(`the web front end is not built at ${config.webRoot} (cd web && npm ci && npm run build)`);
  mkdirSync(config.screenshots, { recursive: true });
}

function freePort() {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.unref();
    s.on("error", ko);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function waitFor(what, check, timeoutMs = 15000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/** The portal with demo data; `stop()` ends it and removes the directory. */
export async function startPortal() {
  const dataDir = mkdtempSync(join(tmpdir(), "portal-browser-"));
  const demo = spawnSync(config.portal, ["demo", "--data-dir", dataDir], { encoding: "utf8" });
  if (demo.status !== 0) fail(`portal demo failed (${demo.status}): ${demo.stderr}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    config.portal,
    [
      "serve",
      "--data-dir",
      dataDir,
      "--listen",
      `127.0.0.1:${port}`,
      "--public-url",
      base,
      "--web-root",
      config.webRoot,
      "--no-reminders",
      "--no-sync",
      "--password-cost",
      "minimum",
      "--workers",
      "8",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = code ?? signal));
  try {
    await waitFor("portal /readyz", async () => {
      if (exited !== null) throw new Error(`portal exited with ${exited}: ${log}`);
      const r = await fetch(`${base}/readyz`);
      return r.ok;
    }, 30000);
  } catch (e) {
    child.kill("SIGKILL");
    fail(`${e.message}\n${log}`);
  }
  return {
    base,
    dataDir,
    demoOutput: demo.stdout,
    log: () => log,
    /** Stops the portal (SIGTERM: graceful); its exit code, or the signal that ended it. */
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => child.on("exit", r));
        child.kill("SIGTERM");
        await Promise.race([done, new Promise((r) => setTimeout(r, 20000))]);
        if (exited === null) {
          child.kill("SIGKILL");
          await done;
          exited = "SIGKILL after 20 s";
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
      return exited;
    },
  };
}

/** Decodes a quoted-printable text part. */
function decodeQP(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The mails to `to` (decoded text), oldest first. */
export function mailsTo(dataDir, to) {
  const dir = join(dataDir, "mail");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .filter((m) => new RegExp(`^To:.*<${to.replace(/[.+]/g, "\\$&")}>`, "mi").test(m))
    .map((m) => decodeQP(m));
}

/** Waits for a mail to `to` whose text matches `pattern`; the match. */
export function waitForMail(dataDir, to, pattern, timeoutMs = 30000) {
  return waitFor(`a mail to ${to} matching ${pattern}`, () => {
    for (const m of mailsTo(dataDir, to).reverse()) {
      const found = pattern.exec(m);
      if (found) return found;
    }
    return null;
  }, timeoutMs, 200);
}

export async function launchBrowser() {
  // German UI of Chromium itself (date pickers) for realistic screenshots.
  return chromium.launch({ executablePath: config.chromium, args: [...chromiumArgs, "--lang=de-DE"], headless: true });
}

/** A fresh browser context and page that fails the test on page errors. */
export async function newPage(browser, base, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ baseURL: base, viewport, locale: "de-DE", timezoneId: "Europe/Berlin" });
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (4\d\d)/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(config.screenshots, `${name}.png`), fullPage: true });
}

export function cleanScreenshots() {
  if (existsSync(config.screenshots)) {
    for (const f of readdirSync(config.screenshots)) if (f.endsWith(".png")) rmSync(join(config.screenshots, f));
  }
}
