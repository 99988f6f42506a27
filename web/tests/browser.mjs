// Browser tests of the web front end against a real `portal serve` with demo
// data, in Debian's Chromium (playwright-core). Run: node tests/browser.mjs
// (ctest -L browser runs it). Screenshots go to build/screenshots/.
//
// Main flow: a trainee writes a week and submits it to a supervisor's
// e-mail; the supervisor signs in with the PIN from the mail and rejects it
// with remarks; the trainee sees the remarks, fixes the week and resubmits
// it to the trainer, who approves it (in bulk). The company sees exam
// results while the contract runs and not after the chamber ended it (as of
// yesterday); a contract ended as of a later day shows "endet am …" and
// offers no second end, no date change and no trainee account.
// Also: activation from an invitation link, password reset with the trainee
// number, the auditor's timeline and state as of a time, each role's main
// pages, phone width; chamber staff change a contract's dates, set the login
// lockout count in the chamber's settings (auditors read them), erase an
// account after a confirmation step (a trainer's with their entry at the
// company) and erase the trainee's personal data of an ended contract (shown
// as "(gelöscht)" to staff and the company).
import assert from "node:assert/strict";
import {
  cleanScreenshots,
  config,
  launchBrowser,
  newPage,
  preflight,
  screenshot,
  startPortal,
  waitForMail,
} from "./harness.mjs";

const password = "Portal-Demo-2026";
const logins = {
  trainee: "lena.hoffmann@demo-azubi.de",
  trainee2: "jonas.becker@demo-azubi.de",
  trainer: "t.berger@muster-maschinenbau.de",
  company: "ausbildung@muster-maschinenbau.de",
  staff: "sachbearbeitung@ihk-demo.de",
  auditor: "revision@ihk-demo.de",
};
const supervisorEmail = "ausbildungsleitung@muster-maschinenbau.de";

const started = Date.now();
preflight();
cleanScreenshots();
const portal = await startPortal();
const browser = await launchBrowser();
const pages = [];
let failed = false;

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed = true;
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
    for (const p of pages) {
      try {
        if (!p.isClosed()) await screenshot(p, `FAILED-${name.replace(/\W+/g, "-")}-${pages.indexOf(p)}`);
      } catch {
        // best effort
      }
    }
    throw e;
  }
}

async function page(viewport) {
  const p = await newPage(browser, portal.base, viewport);
  pages.push(p);
  return p;
}

async function login(p, email, pw = password) {
  await p.goto("/login");
  await p.getByLabel("E-Mail-Adresse").fill(email);
  await p.getByLabel("Passwort").fill(pw);
  await p.getByRole("button", { name: "Anmelden" }).click();
  // Signed in: the app shell (its menu is folded at phone width).
  await p.locator("header.top").waitFor();
}

async function visit(p, path, heading, shot) {
  await p.goto(path);
  await p.getByRole("heading", { level: 1, name: heading }).waitFor();
  await p.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
  if (shot) await screenshot(p, shot);
}

