// Trainer and supervisor: records waiting for a decision (approve in bulk),
// and the overview of their trainees.
import { useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { germanMessage } from "../errors";
import { useSession } from "../session";
import {
  Alert,
  contractEndRecorded,
  contractStatusText,
  errorText,
  formatDate,
  formatDateTime,
  Link,
  Loaded,
  Page,
  periodLabel,
  StatusBadge,
  Table,
  traineeNameText,
  useAsync,
} from "../ui";
import type { Slot } from "./trainee";

export function ApprovalsPage() {
  const state = useAsync(async () => ({ items: await all<any>("/api/v1/approvals") }), []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const bulkApprove = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const res = await api.post<{ items: { id: string; status: number; code?: string; detail?: string }[] }>(
        "/api/v1/reports/approve",
        { reportIds: [...selected] },
      );
      const failed = res.items.filter((i) => i.status >= 300);
      const ok = res.items.length - failed.length;
      setMessage(
        failed.length
          ? {
              kind: "error",
              text: `${ok} freigegeben, ${failed.length} nicht: ${failed
                .map((f) => germanMessage(f.code, f.status, f.detail))
                .join(" ")}`,
            }
          : { kind: "success", text: `${ok} ${ok === 1 ? "Nachweis" : "Nachweise"} freigegeben.` },
      );
      setSelected(new Set());
      state.reload();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Freigaben">
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <Loaded state={state}>
        {({ items }) => {
          if (!items.length) return <p class="empty">Keine Nachweise warten auf Ihre Entscheidung.</p>;
          const allSelected = selected.size === items.length;
          return (
            <>
              <div class="toolbar">
                <button type="button" disabled={busy || selected.size === 0} onClick={bulkApprove}>
                  Ausgewählte freigeben ({selected.size})
                </button>
              </div>
              <Table caption="Nachweise, die auf Ihre Entscheidung warten" head={["", "Auszubildende/r", "Zeitraum", "Eingereicht", "Status", ""]}>
                <tr class="select-all">
                  <td>
                    <input
                      type="checkbox"
                      aria-label="Alle auswählen"
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((i: any) => i.reportId)))}
                    />
                  </td>
                  <td colSpan={5}>Alle auswählen</td>
                </tr>
                {items.map((i: any) => {
                  const name = i.traineeName || "Auszubildende/r";
                  return (
                    <tr data-report={i.reportId}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`${name}, ${periodLabel(i.period)} auswählen`}
                          checked={selected.has(i.reportId)}
                          onChange={(e) => {
                            const next = new Set(selected);
                            if ((e.target as HTMLInputElement).checked) next.add(i.reportId);
                            else next.delete(i.reportId);
                            setSelected(next);
                          }}
                        />
                      </td>
                      <td>
                        {name}
                        {i.occupation && <div class="muted">{i.occupation}</div>}
                      </td>
                      <td>{periodLabel(i.period)}</td>
                      <td>{formatDateTime(i.submittedAt)}</td>
                      <td>
                        <StatusBadge status={i.status} />
                      </td>
                      <td>
                        <Link href={`/reports/${enc(i.reportId)}`}>Prüfen</Link>
                      </td>
                    </tr>
                  );
                })}
              </Table>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

/** Record progress of a contract as `GET /api/v1/me/trainees` gives it. */
interface Progress {
  approved: number;
  submitted: number;
  rejected: number;
  draft: number;
  missing: number;
  open: number;
  total: number;
}

/**
 * "Ihre Auszubildenden": a trainer's contracts (`GET /api/v1/me/trainees`,
 * with record progress); a supervisor, who sees only the records sent to
 * them, gets the trainees of the records waiting for their decision.
 */
export function TraineesPage() {
  const { context } = useSession();
  const trainer = context.role === "trainer";
  const state = useAsync(async () => {
    const waiting = await all<any>("/api/v1/approvals");
    const waitingFor = (id: string) => waiting.filter((w) => w.contractId === id).length;
    if (trainer) {
      const trainees = await all<any>("/api/v1/me/trainees");
      return trainees.map((t) => ({ ...t, waiting: waitingFor(t.contractId) }));
    }
    const seen = new Map<string, any>();
    for (const w of waiting) {
      if (!seen.has(w.contractId))
        seen.set(w.contractId, { contractId: w.contractId, traineeName: w.traineeName, occupation: w.occupation });
    }
    return [...seen.values()].map((t) => ({ ...t, waiting: waitingFor(t.contractId) }));
  }, [trainer]);
  return (
    <Page title="Ihre Auszubildenden">
      {!trainer && (
        <p class="lead">Als freigebende Person sehen Sie die Auszubildenden, deren Nachweise auf Ihre Entscheidung warten.</p>
      )}
      <Loaded state={state}>
        {(rows) =>
          trainer ? (
            <Table
              caption="Auszubildende"
              head={["Name", "Beruf", "Ausbildungszeit", "Wartet auf Sie", "Freigegeben", "Fehlt", "Abgelehnt", "Fortschritt"]}
              empty={!rows.length}
            >
              {rows.map((t: any) => {
                const p: Progress | undefined = t.progress;
                const done = p && p.total ? Math.round((100 * p.approved) / p.total) : 0;
                return (
                  <tr data-contract={t.contractId}>
                    <td>
                      <Link href={`/trainees/${enc(t.contractId)}`}>{traineeNameText(t)}</Link>
                      {contractEndRecorded(t) && <div class="muted">{contractStatusText(t)}</div>}
                    </td>
                    <td>{t.occupation}</td>
                    <td>
                      {formatDate(t.start)} – {formatDate(t.end)}
                    </td>
                    <td>{t.waiting}</td>
                    <td>{p ? p.approved : "–"}</td>
                    <td class={p?.missing ? "warn" : ""}>{p ? p.missing : "–"}</td>
                    <td>{p ? p.rejected : "–"}</td>
                    <td>
                      {p && p.total ? (
                        <progress max={p.total} value={p.approved} aria-label={`${t.traineeName}: ${done} % freigegeben`}>
                          {done} %
                        </progress>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                );
              })}
            </Table>
          ) : (
            <Table caption="Auszubildende" head={["Name", "Beruf", "Wartet auf Sie"]} empty={!rows.length}>
              {rows.map((t: any) => (
                <tr data-contract={t.contractId}>
                  <td>{t.traineeName || "Auszubildende/r"}</td>
                  <td>{t.occupation}</td>
                  <td>
                    <Link href="/approvals">{t.waiting}</Link>
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </Loaded>
    </Page>
  );
}

/** One trainee's record periods (trainer, company): open a record to decide or reopen it. */
export function TraineeRecordsPage(props: { contractId: string; back: string }) {
  const state = useAsync(async () => {
    const [contract, slots] = await Promise.all([
      api.get(`/api/v1/contracts/${enc(props.contractId)}`),
      all<Slot>(`/api/v1/contracts/${enc(props.contractId)}/reports`),
    ]);
    return { contract, slots };
  }, [props.contractId]);
  return (
    <Loaded state={state}>
      {({ contract, slots }) => (
        <Page title={`Ausbildungsnachweise: ${contract.personalDataErased ? "(gelöscht)" : contract.trainee?.name ?? ""}`} actions={<Link href={props.back}>Zurück</Link>}>
          <p class="lead">
            {contract.occupation} · Azubinummer {contract.traineeNumber}
          </p>
          <Table caption="Zeiträume" head={["Zeitraum", "Status", "Bemerkungen", ""]} empty={!slots.length}>
            {[...slots].reverse().map((s) => (
              <tr class={`row-${s.status}`} data-period={s.periodKey}>
                <td>{periodLabel(s.period)}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>{s.remarks ?? ""}</td>
                <td>{s.reportId ? <Link href={`/reports/${enc(s.reportId)}`}>Öffnen</Link> : "–"}</td>
              </tr>
            ))}
          </Table>
        </Page>
      )}
    </Loaded>
  );
}
