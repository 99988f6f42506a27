// German messages for the API's stable error codes (problem+json `code`).
// Unknown codes fall back to a message by HTTP status.

const byCode: Record<string, string> = {
  "auth.unauthenticated": "Bitte melden Sie sich an.",
  "auth.invalid_credentials": "E-Mail-Adresse oder Passwort ist falsch.",
  "auth.invalid_pin": "E-Mail-Adresse oder PIN ist falsch.",
  "auth.locked": "Ihre Anmeldung ist nach zu vielen Fehlversuchen vorübergehend gesperrt.",
  "auth.rate_limited": "Zu viele Versuche. Bitte warten Sie eine Minute.",
  "auth.csrf": "Die Anfrage wurde aus Sicherheitsgründen abgelehnt. Bitte laden Sie die Seite neu.",
  "auth.role": "Diese Aktion ist in Ihrer Rolle nicht erlaubt.",
  "auth.company": "Sie dürfen nicht für diesen Betrieb handeln.",
  "auth.forbidden": "Dafür fehlt Ihnen die Berechtigung.",
  "auth.token_invalid": "Der Link ist ungültig oder abgelaufen. Bitte fordern Sie einen neuen an.",
  "auth.token_expired": "Der Link ist abgelaufen. Bitte fordern Sie einen neuen an.",
  "auth.token_used": "Der Link wurde bereits verwendet.",
  "auth.weak_password": "Das Passwort ist zu schwach: mindestens 10 Zeichen, bitte.",
  "account.reset_token_invalid": "Der Link zum Zurücksetzen ist ungültig oder wurde schon benutzt.",
  "account.reset_token_expired": "Der Link zum Zurücksetzen ist abgelaufen. Bitte fordern Sie einen neuen an.",
  "account.invitation_invalid": "Der Einladungslink ist ungültig oder wurde schon benutzt.",
  "account.invitation_expired": "Der Einladungslink ist abgelaufen. Bitte wenden Sie sich an Ihren Betrieb.",
  "account.already_activated": "Dieses Konto ist bereits aktiviert. Bitte melden Sie sich an.",
  "account.not_activated": "Dieses Konto ist noch nicht aktiviert. Bitte nutzen Sie den Link aus der Einladung.",
  "account.locked": "Ihre Anmeldung ist nach zu vielen Fehlversuchen vorübergehend gesperrt.",
  "account.no_pin": "Für diese E-Mail-Adresse gibt es keinen PIN-Zugang.",
  "account.wrong_password": "Das bisherige Passwort ist falsch.",
  "account.erased": "Dieses Konto wurde gelöscht.",
  "account.not_found": "Das Konto wurde nicht gefunden.",
  "report.not_found": "Der Nachweis wurde nicht gefunden.",
  "report.not_approver": "Sie sind nicht die freigebende Person dieses Nachweises.",
  "report.hours_per_day": "Zu viele Stunden an einem Tag.",
  "report.hours_implausible": "Die Stundenzahl ist nicht plausibel.",
  "report.period_taken": "Für diesen Zeitraum gibt es bereits einen Nachweis.",
  "report.period_kind_mismatch": "Der Zeitraum passt nicht zur Nachweisform (Woche oder Tag).",
  "report.paper_record_form": "Der Ausbildungsnachweis wird auf Papier geführt.",
  "report.electronic_records_disabled": "Der Betrieb hat den elektronischen Ausbildungsnachweis für diesen Beruf nicht freigeschaltet.",
  "report.contract_inactive": "Das Ausbildungsverhältnis ist nicht aktiv.",
  "report.too_many_entries": "Zu viele Einträge.",
  "report.duplicate_absence": "Für diesen Tag ist bereits eine Abwesenheit eingetragen.",
  "report.not_trainee": "Nur die oder der Auszubildende kann den Nachweis bearbeiten.",
  "contract.already_ended": "Das Ausbildungsverhältnis ist bereits beendet.",
  "contract.unknown_trainer": "Unbekannte Ausbilderin / unbekannter Ausbilder.",
  "contract.unknown_company": "Unbekannter Betrieb.",
  "contract.trainee_account_already_linked": "Für diese/n Auszubildende/n gibt es bereits ein Konto.",
  "contract.end_before_start": "Das Ende liegt vor dem Beginn.",
  "contract.end_not_after_start": "Das Ende muss nach dem Beginn liegen.",
  "validation.email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
  "validation.approver_email": "Bitte geben Sie eine gültige E-Mail-Adresse der freigebenden Person an.",
  "validation.remarks": "Bitte geben Sie Bemerkungen an.",
  "validation.date": "Bitte geben Sie ein gültiges Datum an.",
  "validation.token": "Der Link ist unvollständig. Bitte öffnen Sie ihn erneut aus der E-Mail.",
  "validation.too_short": "Die Eingabe ist zu kurz.",
  "validation.json": "Die Anfrage war fehlerhaft.",
  "validation.entry_minutes": "Eine Tätigkeit umfasst höchstens 24 Stunden – bitte auf mehrere Einträge aufteilen.",
  "validation.entry_text": "Bitte beschreiben Sie jede Tätigkeit.",
  "validation.entry_kind": "Bitte wählen Sie die Art jeder Tätigkeit.",
  "validation.absence_minutes": "Eine Abwesenheit umfasst höchstens 24 Stunden.",
  "validation.absence_date": "Die Abwesenheit liegt nicht im Zeitraum des Nachweises.",
  "validation.period": "Ungültiger Zeitraum.",
  "validation.field": "Bitte prüfen Sie die markierten Eingaben.",
  "validation.required": "Pflichtfeld.",
  "validation.type": "Ungültiger Wert.",
  "validation.query": "Ungültige Anfrage.",
  "validation.password": "Das Passwort erfüllt die Anforderungen nicht (mindestens 10 Zeichen).",
  "report.remarks_required": "Bitte geben Sie Bemerkungen an: eine Ablehnung braucht eine Begründung.",
  "report.already_approved": "Dieser Nachweis ist bereits freigegeben.",
  "report.already_exists": "Für diesen Zeitraum gibt es bereits einen Nachweis.",
  "report.not_editable": "Dieser Nachweis kann nicht mehr bearbeitet werden.",
  "report.not_submitted": "Dieser Nachweis wartet nicht auf eine Entscheidung.",
  "report.period_in_future": "Der Zeitraum liegt in der Zukunft.",
  "report.period_outside_contract": "Der Zeitraum liegt außerhalb des Ausbildungsverhältnisses.",
  "report.paper_form": "Der Ausbildungsnachweis wird auf Papier geführt.",
  "report.not_electronic": "Der Betrieb hat den elektronischen Ausbildungsnachweis für diesen Beruf nicht freigeschaltet.",
  "report.empty": "Bitte tragen Sie mindestens eine Tätigkeit ein.",
  "report.version_mismatch": "Der Nachweis wurde inzwischen geändert. Bitte laden Sie ihn neu.",
  "report.approver_invalid": "Diese Person kann den Nachweis nicht freigeben.",
  "report.self_approval": "Sie können Ihren eigenen Nachweis nicht freigeben.",
  "contract.not_found": "Das Ausbildungsverhältnis wurde nicht gefunden.",
  "contract.staff_only": "Nur die IHK-Sachbearbeitung kann Ausbildungsverhältnisse eintragen und ändern.",
  "account.forbidden": "Dafür fehlt Ihnen die Berechtigung.",
  "chamber.forbidden": "Nur die IHK-Sachbearbeitung kann die Kammereinstellungen ändern.",
  "chamber.version_mismatch":
    "Die Kammereinstellungen wurden inzwischen geändert. Bitte laden Sie die Seite neu und prüfen Sie Ihre Eingaben.",
  "chamber.grade_table_points_out_of_range": "Die Mindestpunkte des Notenschlüssels liegen zwischen 0 und 100.",
  "chamber.grade_table_not_descending":
    "Die Mindestpunkte müssen von Note 1 bis Note 6 abnehmen: Jede Note braucht weniger Punkte als die bessere.",
  "chamber.grade_table_not_covering_zero": "Die Note 6 muss bei 0 Punkten beginnen.",
  "chamber.grade_table_grades": "Der Notenschlüssel muss die Noten 1 bis 6 der Reihe nach enthalten.",
  "contract.ended": "Das Ausbildungsverhältnis ist beendet.",
  "contract.still_running":
    "Das Ausbildungsverhältnis läuft noch. Personenbezogene Daten werden erst nach seinem Ende gelöscht.",
  "contract.personal_data_erased":
    "Die personenbezogenen Daten der/des Auszubildenden wurden gelöscht; das Ausbildungsverhältnis kann nicht mehr geändert werden.",
  "company.not_found": "Der Betrieb wurde nicht gefunden.",
  "company.exists": "Dieser Betrieb ist bereits eingetragen.",
  "account.already_exists": "Für diese E-Mail-Adresse gibt es bereits ein Konto.",
  "exam.records_incomplete":
    "Zulassung nicht möglich: Nicht alle vergangenen Ausbildungsnachweise des Ausbildungsverhältnisses sind freigegeben.",
  "exam.already_decided": "Über diese Anmeldung wurde bereits entschieden.",
  "exam.not_found": "Der Prüfungstermin wurde nicht gefunden.",
  "validation.days": "Bitte geben Sie eine Dauer von 14 bis 200 Tagen an.",
  "access_grant.forbidden": "Nur die oder der Auszubildende kann der IHK Einsicht geben oder sie beenden.",
  "access_grant.not_found": "Es gibt keine laufende Einsicht der IHK.",
  "examiner.appointment_not_found": "Die Berufung in den Prüfungsausschuss wurde nicht gefunden.",
  "examiner.appointment_ended": "Die Berufung ist beendet.",
  "examiner.occupation_mismatch": "Der Prüfungstermin gehört zu einem anderen Ausbildungsberuf als die Berufung.",
  "examiner.term_not_covering": "Der Prüfungstermin liegt außerhalb der Amtszeit der Berufung.",
  "examiner.exam_not_found": "Der Prüfungstermin wurde nicht gefunden.",
  "examiner.exam_cancelled": "Der Prüfungstermin ist abgesagt.",
  "examiner.account_mismatch": "Die Berufung gehört zu einem anderen Konto.",
  "examiner.not_staff": "Nur die IHK-Sachbearbeitung kann Prüfer einteilen.",
  "proposal.withdrawn": "Der Projektantrag wurde zurückgezogen.",
  "proposal.already_decided": "Über den Projektantrag wurde bereits entschieden.",
  "proposal.already_submitted": "Für diese Prüfung gibt es bereits einen Projektantrag.",
  "proposal.awaiting_resubmission": "Der Projektantrag wartet auf Ihre Überarbeitung.",
  "proposal.deadline_passed": "Die Abgabefrist für Projektanträge ist abgelaufen.",
  "proposal.company_consent_required": "Bitte bestätigen Sie das Einverständnis des Ausbildungsbetriebs.",
  "proposal.phases_required": "Bitte geben Sie mindestens eine Projektphase an.",
  "proposal.not_trainee": "Nur die oder der Auszubildende kann den Projektantrag ändern.",
  "proposal.not_found": "Der Projektantrag wurde nicht gefunden.",
  "proposal.too_long": "Der Projektantrag ist zu lang.",
  "projection.timeout": "Die Daten werden gerade aktualisiert. Bitte versuchen Sie es gleich noch einmal.",
  "http.not_found": "Nicht gefunden.",
  "http.too_large": "Die Eingabe ist zu groß.",
  internal: "Ein unerwarteter Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
  network: "Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung.",
};