/** The UTC day `offset` days from today as YYYY-MM-DD (the server's day). */
function isoDay(offset) {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

/** YYYY-MM-DD as the app writes dates (de-DE: 5.12.2026). */
function germanDay(iso) {
  const [y, m, d] = iso.split("-");
  return `${Number(d)}.${Number(m)}.${y}`;
}

function noErrors(p) {
  assert.deepEqual(p.errors, [], "no script errors in the page");
}

try {
  let trainee, supervisor, trainerPage, staffPage, examinerPage, company, reportUrl, periodKey, examinerAccountId;

  await step("the gateway serves the app for client routes and keeps the API", async () => {
    const app = await fetch(`${portal.base}/activate?token=x`);
    assert.equal(app.status, 200);
    assert.match(app.headers.get("content-type"), /text\/html/);
    const api = await fetch(`${portal.base}/api/v1/me`);
    assert.equal(api.status, 401);
    assert.match(api.headers.get("content-type"), /problem\+json/);
  });

  await step("an unknown login gets a German error", async () => {
    const p = await page();
    await p.goto("/");
    await p.getByRole("heading", { name: "Anmelden" }).waitFor();
    await screenshot(p, "00-login");
    await p.getByLabel("E-Mail-Adresse").fill("niemand@example.org");
    await p.getByLabel("Passwort").fill("falsch-falsch");
    await p.getByRole("button", { name: "Anmelden" }).click();
    await p.getByRole("alert").filter({ hasText: "E-Mail-Adresse oder Passwort ist falsch" }).waitFor();
    noErrors(p);
    await p.context().close();
  });

  await step("trainee writes a week and submits it to a supervisor", async () => {
    trainee = await page();
    await login(trainee, logins.trainee);
    await trainee.getByRole("heading", { name: "Ausbildungsnachweise" }).waitFor();
    const missing = trainee.locator("tr.row-missing");
    await missing.first().waitFor();
    assert.ok((await missing.count()) > 0, "missing periods are highlighted");
    await screenshot(trainee, "01-trainee-reports");
    periodKey = await missing.first().getAttribute("data-period");
    await missing.first().getByRole("link", { name: "Nachweis anlegen" }).click();
    await trainee.getByRole("heading", { name: /Ausbildungsnachweis KW/ }).waitFor();
    await trainee.locator("[name=entry-text-0]").fill("Drehen und Fräsen von Bauteilen nach Zeichnung");
    await trainee.locator("[name=entry-hours-0]").fill("20");
    await trainee.locator("[name=entry-kind-1]").selectOption("school");
    await trainee.locator("[name=entry-text-1]").fill("Technische Mathematik, Werkstofftechnik");
    await trainee.locator("[name=entry-hours-1]").fill("8");
    await trainee.getByRole("button", { name: "Tätigkeit hinzufügen" }).click();
    await trainee.locator("[name=entry-kind-2]").selectOption("instruction");
    await trainee.locator("[name=entry-text-2]").fill("Unterweisung Arbeitssicherheit");
    await trainee.locator("[name=entry-hours-2]").fill("1,5");
    await trainee.getByLabel(/^Freitag/).selectOption("vacation");
    await trainee.getByRole("button", { name: "Entwurf speichern" }).click();
    await trainee.getByText("Der Entwurf wurde gespeichert.").waitFor();
    await trainee.waitForURL(/\/reports\/[^/]+-\d{4}-W\d+$/);
    reportUrl = new URL(trainee.url()).pathname;
    await screenshot(trainee, "02-trainee-week-editor");
    await trainee.getByLabel(/E-Mail der freigebenden Person/).fill(supervisorEmail);
    await trainee.getByRole("button", { name: "Zur Freigabe senden" }).click();
    await trainee.getByText("Der Nachweis wurde zur Freigabe gesendet.").waitFor();
    await trainee.getByText("Eingereicht", { exact: true }).first().waitFor();
    noErrors(trainee);
  });

  await step("supervisor follows the mail's record link, signs in with the PIN and rejects with remarks", async () => {
    const [, pin] = await waitForMail(portal.dataDir, supervisorEmail, /PIN: (\d+)/);
    const [pinLink] = await waitForMail(portal.dataDir, supervisorEmail, /http:\/\/\S+\/pin-login\S*/);
    assert.match(pinLink, new RegExp(`^${portal.base}/pin-login`));
    const [recordLink] = await waitForMail(portal.dataDir, supervisorEmail, /http:\/\/\S+\/reports\/[^\s"<]+/);
    supervisor = await page();
    await supervisor.goto(recordLink);
    await supervisor.getByRole("heading", { name: "Anmelden" }).waitFor();
    await supervisor.getByRole("link", { name: /Anmelden mit PIN/ }).click();
    await supervisor.getByRole("heading", { name: "Anmelden mit PIN" }).waitFor();
    await screenshot(supervisor, "03-pin-login");
    await supervisor.getByLabel("E-Mail-Adresse").fill(supervisorEmail);
    await supervisor.getByLabel("PIN").fill(pin);
    await supervisor.getByRole("button", { name: "Anmelden" }).click();
    // Back at the record the mail links to.
    await supervisor.getByRole("heading", { name: /Ausbildungsnachweis KW/ }).waitFor();
    assert.equal(new URL(supervisor.url()).pathname, reportUrl);
    await visit(supervisor, "/approvals", "Freigaben");
    // The approvals name the trainee of each record sent to the supervisor.
    const row = supervisor.locator(`tr[data-report$="${periodKey}"]`).filter({ hasText: "Lena Hoffmann" });
    await row.getByText("Industriemechaniker/-in").waitFor();
    await screenshot(supervisor, "04-supervisor-approvals");
    await row.getByRole("link", { name: "Prüfen" }).click();
    await supervisor.getByText("Drehen und Fräsen von Bauteilen nach Zeichnung").waitFor();
    await supervisor.getByRole("row", { name: /Urlaub/ }).waitFor();
    await supervisor.getByLabel("Bemerkungen des Ausbilders").fill("Bitte die Fräsarbeiten genauer beschreiben (Maschine, Werkstoff).");
    await screenshot(supervisor, "05-supervisor-reject");
    await supervisor.getByRole("button", { name: "Ablehnen" }).click();
    await supervisor.getByText("Der Nachweis wurde abgelehnt.").waitFor();
    noErrors(supervisor);
  });

  await step("trainee sees the remarks, fixes the week and resubmits to the trainer", async () => {
    await trainee.goto("/reports");
    const alert = trainee.getByRole("alert").filter({ hasText: "Abgelehnte Nachweise" });
    await alert.getByText("Bitte die Fräsarbeiten genauer beschreiben").waitFor();
    await trainee.locator(`tr[data-period="${periodKey}"]`).getByRole("link", { name: "Bearbeiten" }).click();
    const remarks = trainee.getByRole("note", { name: "Bemerkungen des Ausbilders" });
    await remarks.getByText("Bitte die Fräsarbeiten genauer beschreiben").waitFor();
    await screenshot(trainee, "06-trainee-rejected-remarks");
    await trainee
      .locator("[name=entry-text-0]")
      .fill("Fräsen von Flanschen aus C45 an der DMU 50 nach Zeichnung, Maße geprüft");
    await trainee.getByLabel(/E-Mail der freigebenden Person/).fill(logins.trainer);
    await trainee.getByRole("button", { name: "Zur Freigabe senden" }).click();
    await trainee.getByText("Der Nachweis wurde zur Freigabe gesendet.").waitFor();
    noErrors(trainee);
  });

  await step("trainer approves the record in bulk; the trainee sees it approved", async () => {
    const trainer = await page();
    await login(trainer, logins.trainer);
    await trainer.getByRole("heading", { name: "Freigaben" }).waitFor();
    const row = trainer.locator(`tr[data-report$="${periodKey}"]`).filter({ hasText: "Lena Hoffmann" });
    await row.waitFor();
    await row.getByRole("checkbox").check();
    await screenshot(trainer, "07-trainer-approvals");
    await trainer.getByRole("button", { name: /Ausgewählte freigeben \(1\)/ }).click();
    await trainer.getByText("1 Nachweis freigegeben.").waitFor();
    await trainer.locator(`tr[data-report$="${periodKey}"]`).filter({ hasText: "Lena Hoffmann" }).waitFor({ state: "detached" });
    await visit(trainer, "/trainees", "Ihre Auszubildenden");
    // The trainer's contracts with record progress (GET /api/v1/me/trainees).
    const lena = trainer.locator("tr[data-contract]").filter({ hasText: "Lena Hoffmann" });
    await lena.getByRole("progressbar", { name: /Lena Hoffmann: \d+ % freigegeben/ }).waitFor();
    assert.ok((await trainer.locator("tr[data-contract]").count()) >= 2, "all of the trainer's trainees, not only those with waiting records");
    await screenshot(trainer, "08-trainer-trainees");
    noErrors(trainer);
    trainerPage = trainer;
    await trainee.goto(reportUrl);
    await trainee.getByText("Freigegeben", { exact: true }).first().waitFor();
    await trainee.getByText("Fräsen von Flanschen aus C45").waitFor();
    assert.equal(await trainee.getByRole("button", { name: "Zur Freigabe senden" }).count(), 0, "approved is read-only");
    await screenshot(trainee, "09-trainee-approved");
  });

  await step("trainer reopens an approved record with remarks", async () => {
    const trainer = trainerPage;
    await trainer.getByRole("link", { name: "Lena Hoffmann" }).click();
    await trainer.getByRole("heading", { name: "Ausbildungsnachweise: Lena Hoffmann" }).waitFor();
    const other = trainer.locator("tr.row-approved").nth(1);
    await other.waitFor();
    const otherPeriod = await other.getAttribute("data-period");
    assert.notEqual(otherPeriod, periodKey);
    await other.getByRole("link", { name: "Öffnen" }).click();
    await trainer.getByRole("heading", { name: "Freigegebenen Nachweis wieder öffnen" }).waitFor();
    await trainer.getByLabel("Bemerkungen des Ausbilders").fill("Bitte die Berufsschulthemen ergänzen.");
    await trainer.getByRole("button", { name: "Wieder öffnen" }).click();
    await trainer.getByText("Der Nachweis wurde wieder geöffnet.").waitFor();
    await trainer.getByText("Abgelehnt", { exact: true }).first().waitFor();
    await screenshot(trainer, "08b-trainer-reopened");
    noErrors(trainer);
  });

  await step("trainee lets chamber staff read the records for 30 days and ends it", async () => {
    await visit(trainee, "/reports", "Ausbildungsnachweise");
    const panel = trainee.getByRole("region", { name: "Einsicht der IHK" });
    await panel.getByText("Die IHK hat zurzeit keine Einsicht").waitFor();
    await panel.getByLabel("Dauer in Tagen").fill("30");
    await panel.getByLabel("Dauer in Tagen").press("Enter");
    await panel.getByText("Die IHK darf Ihre Nachweise 30 Tage lang einsehen.").waitFor();
    await panel.getByText("Einsicht erlaubt").waitFor();
    await panel.scrollIntoViewIfNeeded();
    await screenshot(trainee, "14-trainee-access-grant");
    await panel.getByRole("button", { name: "Einsicht beenden" }).click();
    await panel.getByText("Die Einsicht der IHK wurde beendet.").waitFor();
    await panel.getByText("Die IHK hat zurzeit keine Einsicht").waitFor();
    noErrors(trainee);
  });

  await step("trainee pages: exams with results, documents, phone width", async () => {
    await visit(trainee, "/exams", "Prüfungen", "10-trainee-exams");
    await trainee.getByText("59 Punkte").waitFor();
    await visit(trainee, "/proposals", "Projektanträge", "10b-trainee-proposals");
    await visit(trainee, "/documents", "Dokumente", "11-trainee-documents");
    await trainee.getByText("Eintragungsbestätigung Lena Hoffmann").click();
    await trainee.getByText("Azubinummer: 20250001").waitFor();
    const phone = await page({ width: 390, height: 844 });
    await login(phone, logins.trainee2);
    await phone.getByRole("heading", { name: "Ausbildungsnachweise" }).waitFor();
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling at phone width (${width}px)`);
    await screenshot(phone, "12-phone-trainee-reports");
    await phone.getByRole("button", { name: "Menü" }).click();
    await phone.getByRole("link", { name: "Prüfungen" }).click();
    await phone.getByRole("heading", { name: "Prüfungen" }).waitFor();
    noErrors(phone);
    noErrors(trainee);
  });

  await step("company pages; exam results shown while the contract runs", async () => {
    company = await page();
    await login(company, logins.company);
    await visit(company, "/company", "Übersicht", "20-company-overview");
    await company.locator("figure.chart svg rect").first().waitFor();
    await visit(company, "/company/contracts", "Ausbildungsverhältnisse", "21-company-contracts");
    await visit(company, "/company/trainers", "Ausbilder", "22-company-trainers");
    await visit(company, "/company/settings", "Einstellungen zum Ausbildungsnachweis", "23-company-settings");
    await visit(company, "/company/representatives", "Vertretung", "24-company-representatives");
    await visit(company, "/company/documents", "Dokumente", "25-company-documents");
    await visit(company, "/company/exams", "Prüfungstermine", "26-company-exams");
    const lena = company.getByRole("row").filter({ hasText: "Lena Hoffmann" }).first();
    await lena.getByText("59 Punkte").waitFor();
    await company.getByRole("button", { name: /Ergebnisse anzeigen/ }).first().click();
    await company.getByRole("table", { name: /Ergebnisse:/ }).getByText("Lena Hoffmann").waitFor();
    await screenshot(company, "27-company-exam-results");
    noErrors(company);
  });

  await step("chamber staff end the contract; the company no longer sees its results", async () => {
    const staff = await page();
    await login(staff, logins.staff);
    await visit(staff, "/staff", "Betriebe & Ausbildungsverhältnisse", "30-staff-home");
    await staff.getByLabel("Betrieb (Kennung)", { exact: true }).fill("member-10001");
    await staff.getByRole("button", { name: "Anzeigen" }).click();
    const row = staff.getByRole("row").filter({ hasText: "Lena Hoffmann" });
    // Ended as of yesterday: its last day has passed, so it has ended now (an
    // end as of today would leave it running until the end of the day).
    await row.getByLabel("Ende am").fill(isoDay(-1));
    await row.getByLabel("Grund").selectOption("terminated");
    await row.getByRole("button", { name: "Vertrag beenden" }).click();
    await row.getByRole("cell", { name: "beendet", exact: true }).waitFor();
    assert.equal(await row.getByRole("button", { name: "Vertrag beenden" }).count(), 0, "an ended contract is not ended again");
    await screenshot(staff, "31-staff-contract-ended");
    // Register a company and a contract (the confirmation is issued).
    const company2 = staff.getByRole("form", { name: "Betrieb eintragen" });
    await company2.getByLabel("Name").fill("Beispiel Feinmechanik KG");
    await company2.getByLabel("Mitgliedsnummer").fill("40001");
    await company2.getByLabel("E-Mail-Adresse").fill("ausbildung@beispiel-feinmechanik.de");
    await company2.getByLabel("Straße").fill("Am Werk 3");
    await company2.getByLabel("PLZ").fill("86150");
    await company2.getByLabel("Ort").fill("Augsburg");
    await company2.getByRole("button", { name: "Betrieb eintragen" }).click();
    await company2.getByText(/Der Betrieb wurde eingetragen/).waitFor();
    const contract = staff.getByRole("form", { name: "Ausbildungsverhältnis eintragen" });
    await contract.getByLabel(/^Betrieb \(Kennung/).fill("member-10001");
    await contract.getByLabel("Ausbilder/in").waitFor();
    await contract.getByLabel("Name der/des Auszubildenden").fill("Tim Neumann");
    await contract.getByLabel("Geburtsdatum").fill("2008-05-04");
    await contract.getByLabel("Ausbildungsberuf").fill("Industriemechaniker/-in");
    await contract.getByLabel("Beginn", { exact: true }).fill("2026-09-01");
    await contract.getByLabel("Ende", { exact: true }).fill("2029-08-31");
    await contract.getByRole("button", { name: "Ausbildungsverhältnis eintragen" }).click();
    await contract.getByText(/Eingetragen; die Eintragungsbestätigung ist erstellt/).waitFor();
    await screenshot(staff, "30b-staff-registered");
    // Tim's contract ended as of a later day: it runs until then and shows
    // "endet am …"; no second end (contract.already_ended) and no changes.
    const lastDay = isoDay(14);
    await visit(staff, "/staff", "Betriebe & Ausbildungsverhältnisse");
    await staff.getByLabel("Betrieb (Kennung)", { exact: true }).fill("member-10001");
    await staff.getByRole("button", { name: "Anzeigen" }).click();
    const tim = staff.getByRole("row").filter({ hasText: "Tim Neumann" });
    await tim.getByRole("cell", { name: "läuft", exact: true }).waitFor();
    await tim.getByLabel("Ende am").fill(lastDay);
    await tim.getByRole("button", { name: "Vertrag beenden" }).click();
    await tim.getByRole("cell", { name: `endet am ${germanDay(lastDay)}`, exact: true }).waitFor();
    assert.equal(await tim.getByRole("button", { name: "Vertrag beenden" }).count(), 0, "no second end while it runs out");
    assert.equal(await tim.getByText("Vertragsdaten ändern").count(), 0, "no date change after an end");
    await staff.reload();
    await staff.getByLabel("Betrieb (Kennung)", { exact: true }).fill("member-10001");
    await staff.getByRole("button", { name: "Anzeigen" }).click();
    await tim.getByRole("cell", { name: `endet am ${germanDay(lastDay)}`, exact: true }).waitFor();
    assert.equal(await tim.getByRole("button", { name: "Vertrag beenden" }).count(), 0, "no second end after a reload");
    await screenshot(staff, "31c-staff-contract-ends-later");
    await visit(staff, "/staff/exams", "Prüfungen");
    const noah = staff.getByRole("row").filter({ hasText: "Noah Schwarz" });
    // The final exam needs every past record approved: refused in German.
    await noah.getByRole("button", { name: "Zulassen", exact: true }).click();
    await noah.getByRole("alert").getByText(/Nicht alle vergangenen Ausbildungsnachweise/).waitFor();
    await noah.getByLabel("Begründung").fill("Ausbildungsnachweise unvollständig");
    await noah.getByRole("button", { name: "Nicht zulassen" }).click();
    await noah.getByText("Nicht zugelassen").waitFor();
    // The committee corrects a final result.
    const ben = staff.getByRole("row").filter({ hasText: "Ben Lange" });
    await ben.getByLabel(/Bereiche und Punkte/).fill("Arbeitsauftrag: 95\nSchriftliche Prüfung: 71");
    await ben.getByRole("button", { name: "Ergebnis speichern" }).click();
    await ben.getByText("Schriftliche Prüfung: 71 Punkte").waitFor();
    await screenshot(staff, "32-staff-exams");
    noErrors(staff);

    await company.goto("/company/exams");
    await company.getByRole("heading", { name: "Prüfungstermine" }).waitFor();
    await company.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
    await company.getByRole("row").filter({ hasText: "Mia Schneider" }).getByText("68 Punkte").waitFor();
    assert.equal(await company.getByText("59 Punkte").count(), 0, "no results of the ended contract");
    await screenshot(company, "28-company-exams-after-end");
    // The company sees Tim's contract running out: no trainee account for it.
    await visit(company, "/company/contracts", "Ausbildungsverhältnisse");
    const timAtCompany = company.getByRole("row").filter({ hasText: "Tim Neumann" });
    await timAtCompany.getByRole("cell", { name: `endet am ${germanDay(lastDay)}`, exact: true }).waitFor();
    assert.equal(await timAtCompany.getByRole("button", { name: "Konto erstellen" }).count(), 0, "no trainee account after an end");
    await company.getByRole("row").filter({ hasText: "Lena Hoffmann" }).getByRole("cell", { name: "beendet", exact: true }).waitFor();
    noErrors(company);
  });

  await step("company registers a trainer and creates the account (Konto erstellen); record settings", async () => {
    await visit(company, "/company/trainers", "Ausbilder");
    const form = company.getByRole("form", { name: "Ausbilder/in eintragen" });
    await form.getByLabel("Name").fill("Karin Neu");
    await form.getByLabel("E-Mail-Adresse").fill("k.neu@muster-maschinenbau.de");
    await form.getByRole("button", { name: "Eintragen" }).click();
    const row = company.getByRole("row").filter({ hasText: "Karin Neu" });
    await row.getByRole("button", { name: "Konto erstellen" }).click();
    await row.getByText("vorhanden").waitFor();
    await waitForMail(portal.dataDir, "k.neu@muster-maschinenbau.de", /http:\/\/\S+\/activate\?token=\S+/);
    await visit(company, "/company/settings", "Einstellungen zum Ausbildungsnachweis");
    await company.getByLabel("Ausbildungsberuf").selectOption("Mechatroniker/-in");
    await company.getByLabel("Erinnerungs-E-Mail senden").uncheck();
    await company.getByRole("button", { name: "Speichern" }).click();
    await company.getByRole("row").filter({ hasText: "Mechatroniker/-in" }).getByText("nein").waitFor();
    noErrors(company);
  });

  await step("an employee proposed as representative is approved by the chamber and acts for the company", async () => {
    await visit(company, "/company/representatives", "Vertretung");
    const form = company.getByRole("form", { name: "Firmenmitarbeiter/in als Vertretung" });
    await form.getByLabel("Name").fill("Karl Vertreter");
    await form.getByLabel("E-Mail-Adresse").fill("karl.vertreter@example.org");
    await form.getByRole("button", { name: "Zur Genehmigung vorschlagen" }).click();
    await company.getByRole("row").filter({ hasText: "Karl Vertreter" }).getByText("wartet auf Genehmigung der IHK").waitFor();
    const staff = await page();
    await login(staff, logins.staff);
    await visit(staff, "/staff/representatives", "Vertretungen genehmigen");
    await staff.getByLabel("Betrieb (Kennung)").fill("member-10001");
    await staff.getByRole("button", { name: "Anzeigen" }).click();
    const row = staff.getByRole("row").filter({ hasText: "Karl Vertreter" });
    await row.getByRole("button", { name: "Genehmigen" }).click();
    await row.getByText("aktiv").waitFor();
    await screenshot(staff, "33-staff-representatives");
    const [link] = await waitForMail(portal.dataDir, "karl.vertreter@example.org", /http:\/\/\S+\/activate\?token=\S+/);
    const rep = await page();
    await rep.goto(link);
    await rep.getByLabel("Neues Passwort").fill("Vertreter-Passwort-1");
    await rep.getByLabel("Passwort wiederholen").fill("Vertreter-Passwort-1");
    await rep.getByRole("button", { name: "Konto aktivieren" }).click();
    await rep.getByText("Ihr Konto ist aktiviert.").waitFor();
    await login(rep, "karl.vertreter@example.org", "Vertreter-Passwort-1");
    await rep.getByRole("heading", { level: 2, name: "Muster Maschinenbau GmbH" }).waitFor();
    // Acting as the company's representative (and for its branch on request).
    assert.equal(await rep.getByLabel("Rolle und Betrieb wechseln").inputValue(), "representative|member-10001|");
    await screenshot(rep, "24b-representative-company");
    noErrors(rep);
    noErrors(staff);
  });

  await step("the central office switches into its branch's context", async () => {
    await company.getByLabel("Rolle und Betrieb wechseln").selectOption({ label: "Ausbildungsbetrieb – Muster Maschinenbau GmbH Werk Gersthofen" });
    await company.getByRole("heading", { level: 1, name: "Übersicht" }).waitFor();
    await company.getByRole("heading", { level: 2, name: "Muster Maschinenbau GmbH Werk Gersthofen" }).waitFor();
    await screenshot(company, "29-company-branch-context");
    await company.getByLabel("Rolle und Betrieb wechseln").selectOption({ label: "Ausbildungsbetrieb – Muster Maschinenbau GmbH" });
    await company.getByRole("heading", { level: 2, name: "Muster Maschinenbau GmbH", exact: true }).waitFor();
    noErrors(company);
  });

  await step("staff invite an examiner who activates the account from the mail link", async () => {
    const staff = await page();
    await login(staff, logins.staff);
    await visit(staff, "/staff/examiners", "Prüferinnen und Prüfer");
    const form = staff.getByRole("form", { name: "Konto anlegen" });
    await form.getByLabel("Name").fill("Petra Prüfer");
    await form.getByLabel("E-Mail-Adresse").fill("petra.pruefer@example.org");
    await form.getByRole("button", { name: "Konto anlegen" }).click();
    await staff.getByText("Angelegt; die Einladung wurde per E-Mail versandt.").waitFor();
    const [link] = await waitForMail(portal.dataDir, "petra.pruefer@example.org", /http:\/\/\S+\/activate\?token=\S+/);
    const examiner = await page();
    await examiner.goto(link);
    await examiner.getByRole("heading", { name: "Konto aktivieren" }).waitFor();
    await examiner.getByLabel("Neues Passwort").fill("Pruefer-Passwort-1");
    await examiner.getByLabel("Passwort wiederholen").fill("Pruefer-Passwort-1");
    await screenshot(examiner, "40-activate");
    await examiner.getByRole("button", { name: "Konto aktivieren" }).click();
    await examiner.getByText("Ihr Konto ist aktiviert.").waitFor();
    await login(examiner, "petra.pruefer@example.org", "Pruefer-Passwort-1");
    // The chamber appoints her to a committee.
    const appoint = staff.getByRole("form", { name: "In einen Prüfungsausschuss berufen" });
    await appoint.getByLabel("E-Mail-Adresse").fill("petra.pruefer@example.org");
    await appoint.getByLabel("Prüfungsausschuss").fill("PA Industriemechaniker Augsburg 1");
    await appoint.getByLabel("Ausbildungsberuf").fill("Industriemechaniker/-in");
    await appoint.getByLabel("Amtszeit bis").fill("2030-12-31");
    await appoint.getByRole("button", { name: "Berufen" }).click();
    const appointed = await staff.getByText(/^Berufen;/).textContent();
    examinerAccountId = /Konto-ID: (\S+)/.exec(appointed)?.[1];
    assert.ok(examinerAccountId, `the account id of the appointed examiner (${appointed})`);
    await screenshot(staff, "34-staff-examiners");
    await visit(examiner, "/examining", "Prüfertätigkeit");
    await examiner.getByRole("row").filter({ hasText: "PA Industriemechaniker Augsburg 1" }).waitFor();
    await screenshot(examiner, "41-examiner-examining");
    await visit(examiner, "/proposals", "Projektanträge", "42-examiner-proposals");
    // A seminar: the examiner asks for a place, the chamber confirms it.
    await visit(staff, "/staff/seminars", "Prüferseminare");
    const seminar = staff.getByRole("form", { name: "Seminar anlegen" });
    await seminar.getByLabel("Titel").fill("Prüferschulung Bewertung");
    await seminar.getByLabel("Datum").fill("2027-03-10");
    await seminar.getByLabel("Ort").fill("IHK Augsburg");
    await seminar.getByRole("button", { name: "Seminar anlegen" }).click();
    await staff.getByRole("heading", { name: /Prüferschulung Bewertung/ }).waitFor();
    await visit(examiner, "/seminars", "Prüferseminare");
    await examiner.getByRole("row").filter({ hasText: "Prüferschulung Bewertung" }).getByRole("button", { name: "Platz anfragen" }).click();
    await examiner.getByRole("table", { name: "Ihre Anmeldungen" }).getByText("angefragt").waitFor();
    await staff.reload();
    await staff.getByRole("button", { name: "Bestätigen" }).click();
    await staff.getByText("1 von 20 Plätzen bestätigt").waitFor();
    await screenshot(staff, "35-staff-seminars");
    await examiner.reload();
    await examiner.getByRole("table", { name: "Ihre Anmeldungen" }).getByText("bestätigt").waitFor();
    await screenshot(examiner, "43-examiner-seminars");
    noErrors(examiner);
    noErrors(staff);
    staffPage = staff;
    examinerPage = examiner;
  });

  await step("project proposal: a registered trainee submits, an examiner of the occupation decides", async () => {
    const staff = staffPage;
    const examiner = examinerPage;
    await visit(staff, "/staff/exams", "Prüfungen");
    const exam = staff.getByRole("form", { name: "Prüfungstermin anlegen" });
    await exam.getByLabel("Bezeichnung").fill("Abschlussprüfung Teil 2 Winter");
    await exam.getByLabel("Ausbildungsberuf").fill("Industriemechaniker/-in");
    await exam.getByLabel("Prüfungsart").selectOption("final_part2");
    await exam.getByLabel("Datum").fill("2027-06-15");
    await exam.getByLabel("Ort").fill("IHK-Prüfungszentrum Augsburg");
    await exam.getByLabel(/Abgabefrist/).fill("2027-03-01");
    await exam.getByRole("button", { name: "Prüfungstermin anlegen" }).click();
    await staff.getByRole("heading", { name: /Abschlussprüfung Teil 2 Winter/ }).waitFor();
    // The chamber assigns the examiner to the new exam date.
    await visit(staff, "/staff/examiners", "Prüferinnen und Prüfer");
    const assign = staff.getByRole("form", { name: "Prüfer/in einem Prüfungstermin zuteilen" });
    // The staff list shows her with her committee; the form offers her by name.
    await staff.locator(`tr[data-examiner="${examinerAccountId}"]`).getByText("PA Industriemechaniker Augsburg 1", { exact: false }).waitFor();
    await assign.getByLabel("Prüferin / Prüfer").selectOption(examinerAccountId);
    const exams = assign.getByLabel("Prüfungstermin");
    const option = await exams.evaluate((el) => [...el.options].find((o) => o.text.startsWith("Abschlussprüfung Teil 2 Winter"))?.value);
    await exams.selectOption(option);
    await assign.getByRole("button", { name: "Zuteilen" }).click();
    await assign.getByText("Zugeteilt: Petra Prüfer zu Abschlussprüfung Teil 2 Winter").waitFor();
    const assigned = staff.locator(`tr[data-exam="${option}"]`);
    await assigned.getByText("Petra Prüfer").waitFor();
    await screenshot(staff, "36-staff-examiner-assignment");
    await visit(examiner, "/examining", "Prüfertätigkeit");
    await examiner.getByRole("table", { name: "Prüfungstermine" }).getByText("Abschlussprüfung Teil 2 Winter").waitFor();
    // The company registers Mia for it.
    await visit(company, "/company/contracts", "Ausbildungsverhältnisse");
    const mia = company.getByRole("row").filter({ hasText: "Mia Schneider" });
    await mia.getByLabel("Prüfungstermin").selectOption({ label: "Abschlussprüfung Teil 2 Winter (15.6.2027)" });
    await mia.getByRole("button", { name: "Zur Prüfung anmelden" }).click();
    await mia.getByText("Angemeldet.").waitFor();
    // Mia submits her proposal.
    const trainee = await page();
    await login(trainee, "mia.schneider@demo-azubi.de");
    await visit(trainee, "/proposals", "Projektanträge");
    await trainee.getByLabel("Prüfung").selectOption({ label: "Abschlussprüfung Teil 2 Winter (15.6.2027)" });
    await trainee.getByLabel("Titel").fill("Umbau einer Spannvorrichtung für die Fräsmaschine");
    await trainee.getByLabel("Beschreibung").fill("Analyse, Konstruktion und Fertigung einer neuen Spannvorrichtung.");
    await trainee.getByLabel(/Ausbildungsbetrieb ist mit dem Projekt einverstanden/).check();
    await trainee.getByRole("button", { name: "Projektantrag einreichen" }).click();
    await trainee.getByRole("row").filter({ hasText: "Umbau einer Spannvorrichtung" }).waitFor();
    await screenshot(trainee, "13-trainee-proposals");
    // The examiner decides: changes required, with reasons.
    await visit(examiner, "/proposals", "Projektanträge");
    const row = examiner.getByRole("row").filter({ hasText: "Umbau einer Spannvorrichtung" });
    await row.getByRole("link", { name: "Öffnen" }).click();
    await examiner.getByRole("heading", { name: /Projektantrag: Umbau einer Spannvorrichtung/ }).waitFor();
    await examiner.getByLabel("Entscheidung").selectOption("changes_required");
    await examiner.getByLabel("Begründung / Hinweise").fill("Bitte die Phase Dokumentation genauer planen.");
    await examiner.getByRole("button", { name: "Entscheidung speichern" }).click();
    await examiner.getByText("Status: Änderungen erforderlich").waitFor();
    await examiner.getByText("Bitte die Phase Dokumentation genauer planen.").waitFor();
    await screenshot(examiner, "44-examiner-proposal-decided");
    await trainee.reload();
    const mine = trainee.getByRole("row").filter({ hasText: "Umbau einer Spannvorrichtung" });
    await mine.getByText("Änderungen erforderlich").waitFor();
    await mine.getByRole("link", { name: "Öffnen" }).click();
    await trainee.getByText("Bitte die Phase Dokumentation genauer planen.").waitFor();
    assert.equal(await trainee.getByRole("button", { name: "Entscheidung speichern" }).count(), 0, "trainees do not decide");
    // She revises and resubmits it, then withdraws it.
    const revise = trainee.getByRole("form", { name: "Projektantrag überarbeiten" });
    await revise.getByLabel(/Phasen mit Stunden/).fill("Planung: 8\nDurchführung: 18\nDokumentation: 9");
    await revise.getByRole("button", { name: "Erneut einreichen" }).click();
    await trainee.getByText("Der Projektantrag wurde erneut eingereicht.").waitFor();
    await trainee.getByText("Status: eingereicht").waitFor();
    await trainee.getByRole("row").filter({ hasText: "Dokumentation" }).getByText("9").waitFor();
    await screenshot(trainee, "13b-trainee-proposal-resubmitted");
    const withdraw = trainee.getByRole("form", { name: "Projektantrag zurückziehen" });
    await withdraw.getByLabel("Grund (freiwillig)").fill("Das Projekt entfällt, ein anderes folgt.");
    await withdraw.getByRole("button", { name: "Zurückziehen" }).click();
    await trainee.getByText("Der Projektantrag wurde zurückgezogen.").waitFor();
    await trainee.getByText("Status: zurückgezogen").waitFor();
    assert.equal(await trainee.getByRole("button", { name: "Zurückziehen" }).count(), 0, "a withdrawn proposal has no actions");
    noErrors(trainee);
    noErrors(examiner);
    noErrors(company);
  });

  await step("chamber staff change a contract's dates; the new dates show after a reload", async () => {
    const staff = staffPage;
    const sophie = async () => {
      await visit(staff, "/staff", "Betriebe & Ausbildungsverhältnisse");
      await staff.getByLabel("Betrieb (Kennung)", { exact: true }).fill("member-10001");
      await staff.getByRole("button", { name: "Anzeigen" }).click();
      const row = staff.getByRole("row").filter({ hasText: "Sophie Hartmann" });
      await row.waitFor();
      return row;
    };
    let row = await sophie();
    await row.getByText("Vertragsdaten ändern", { exact: true }).click();
    const form = row.getByRole("form", { name: "Vertragsdaten ändern: Sophie Hartmann" });
    const start = await form.getByLabel("Beginn", { exact: true }).inputValue();
    const end = await form.getByLabel("Ende", { exact: true }).inputValue();
    assert.match(start, /^\d{4}-09-01$/, "the form starts with the contract's dates");
    assert.match(end, /^\d{4}-08-31$/);
    // An end not after the start: the API's problem+json in German.
    await form.getByLabel("Ende", { exact: true }).fill(start);
    await form.getByRole("button", { name: "Daten speichern" }).click();
    await form.getByRole("alert").getByText("Das Ende muss nach dem Beginn liegen.").waitFor();
    // The training is extended to the end of the year.
    const year = end.slice(0, 4);
    await form.getByLabel("Ende", { exact: true }).fill(`${year}-12-31`);
    await form.getByRole("button", { name: "Daten speichern" }).click();
    await form.getByText(`Gespeichert: `).waitFor();
    const range = new RegExp(`^\\d+\\.9\\.\\d{4} – 31\\.12\\.${year}$`);
    await row.getByRole("cell", { name: range }).waitFor();
    await screenshot(staff, "31b-staff-contract-dates");
    await staff.reload();
    row = await sophie();
    await row.getByRole("cell", { name: range }).waitFor();
    noErrors(staff);
  });

  await step("chamber staff set the login lockout count; it shows after a reload, applies and auditors read it", async () => {
    const staff = staffPage;
    await visit(staff, "/staff/settings", "Kammereinstellungen");
    let form = staff.getByRole("form", { name: "Kammereinstellungen" });
    assert.equal(await form.getByLabel("Fehlversuche bis zur Sperre").inputValue(), "5", "the default count");
    assert.equal(await form.getByLabel("Note 1 ab Punkten").inputValue(), "92", "the default grade table");
    await form.getByLabel("Fehlversuche bis zur Sperre").fill("3");
    // A grade table that does not descend: the API refuses it in German and saves nothing.
    await form.getByLabel("Note 2 ab Punkten").fill("95");
    await form.getByRole("button", { name: "Einstellungen speichern" }).click();
    await form.getByRole("alert").getByText(/Die Mindestpunkte müssen von Note 1 bis Note 6 abnehmen/).waitFor();
    await form.getByLabel("Note 2 ab Punkten").fill("81");
    await form.getByRole("button", { name: "Einstellungen speichern" }).click();
    await form.getByText("Die Kammereinstellungen wurden gespeichert.").waitFor();
    await screenshot(staff, "37-staff-chamber-settings");
    await staff.reload();
    await staff.getByRole("heading", { level: 1, name: "Kammereinstellungen" }).waitFor();
    form = staff.getByRole("form", { name: "Kammereinstellungen" });
    await form.waitFor();
    assert.equal(await form.getByLabel("Fehlversuche bis zur Sperre").inputValue(), "3", "the saved count after a reload");
    assert.equal(await form.getByLabel("Note 2 ab Punkten").inputValue(), "81");
    // Three failures now lock the login: the right password no longer helps.
    const signIn = (pw) =>
      fetch(`${portal.base}/api/v1/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ login: "emma.zimmermann@demo-azubi.de", password: pw }),
      });
    const failures = [];
    for (let i = 0; i < 3; i++) failures.push((await signIn("falsch-falsch")).status);
    assert.deepEqual(failures, [401, 401, 423], "the third failure locks (the default was the fifth)");
    assert.equal((await signIn(password)).status, 423, "locked: the right password no longer helps");
    // Auditors read the settings, without a form.
    const auditor = await page();
    await login(auditor, logins.auditor);
    await visit(auditor, "/audit/settings", "Kammereinstellungen", "51-auditor-chamber-settings");
    assert.equal(await auditor.locator("[data-setting=maxFailedLogins]").textContent(), "3");
    assert.equal(await auditor.getByRole("form", { name: "Kammereinstellungen" }).count(), 0, "auditors do not change settings");
    noErrors(auditor);
    noErrors(staff);
    await auditor.context().close();
  });

  await step("chamber staff erase an account after confirming; it can no longer sign in", async () => {
    const staff = staffPage;
    const examiner = examinerPage;
    await visit(staff, "/staff/examiners", "Prüferinnen und Prüfer");
    const form = staff.getByRole("form", { name: "Konto löschen (Daten löschen)" });
    await form.getByLabel("Konto-ID").fill(examinerAccountId);
    // A reason is required.
    await form.getByLabel("Grund der Löschung").fill("   ");
    await form.getByRole("button", { name: "Konto löschen …" }).click();
    await form.getByRole("alert").getByText("Bitte geben Sie den Grund der Löschung an.").waitFor();
    await form.getByLabel("Grund der Löschung").fill("Aufbewahrungsfrist abgelaufen");
    // The confirmation step: cancelling erases nothing.
    await form.getByRole("button", { name: "Konto löschen …" }).click();
    let confirm = staff.getByRole("group", { name: "Löschen bestätigen" });
    await confirm.getByText("Grund: Aufbewahrungsfrist abgelaufen").waitFor();
    await confirm.getByRole("button", { name: "Abbrechen" }).click();
    await form.waitFor();
    await visit(examiner, "/examining", "Prüfertätigkeit");
    await form.getByRole("button", { name: "Konto löschen …" }).click();
    confirm = staff.getByRole("group", { name: "Löschen bestätigen" });
    await confirm.getByText(examinerAccountId).waitFor();
    await screenshot(staff, "38-staff-erase-confirm");
    await confirm.getByRole("button", { name: "Endgültig löschen" }).click();
    await staff.getByText(`Die personenbezogenen Daten des Kontos ${examinerAccountId} wurden gelöscht.`, { exact: false }).waitFor();
    // Her session has ended, and her login fails in the browser and over the API.
    await examiner.goto("/examining");
    await examiner.getByRole("heading", { name: "Anmelden" }).waitFor();
    await examiner.getByLabel("E-Mail-Adresse").fill("petra.pruefer@example.org");
    await examiner.getByLabel("Passwort").fill("Pruefer-Passwort-1");
    await examiner.getByRole("button", { name: "Anmelden" }).click();
    await examiner.getByRole("alert").filter({ hasText: /E-Mail-Adresse oder Passwort ist falsch|Dieses Konto wurde gelöscht/ }).waitFor();
    await screenshot(examiner, "45-erased-login");
    const api = await fetch(`${portal.base}/api/v1/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: "petra.pruefer@example.org", password: "Pruefer-Passwort-1" }),
    });
    assert.equal(api.status, 401, "an erased account cannot sign in");
    noErrors(staff);
    noErrors(examiner);
  });

  await step("password reset with the trainee number", async () => {
    const p = await page();
    await p.goto("/login");
    await p.getByRole("link", { name: "Passwort vergessen?" }).click();
    await p.getByLabel("Anmeldename oder E-Mail-Adresse").fill(logins.trainee2);
    await p.getByLabel("Azubinummer").fill("20250002");
    await p.getByRole("button", { name: "Link anfordern" }).click();
    await p.getByText("Falls die Angaben zu einem Konto passen").waitFor();
    const [link] = await waitForMail(portal.dataDir, logins.trainee2, /http:\/\/\S+\/password-reset\?token=\S+/);
    await p.goto(link);
    await p.getByLabel("Neues Passwort").fill("Neues-Passwort-2026");
    await p.getByLabel("Passwort wiederholen").fill("Neues-Passwort-2026");
    await p.getByRole("button", { name: "Passwort speichern" }).click();
    await p.getByText("Ihr Passwort wurde geändert.").waitFor();
    await login(p, logins.trainee2, "Neues-Passwort-2026");
    await p.getByRole("heading", { name: "Ausbildungsnachweise" }).waitFor();
    noErrors(p);
  });

  await step("auditor sees the record's history with actors and its state as of a time", async () => {
    const auditor = await page();
    await login(auditor, logins.auditor);
    const reportId = decodeURIComponent(reportUrl.split("/").pop());
    await visit(auditor, "/audit", "Verlauf eines Ausbildungsnachweises");
    await auditor.getByLabel("Nachweis-Kennung").fill(reportId);
    await auditor.getByRole("button", { name: "Verlauf anzeigen" }).click();
    const items = auditor.locator("ol.timeline > li");
    await items.nth(5).waitFor();
    const text = await auditor.locator("ol.timeline").innerText();
    for (const e of ["Entwurf angelegt", "Zur Freigabe gesendet", "Abgelehnt", "Freigegeben"]) assert.match(text, new RegExp(e));
    assert.match(text, /Ausbildungsbeauftragte\/r/);
    assert.match(text, /Ausbilder\/in/);
    // The state as of the rejection: rejected, with the remarks.
    await auditor.getByRole("button", { name: /Stand nach „Abgelehnt“/ }).click();
    const state = auditor.locator("[data-testid=as-of]");
    await state.getByText("Abgelehnt", { exact: true }).waitFor();
    await state.getByText("Bitte die Fräsarbeiten genauer beschreiben").waitFor();
    await state.getByText("Drehen und Fräsen von Bauteilen nach Zeichnung").waitFor();
    await screenshot(auditor, "50-auditor-timeline");
    // A time picked by hand: now, the approved state.
    await auditor.getByLabel("Zeitpunkt", { exact: true }).fill(
      await auditor.evaluate(() => {
        const d = new Date();
        const pad = (n) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      }),
    );
    await auditor.getByRole("button", { name: "Stand anzeigen" }).click();
    await state.getByText("Freigegeben").waitFor();
    noErrors(auditor);
  });

  await step("erasing a trainer's account erases the trainer at the company too; it shows as (gelöscht)", async () => {
    const staff = staffPage;
    // Karin Neu's login (the company created it above), read as staff.
    const trainers = await staff.evaluate(async () => (await (await fetch("/api/v1/companies/member-10001/trainers")).json()).items);
    const karin = trainers.find((t) => t.name === "Karin Neu");
    assert.ok(karin?.accountId, "Karin Neu has a login");
    await visit(staff, "/staff/examiners", "Prüferinnen und Prüfer");
    const form = staff.getByRole("form", { name: "Konto löschen (Daten löschen)" });
    await form.getByLabel("Konto-ID").fill(karin.accountId);
    await form.getByLabel("Grund der Löschung").fill("Aufbewahrungsfrist abgelaufen");
    await form.getByRole("button", { name: "Konto löschen …" }).click();
    await staff.getByRole("group", { name: "Löschen bestätigen" }).getByRole("button", { name: "Endgültig löschen" }).click();
    await staff.getByText(`Die personenbezogenen Daten des Kontos ${karin.accountId} wurden gelöscht.`, { exact: false }).waitFor();
    // The portal erases her trainer entry after the account (a follow-up):
    // the company's list shows it without name, address or account button.
    let erased = false;
    for (let i = 0; i < 40 && !erased; ++i) {
      await visit(company, "/company/trainers", "Ausbilder");
      erased = (await company.getByText("Karin Neu").count()) === 0;
      if (!erased) await company.waitForTimeout(250);
    }
    assert.ok(erased, "Karin Neu's name is gone from the company's trainers");
    const row = company.getByRole("row").filter({ hasText: "(gelöscht)" });
    await row.first().waitFor();
    assert.equal(await row.getByRole("button", { name: "Konto erstellen" }).count(), 0, "no account for an erased trainer");
    assert.equal(await company.getByText("k.neu@muster-maschinenbau.de").count(), 0, "the address is gone too");
    await screenshot(company, "23-company-trainer-erased");
    noErrors(staff);
    noErrors(company);
  });

  await step("chamber staff erase the trainee's personal data of an ended contract; it shows as (gelöscht)", async () => {
    const staff = staffPage;
    const lookup = async () => {
      await visit(staff, "/staff", "Betriebe & Ausbildungsverhältnisse");
      await staff.getByLabel("Betrieb (Kennung)", { exact: true }).fill("member-10001");
      await staff.getByRole("button", { name: "Anzeigen" }).click();
      await staff.getByRole("row").filter({ hasText: "Tim Neumann" }).waitFor();
    };
    await lookup();
    // Only an ended contract offers it: Tim's runs out later, Lena's has ended.
    const tim = staff.getByRole("row").filter({ hasText: "Tim Neumann" });
    assert.equal(await tim.getByText("Personenbezogene Daten löschen").count(), 0, "not while the contract runs");
    const lena = staff.getByRole("row").filter({ hasText: "Lena Hoffmann" });
    const contractId = await lena.getAttribute("data-contract");
    const row = staff.locator(`tr[data-contract="${contractId}"]`);
    await row.getByText("Personenbezogene Daten löschen", { exact: true }).click();
    const form = row.getByRole("form", { name: "Personenbezogene Daten löschen: Lena Hoffmann" });
    // A reason is required.
    await form.getByLabel("Grund der Löschung").fill("  ");
    await form.getByRole("button", { name: "Personenbezogene Daten löschen …" }).click();
    await form.getByRole("alert").getByText("Bitte geben Sie den Grund der Löschung an.").waitFor();
    await form.getByLabel("Grund der Löschung").fill("Aufbewahrungsfrist abgelaufen");
    // The confirmation step: cancelling erases nothing.
    await form.getByRole("button", { name: "Personenbezogene Daten löschen …" }).click();
    let confirm = row.getByRole("group", { name: "Löschen bestätigen: Lena Hoffmann" });
    await confirm.getByText("Grund: Aufbewahrungsfrist abgelaufen").waitFor();
    await confirm.getByRole("button", { name: "Abbrechen" }).click();
    await row.getByText("Personenbezogene Daten löschen", { exact: true }).waitFor();
    await lookup();
    await row.getByText("Lena Hoffmann").waitFor();
    await row.getByText("Personenbezogene Daten löschen", { exact: true }).click();
    await form.getByLabel("Grund der Löschung").fill("Aufbewahrungsfrist abgelaufen");
    await form.getByRole("button", { name: "Personenbezogene Daten löschen …" }).click();
    confirm = row.getByRole("group", { name: "Löschen bestätigen: Lena Hoffmann" });
    await screenshot(staff, "39-staff-erase-contract-confirm");
    await confirm.getByRole("button", { name: "Endgültig löschen" }).click();
    await row.getByRole("cell", { name: /^\(gelöscht\)/ }).waitFor();
    assert.equal(await row.getByText("Personenbezogene Daten löschen").count(), 0, "erased once");
    await row.getByRole("cell", { name: "beendet", exact: true }).waitFor();
    await row.getByText(/Azubinummer \d+/).waitFor();
    await screenshot(staff, "39b-staff-contract-erased");
    // After a reload, in the exams of the staff and at the company: no name.
    await lookup();
    await row.getByRole("cell", { name: /^\(gelöscht\)/ }).waitFor();
    assert.equal(await staff.getByText("Lena Hoffmann").count(), 0, "the name is gone from the staff's list");
    await visit(staff, "/staff/exams", "Prüfungen");
    await staff.getByRole("cell", { name: "(gelöscht)", exact: true }).first().waitFor();
    assert.equal(await staff.getByText("Lena Hoffmann").count(), 0, "the name is gone from the exams");
    await visit(company, "/company/contracts", "Ausbildungsverhältnisse");
    await company.locator(`tr[data-contract="${contractId}"]`).getByText("(gelöscht)").waitFor();
    await visit(company, "/company/exams", "Prüfungstermine");
    await company.getByRole("cell", { name: "(gelöscht)", exact: true }).first().waitFor();
    assert.equal(await company.getByText("Lena Hoffmann").count(), 0, "the company no longer sees the name");
    await screenshot(company, "29-company-exams-after-erasure");
    noErrors(staff);
    noErrors(company);
  });
} catch {
  // reported by step()
} finally {
  await browser.close().catch(() => {});
  // The portal stops gracefully and cleanly (with the sanitizers of a debug
  // build, an error or leak found at exit fails the test too).
  const exit = await portal.stop();
  if (exit !== 0) {
    failed = true;
    console.error(`FAIL portal serve did not exit cleanly on SIGTERM: ${exit}`);
  }
  if (failed) console.error(`portal log (last 3000 characters):\n${portal.log().slice(-3000)}`);
}

console.log(
  `${failed ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${config.screenshots}`,
);
process.exit(failed ? 1 : 0);
