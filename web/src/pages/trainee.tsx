// The trainee's pages: record periods with status (missing highlighted),
// the week editor (also the approver's view of a record), exams and
// results, documents.
import { useEffect, useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { navigate } from "../router";
import { useSession } from "../session";
import {
  absenceKindLabels,
  Alert,
  entryKindLabels,
  errorText,
  examStatusLabels,
  examTypeLabels,
  Form,
  formatDate,
  Input,
  formatDateTime,
  Link,
  Loaded,
  Page,
  parsePeriodKey,
  periodDays,
  periodLabel,
  StatusBadge,
  Table,
  TextArea,
  useAsync,
  useId,
  weekdayNames,
  type Period,
} from "../ui";

export interface Slot {
  period: Period;
  periodKey: string;
  status: string;
  reportId?: string;
  remarks?: string;
  approverEmail?: string;
  submittedAt?: string;
}

function NoContract() {
  return <Alert kind="info">Ihrem Konto ist kein Ausbildungsverhältnis zugeordnet.</Alert>;
}

export function ReportsPage() {
  const { context } = useSession();
  const cid = context.contractId;
  const [onlyOpen, setOnlyOpen] = useState(false);
  const state = useAsync(async () => {
    if (!cid) return null;
    const [contract, slots] = await Promise.all([
      api.get(`/api/v1/contracts/${enc(cid)}`),
      all<Slot>(`/api/v1/contracts/${enc(cid)}/reports`),
    ]);
    return { contract, slots };
  }, [cid]);
  if (!cid) return <Page title="Ausbildungsnachweise"><NoContract /></Page>;
  return (
    <Page title="Ausbildungsnachweise">
      <Loaded state={state}>
        {(d) => {
          if (!d) return <NoContract />;
          const { contract, slots } = d;
          const counts: Record<string, number> = {};
          slots.forEach((s) => (counts[s.status] = (counts[s.status] ?? 0) + 1));
          const shown = [...slots]
            .reverse()
            .filter((s) => !onlyOpen || ["missing", "draft", "rejected", "open"].includes(s.status));
          const rejected = slots.filter((s) => s.status === "rejected");
          return (
            <>
              <p class="lead">
                {contract.occupation} · {contract.personalDataErased ? "(gelöscht)" : contract.trainee?.name} · Azubinummer {contract.traineeNumber} ·{" "}
                {formatDate(contract.start)} – {formatDate(contract.end)}
              </p>
              {contract.recordForm === "paper" && (
                <Alert kind="info">Ihr Ausbildungsnachweis wird auf Papier geführt.</Alert>
              )}
              <ul class="summary" aria-label="Übersicht">
                {["approved", "submitted", "draft", "rejected", "missing"].map((s) => (
                  <li class={`summary-${s}`}>
                    <span class="num">{counts[s] ?? 0}</span> <StatusBadge status={s} />
                  </li>
                ))}
              </ul>
              {rejected.length > 0 && (
                <Alert kind="error">
                  <strong>Abgelehnte Nachweise – bitte überarbeiten:</strong>
                  <ul>
                    {rejected.map((s) => (
                      <li>
                        <Link href={`/reports/${enc(s.reportId!)}`}>{periodLabel(s.period)}</Link>
                        {s.remarks && <>: „{s.remarks}“</>}
                      </li>
                    ))}
                  </ul>
                </Alert>
              )}
              {(counts.missing ?? 0) > 0 && (
                <Alert kind="info">
                  Für {counts.missing} vergangene Zeiträume fehlt noch ein Nachweis. Sie sind in der Liste markiert.
                </Alert>
              )}
              <div class="toolbar">
                <label class="check">
                  <input type="checkbox" checked={onlyOpen} onChange={(e) => setOnlyOpen((e.target as HTMLInputElement).checked)} />
                  Nur offene, fehlende und abgelehnte Zeiträume zeigen
                </label>
                <button type="button" class="secondary" onClick={() => window.print()}>
                  Drucken / als PDF sichern
                </button>
              </div>
              <Table caption="Zeiträume" head={["Zeitraum", "Status", "Bemerkungen", "Aktion"]} empty={shown.length === 0}>
                {shown.map((s) => (
                  <tr class={`row-${s.status}`} data-period={s.periodKey}>
                    <td>{periodLabel(s.period)}</td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>{s.remarks ?? ""}</td>
                    <td>
                      {s.reportId ? (
                        <Link href={`/reports/${enc(s.reportId)}`}>
                          {s.status === "draft" || s.status === "rejected" ? "Bearbeiten" : "Ansehen"}
                        </Link>
                      ) : contract.recordForm !== "paper" ? (
                        <Link href={`/reports/new/${enc(s.periodKey)}`}>Nachweis anlegen</Link>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
              <AccessGrantPanel contractId={contract.contractId ?? cid} grant={contract.accessGrant} onChange={state.reload} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

/**
 * The trainee's consent for chamber staff to read the records (14 to 200
 * days, default 90), and ending it early.
 */
function AccessGrantPanel(props: { contractId: string; grant?: { active: boolean; expiresAt: string | null }; onChange: () => void }) {
  const [days, setDays] = useState("90");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const active = props.grant?.active ?? false;
  const url = `/api/v1/contracts/${enc(props.contractId)}/access-grants`;
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ kind: "success", text: await action() });
      props.onChange();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel access-grant" aria-labelledby="access-grant-title">
      <h2 id="access-grant-title">Einsicht der IHK</h2>
      <p>
        Die Sachbearbeitung der IHK liest Ihre Ausbildungsnachweise nur, wenn Sie es erlauben: für 14 bis 200 Tage. Sie
        können die Einsicht jederzeit beenden.
      </p>
      <p data-testid="access-grant-status">
        {active ? (
          <>
            <strong>Einsicht erlaubt</strong> bis {formatDateTime(props.grant?.expiresAt)}.
          </>
        ) : (
          "Die IHK hat zurzeit keine Einsicht in Ihre Nachweise."
        )}
      </p>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      {active ? (
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() =>
            run(async () => {
              await api.del(url);
              return "Die Einsicht der IHK wurde beendet.";
            })
          }
        >
          Einsicht beenden
        </button>
      ) : (
        <form
          class="form"
          aria-label="Einsicht der IHK erlauben"
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(days);
            if (!Number.isInteger(n) || n < 14 || n > 200) {
              setMessage({ kind: "error", text: "Bitte geben Sie eine Dauer von 14 bis 200 Tagen an." });
              return;
            }
            run(async () => {
              await api.post(url, { days: n });
              return `Die IHK darf Ihre Nachweise ${n} Tage lang einsehen.`;
            });
          }}
        >
          <Input label="Dauer in Tagen" type="number" min={14} max={200} step={1} value={days} onInput={setDays} required inputMode="numeric" />
          <button type="submit" disabled={busy}>
            {busy ? "Bitte warten …" : "Einsicht erlauben"}
          </button>
        </form>
      )}
    </section>
  );
}

interface Entry {
  kind: string;
  text: string;
  hours: string;
}
interface Absence {
  kind: string;
  hours: string;
}

function hoursText(h: unknown): string {
  return h === undefined || h === null ? "" : String(h).replace(".", ",");
}
function parseHours(s: string): number {
  const n = Number(s.replace(",", "."));
  return Number.isFinite(n) ? n : NaN;
}

/** One record: the trainee edits drafts and rejected ones; approvers decide. */
export function ReportPage(props: { reportId?: string; periodKey?: string }) {
  const { context } = useSession();
  const isTrainee = context.role === "trainee";
  const state = useAsync(async () => {
    if (props.reportId) return { report: await api.get(`/api/v1/reports/${enc(props.reportId)}`) };
    return { report: null };
  }, [props.reportId]);
  const period: Period | null = props.periodKey ? parsePeriodKey(props.periodKey) : null;
  // A message after saving or deciding, for the record it belongs to.
  const [flash, setFlash] = useState<{ id: string; text: string } | null>(null);
  const onSaved = (id: string, text: string) => {
    setFlash({ id, text });
    if (id !== props.reportId) navigate(`/reports/${enc(id)}`, true);
    else state.reload();
  };
  return (
    <Loaded state={state}>
      {({ report }) => {
        const p: Period | null = report?.period ?? period;
        if (!p) return <Alert>Unbekannter Zeitraum.</Alert>;
        const title = `Ausbildungsnachweis ${periodLabel(p)}`;
        const editable = isTrainee && (!report || report.status === "draft" || report.status === "rejected");
        return (
          <Page title={title} actions={<Link href={isTrainee ? "/reports" : "/approvals"}>Zurück zur Übersicht</Link>}>
            {report && (
              <p>
                Status: <StatusBadge status={report.status} />
                {report.approverEmail && <> · Freigabe durch {report.approverEmail}</>}
                {report.submittedAt && <> · eingereicht {formatDateTime(report.submittedAt)}</>}
                {report.trainingYear && <> · {report.trainingYear}. Ausbildungsjahr</>}
              </p>
            )}
            {flash && flash.id === props.reportId && (
              <Alert kind="success">{flash.text}</Alert>
            )}
            {report?.remarks && (report.status === "rejected" || report.reopened) && (
              <div class="remarks" role="note" aria-label="Bemerkungen des Ausbilders">
                <h2>Bemerkungen des Ausbilders</h2>
                <p>{report.remarks}</p>
              </div>
            )}
            {report?.comment && (
              <div class="remarks remarks-ok">
                <h2>Kommentar zur Freigabe</h2>
                <p>{report.comment}</p>
              </div>
            )}
            {editable ? (
              <WeekEditor
                key={report?.reportId ?? props.periodKey}
                period={p}
                report={report}
                contractId={context.contractId!}
                onSaved={onSaved}
              />
            ) : (
              <ReportView report={report} />
            )}
            {report && !isTrainee && <Decision report={report} onDone={(text) => onSaved(report.reportId, text)} />}
          </Page>
        );
      }}
    </Loaded>
  );
}

function ReportView(props: { report: any }) {
  const r = props.report;
  if (!r) return null;
  const total = (r.entries ?? []).reduce((a: number, e: any) => a + (e.hours ?? 0), 0);
  return (
    <>
      <Table caption="Tätigkeiten" head={["Art", "Beschreibung", "Stunden"]} empty={!r.entries?.length}>
        {(r.entries ?? []).map((e: any) => (
          <tr>
            <td>{entryKindLabels[e.kind] ?? e.kind}</td>
            <td class="pre">{e.text}</td>
            <td class="num">{hoursText(e.hours)}</td>
          </tr>
        ))}
        <tr class="total">
          <td colSpan={2}>Summe</td>
          <td class="num">{hoursText(total)}</td>
        </tr>
      </Table>
      <Table caption="Abwesenheiten" head={["Tag", "Art", "Stunden"]} empty={!r.absences?.length}>
        {(r.absences ?? []).map((a: any) => (
          <tr>
            <td>{formatDate(a.date)}</td>
            <td>{absenceKindLabels[a.kind] ?? a.kind}</td>
            <td>{a.hours ? hoursText(a.hours) : "ganzer Tag"}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}

function WeekEditor(props: {
  period: Period;
  report: any;
  contractId: string;
  onSaved: (id: string, message: string) => void;
}) {
  const { report, period } = props;
  const [entries, setEntries] = useState<Entry[]>(() =>
    report?.entries?.length
      ? report.entries.map((e: any) => ({ kind: e.kind, text: e.text, hours: hoursText(e.hours) }))
      : [
          { kind: "company", text: "", hours: "" },
          { kind: "school", text: "", hours: "" },
        ],
  );
  const days = periodDays(period);
  const [absences, setAbsences] = useState<Record<string, Absence>>(() => {
    const out: Record<string, Absence> = {};
    for (const a of report?.absences ?? []) out[a.date] = { kind: a.kind, hours: a.hours ? hoursText(a.hours) : "" };
    return out;
  });
  const [approver, setApprover] = useState<string>(
    report?.approverEmail ?? localStorage.getItem("portal.approverEmail") ?? "",
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const approverId = useId("approver");

  const total = entries.reduce((a, e) => a + (parseHours(e.hours) || 0), 0);

  const body = () => {
    const out = {
      entries: entries
        .filter((e) => e.text.trim() || e.hours.trim())
        .map((e, i) => {
          const h = parseHours(e.hours || "0");
          if (!e.text.trim()) throw new Error(`Bitte beschreiben Sie die Tätigkeit in Zeile ${i + 1}.`);
          if (Number.isNaN(h) || h < 0) throw new Error(`Bitte geben Sie in Zeile ${i + 1} gültige Stunden an.`);
          return { kind: e.kind, text: e.text.trim(), hours: h };
        }),
      absences: Object.entries(absences)
        .filter(([, a]) => a.kind)
        .map(([date, a]) => {
          const h = a.hours.trim() ? parseHours(a.hours) : 0;
          return h ? { date, kind: a.kind, hours: h } : { date, kind: a.kind };
        }),
    };
    if (!out.entries.length) throw new Error("Bitte tragen Sie mindestens eine Tätigkeit ein.");
    return out;
  };

  /** Saves the draft; returns the record id. */
  const save = async (): Promise<{ id: string; created: boolean }> => {
    const b = body();
    if (!report) {
      const r = await api.post(`/api/v1/contracts/${enc(props.contractId)}/reports`, { period, ...b });
      return { id: r.id, created: true };
    }
    await api.put(`/api/v1/reports/${enc(report.reportId)}`, b, { ifMatch: report.version });
    return { id: report.reportId, created: false };
  };

  const run = async (what: "save" | "submit") => {
    setBusy(true);
    setError(null);
    try {
      if (what === "submit" && !/^\S+@\S+\.\S+$/.test(approver.trim()))
        throw new Error("Bitte geben Sie die E-Mail-Adresse der freigebenden Person an.");
      const { id } = await save();
      if (what === "submit") {
        await api.post(`/api/v1/reports/${enc(id)}/submit`, { approverEmail: approver.trim() });
        localStorage.setItem("portal.approverEmail", approver.trim());
        props.onSaved(id, "Der Nachweis wurde zur Freigabe gesendet.");
      } else {
        props.onSaved(id, "Der Entwurf wurde gespeichert.");
      }
    } catch (e) {
      setError(e instanceof Error && !("status" in e) ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const setEntry = (i: number, patch: Partial<Entry>) =>
    setEntries(entries.map((e, j) => (i === j ? { ...e, ...patch } : e)));

  return (
    <form
      class="form week-editor"
      aria-label="Wochennachweis bearbeiten"
      onSubmit={(e) => {
        e.preventDefault();
        run("save");
      }}
    >
      <fieldset>
        <legend>Tätigkeiten</legend>
        {entries.map((e, i) => (
          <div class="entry" data-entry={i}>
            <label>
              <span>
                Art <span class="sr-only">(Zeile {i + 1})</span>
              </span>
              <select
                name={`entry-kind-${i}`}
                value={e.kind}
                onChange={(ev) => setEntry(i, { kind: (ev.target as HTMLSelectElement).value })}
              >
                {Object.entries(entryKindLabels).map(([v, l]) => (
                  <option value={v}>{l}</option>
                ))}
              </select>
            </label>
            <label class="grow">
              <span>
                Beschreibung <span class="sr-only">(Zeile {i + 1})</span>
              </span>
              <textarea
                name={`entry-text-${i}`}
                rows={2}
                value={e.text}
                onInput={(ev) => setEntry(i, { text: (ev.target as HTMLTextAreaElement).value })}
              />
            </label>
            <label class="hours">
              <span>
                Stunden <span class="sr-only">(Zeile {i + 1})</span>
              </span>
              <input
                name={`entry-hours-${i}`}
                inputMode="decimal"
                value={e.hours}
                onInput={(ev) => setEntry(i, { hours: (ev.target as HTMLInputElement).value })}
              />
            </label>
            <button
              type="button"
              class="link-button"
              aria-label={`Zeile ${i + 1} entfernen`}
              onClick={() => setEntries(entries.filter((_, j) => j !== i))}
            >
              Entfernen
            </button>
          </div>
        ))}
        <div class="toolbar">
          <button type="button" class="secondary" onClick={() => setEntries([...entries, { kind: "company", text: "", hours: "" }])}>
            Tätigkeit hinzufügen
          </button>
          <span aria-live="polite">Summe: {hoursText(total)} Stunden</span>
        </div>
      </fieldset>
      <fieldset>
        <legend>Abwesenheiten</legend>
        <div class="absences">
          {days.map((d, i) => {
            const a = absences[d] ?? { kind: "", hours: "" };
            return (
              <div class="absence">
                <label>
                  <span>
                    {period.kind === "week" ? weekdayNames[i] : "Tag"}, {formatDate(d)}
                  </span>
                  <select
                    name={`absence-${d}`}
                    value={a.kind}
                    onChange={(ev) =>
                      setAbsences({ ...absences, [d]: { ...a, kind: (ev.target as HTMLSelectElement).value } })
                    }
                  >
                    <option value="">anwesend</option>
                    {Object.entries(absenceKindLabels).map(([v, l]) => (
                      <option value={v}>{l}</option>
                    ))}
                  </select>
                </label>
                {a.kind && (
                  <label class="hours">
                    <span>Stunden (leer: ganzer Tag)</span>
                    <input
                      inputMode="decimal"
                      value={a.hours}
                      onInput={(ev) =>
                        setAbsences({ ...absences, [d]: { ...a, hours: (ev.target as HTMLInputElement).value } })
                      }
                    />
                  </label>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>
      <fieldset>
        <legend>Zur Freigabe senden</legend>
        <div class="field">
          <label for={approverId}>E-Mail der freigebenden Person (Ausbilder/in oder Ausbildungsbeauftragte/r)</label>
          <input
            id={approverId}
            name="approverEmail"
            type="email"
            value={approver}
            onInput={(e) => setApprover((e.target as HTMLInputElement).value)}
          />
        </div>
      </fieldset>
      {error && <Alert>{error}</Alert>}
      <div class="toolbar">
        <button type="submit" class="secondary" disabled={busy}>
          Entwurf speichern
        </button>
        <button type="button" disabled={busy} onClick={() => run("submit")}>
          Zur Freigabe senden
        </button>
      </div>
    </form>
  );
}

/** Approve / reject a submitted record; reopen an approved one. */
function Decision(props: { report: any; onDone: (message: string) => void }) {
  const r = props.report;
  const [comment, setComment] = useState("");
  const [remarks, setRemarks] = useState("");
  if (r.status !== "submitted" && r.status !== "approved") return null;
  return (
    <div class="decision">
      {r.status === "submitted" && (
        <Form
          label="Freigeben"
          submit="Freigeben"
          action={async () => {
            await api.post(`/api/v1/reports/${enc(r.reportId)}/approve`, comment.trim() ? { comment: comment.trim() } : {});
            props.onDone("Der Nachweis wurde freigegeben.");
          }}
        >
          <h2>Freigeben</h2>
          <TextArea label="Kommentar (optional)" name="comment" value={comment} onInput={setComment} />
        </Form>
      )}
      <Form
        label={r.status === "approved" ? "Wieder öffnen" : "Ablehnen"}
        submit={r.status === "approved" ? "Wieder öffnen" : "Ablehnen"}
        secondary
        action={async () => {
          if (!remarks.trim()) throw new Error("Bitte geben Sie Bemerkungen an: eine Ablehnung braucht eine Begründung.");
          await api.post(`/api/v1/reports/${enc(r.reportId)}/reject`, { remarks: remarks.trim() });
          props.onDone(r.status === "approved" ? "Der Nachweis wurde wieder geöffnet." : "Der Nachweis wurde abgelehnt.");
        }}
      >
        <h2>{r.status === "approved" ? "Freigegebenen Nachweis wieder öffnen" : "Ablehnen"}</h2>
        <TextArea label="Bemerkungen des Ausbilders" name="remarks" value={remarks} onInput={setRemarks} required />
      </Form>
    </div>
  );
}

export function ExamsPage() {
  const state = useAsync(() => all("/api/v1/me/exams"), []);
  return (
    <Page title="Prüfungen">
      <Loaded state={state}>
        {(items: any[]) => (
          <Table caption="Ihre Prüfungstermine" head={["Prüfung", "Art", "Datum", "Ort", "Status", "Ergebnis"]} empty={!items.length}>
            {items.map((x) => (
              <tr>
                <td>{x.name}</td>
                <td>{examTypeLabels[x.type] ?? x.type}</td>
                <td>{formatDate(x.date)}</td>
                <td>{x.location}</td>
                <td>{examStatusLabels[x.status] ?? x.status}</td>
                <td>
                  <ResultCell result={x.result} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
    </Page>
  );
}

export function ResultCell(props: { result: any }) {
  const r = props.result;
  if (!r) return <span class="muted">noch kein Ergebnis</span>;
  return (
    <div class="result">
      <strong>
        {r.totalPoints} Punkte · Note {r.grade}
      </strong>{" "}
      <span class={`badge ${r.final ? "badge-approved" : "badge-submitted"}`}>{r.final ? "endgültig" : "vorläufig"}</span>
      {r.parts?.length > 0 && (
        <ul class="parts">
          {r.parts.map((p: any) => (
            <li>
              {p.name}: {p.points} Punkte
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function DocumentsPage() {
  const { context } = useSession();
  const cid = context.contractId;
  const state = useAsync(async () => {
    if (!cid) return [];
    const contract = await api.get(`/api/v1/contracts/${enc(cid)}`);
    return Promise.all((contract.documentIds ?? []).map((id: string) => api.get(`/api/v1/documents/${enc(id)}`)));
  }, [cid]);
  return (
    <Page title="Dokumente">
      <Loaded state={state}>{(docs: any[]) => <DocumentList docs={docs} />}</Loaded>
    </Page>
  );
}

export function DocumentList(props: { docs: any[] }) {
  if (!props.docs.length) return <p class="empty">Keine Dokumente.</p>;
  return (
    <ul class="documents">
      {props.docs.map((d) => (
        <li>
          <DocumentItem doc={d} />
        </li>
      ))}
    </ul>
  );
}

function DocumentItem(props: { doc: any }) {
  const [body, setBody] = useState<string | null>(props.doc.body ?? null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open && body === null)
      api.get(`/api/v1/documents/${enc(props.doc.documentId)}`).then(
        (d) => setBody(d.body ?? ""),
        (e) => setError(errorText(e)),
      );
  }, [open]);
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {props.doc.title} <span class="muted">({formatDate(props.doc.issuedAt)})</span>
      </summary>
      {error && <Alert>{error}</Alert>}
      {body !== null && <pre class="document">{body}</pre>}
    </details>
  );
}