const byStatus: Record<number, string> = {
  400: "Die Eingabe ist ungültig.",
  401: "Bitte melden Sie sich an.",
  403: "Dafür fehlt Ihnen die Berechtigung.",
  404: "Nicht gefunden oder für Sie nicht sichtbar.",
  409: "Das passt nicht zum aktuellen Stand. Bitte laden Sie die Seite neu.",
  412: "Der Datensatz wurde inzwischen geändert. Bitte laden Sie ihn neu.",
  413: "Die Eingabe ist zu groß.",
  422: "Das ist nach den Regeln des Portals nicht möglich.",
  423: "Ihre Anmeldung ist vorübergehend gesperrt.",
  429: "Zu viele Anfragen. Bitte warten Sie einen Moment.",
  503: "Der Dienst ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut.",
};

const fieldNames: Record<string, string> = {
  login: "Anmeldename",
  password: "Passwort",
  email: "E-Mail-Adresse",
  pin: "PIN",
  remarks: "Bemerkungen",
  approverEmail: "E-Mail der freigebenden Person",
  traineeNumber: "Azubinummer",
  entries: "Tätigkeiten",
  absences: "Abwesenheiten",
  name: "Name",
  date: "Datum",
  days: "Dauer in Tagen",
  examId: "Prüfungstermin",
  appointmentId: "Berufung",
  title: "Titel",
  description: "Beschreibung",
  phases: "Projektphasen",
  reason: "Grund",
  start: "Beginn",
  end: "Ende",
  maxFailedLogins: "Fehlversuche bis zur Sperre",
  lockMinutes: "Dauer der Sperre",
  gradeTable: "Notenschlüssel",
  periodKind: "Zeitraum eines Nachweises",
  durationMonths: "Ausbildungsdauer",
};

