// Auditors (and chamber staff): a record's history as a timeline with
// actors, and its state as of a chosen time.
import { useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { navigate, useLocation } from "../router";
import {
  absenceKindLabels,
  Alert,
  entryKindLabels,
  errorText,
  formatDate,
  Input,
  Page,
  roleLabels,
  StatusBadge,
  Table,
} from "../ui";

const eventLabels: Record<string, string> = {
  "report.drafted": "Entwurf angelegt",
  "report.edited": "Bearbeitet",
  "report.submitted": "Zur Freigabe gesendet",
  "report.approved": "Freigegeben",
  "report.rejected": "Abgelehnt",
  "report.reopened": "Wieder geöffnet",
};

function changeText(e: any): string {
  const c = e.change ?? {};
  const parts: string[] = [];
  if (c.approverEmail) parts.push(`an ${c.approverEmail}`);
  if (c.remarks) parts.push(`Bemerkungen: „${c.remarks}“`);
  if (c.comment) parts.push(`Kommentar: „${c.comment}“`);
  if (Array.isArray(c.entries)) parts.push(`${c.entries.length} Tätigkeiten`);
  if (Array.isArray(c.absences) && c.absences.length) parts.push(`${c.absences.length} Abwesenheiten`);
  return parts.join(" · ");
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function AuditPage() {
  const { query } = useLocation();
  const [id, setId] = useState(query.get("report") ?? "");
  const [history, setHistory] = useState<any[] | null>(null);
  const [asOf, setAsOf] = useState("");
  const [state, setState] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (reportId: string) => {
    setError(null);
    setState(null);
    try {
      const items = await all<any>(`/api/v1/reports/${enc(reportId)}/history`);
      setHistory(items);
      if (items.length) setAsOf(toLocalInput(items[items.length - 1].recordedAt));
    } catch (e) {
      setHistory(null);
      setError(errorText(e));
    }
  };

  /** The state as of `at` (RFC 3339; the input's local time when empty). */
  const loadState = async (at?: string) => {
    setError(null);
    try {
      const t = at ?? new Date(asOf).toISOString();
      if (at) setAsOf(toLocalInput(at));
      setState(await api.get(`/api/v1/reports/${enc(id.trim())}?asOf=${enc(t)}`));
    } catch (e) {
      setState(null);
      setError(errorText(e));
    }
  };

  return (
    <Page title="Verlauf eines Ausbildungsnachweises">
      <form
        class="form inline-form"
        aria-label="Nachweis wählen"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/audit?report=${enc(id.trim())}`, true);
          load(id.trim());
        }}
      >
        <Input label="Nachweis-Kennung" name="report" value={id} onInput={setId} required hint="z. B. <Vertrag>-2026-W47" />
        <button type="submit">Verlauf anzeigen</button>
      </form>
      {error && <Alert>{error}</Alert>}
      {history && (
        <>
          <h2>Zeitleiste</h2>
          {history.length === 0 ? (
            <p class="empty">Keine Ereignisse.</p>
          ) : (
            <ol class="timeline">
              {history.map((e) => (
                <li>
                  <time dateTime={e.recordedAt}>
                    {new Date(e.recordedAt).toLocaleString("de-DE", { dateStyle: "medium", timeStyle: "medium" })}
                  </time>
                  <div>
                    <strong>{eventLabels[e.event] ?? e.event}</strong> (Version {e.version})
                    <div>
                      durch {roleLabels[e.actor?.role] ?? e.actor?.role} <code>{e.actor?.accountId}</code>
                      {e.actor?.onBehalfOfCompanyId && <> für Betrieb {e.actor.onBehalfOfCompanyId}</>}
                    </div>
                    {changeText(e) && <div class="muted">{changeText(e)}</div>}
                    <button
                      type="button"
                      class="link-button"
                      aria-label={`Stand nach „${eventLabels[e.event] ?? e.event}“ (Version ${e.version}) anzeigen`}
                      onClick={() => loadState(e.recordedAt)}
                    >
                      Stand danach anzeigen
                    </button>
                  </div>
                </li>
              ))}
            </ol>
          )}
          <h2>Stand zu einem Zeitpunkt</h2>
          <form
            class="form inline-form"
            aria-label="Stand zu einem Zeitpunkt"
            onSubmit={(e) => {
              e.preventDefault();
              loadState();
            }}
          >
            <Input label="Zeitpunkt" name="asOf" type="datetime-local" step={1} value={asOf} onInput={setAsOf} required />
            <button type="submit">Stand anzeigen</button>
          </form>
          {state && (
            <div class="card" data-testid="as-of">
              <p>
                Status: <StatusBadge status={state.status} /> · Version {state.version}
              </p>
              {state.remarks && <p>Bemerkungen: {state.remarks}</p>}
              <Table caption="Tätigkeiten" head={["Art", "Beschreibung", "Stunden"]} empty={!state.entries?.length}>
                {(state.entries ?? []).map((x: any) => (
                  <tr>
                    <td>{entryKindLabels[x.kind] ?? x.kind}</td>
                    <td>{x.text}</td>
                    <td>{String(x.hours ?? (x.minutes ? x.minutes / 60 : "")).replace(".", ",")}</td>
                  </tr>
                ))}
              </Table>
              {(state.absences ?? []).length > 0 && (
                <ul>
                  {state.absences.map((a: any) => (
                    <li>
                      {formatDate(a.date)}: {absenceKindLabels[a.kind] ?? a.kind}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
    </Page>
  );
}