/** What a validation error's field code says about the field. */
const fieldCodes: Record<string, string> = {
  "validation.required": "fehlt",
  "validation.empty": "ist leer",
  "validation.type": "ungültiger Wert",
  "validation.range": "außerhalb des erlaubten Bereichs",
  "validation.too_long": "zu lang",
  "validation.too_many": "zu viele Einträge",
  "validation.enum": "unbekannter Wert",
  "validation.email": "keine gültige E-Mail-Adresse",
  "validation.date": "kein gültiges Datum",
};

/** The German message of an API error code (by status when unknown). */
export function germanMessage(code: string | undefined, status: number, detail?: string): string {
  if (code && byCode[code]) return byCode[code];
  if (code?.endsWith(".version_mismatch")) return byStatus[412];
  if (code?.endsWith(".not_found")) return byStatus[404];
  if (code?.endsWith(".already_exists") || code?.endsWith(".exists") || code?.endsWith(".taken"))
    return "Das gibt es bereits.";
  const base = byStatus[status] ?? byCode.internal;
  // Domain rules (422) and input checks (400) carry an English detail that
  // names the rule: keep it visible as a hint without making it the message.
  return (status === 422 || status === 400) && detail ? `${base} (${detail})` : base;
}

/** A field path of a validation error in German ("entries[2].hours"). */
export function germanField(path: string): string {
  const head = path.split(/[.[]/)[0];
  return fieldNames[head] ?? path;
}

/** A field of a validation error with what is wrong with it ("Grund: fehlt"). */
export function germanFieldError(f: { field: string; code: string }): string {
  const what = fieldCodes[f.code];
  return what ? `${germanField(f.field)}: ${what}` : germanField(f.field);
}
