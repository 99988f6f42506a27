// Trainer and supervisor: records waiting for a decision (approve in bulk),
// and the overview of their trainees.
import { useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { germanMessage } from "../errors";
import { useSession } from "../session";
import { Alert, errorText, formatDateTime, Link, Loaded, Page, periodLabel, StatusBadge, Table, useAsync } from "../ui";
import type { Slot } from "./trainee";

/** Contracts by id, read once each (trainee names for lists). */
async function contractsOf(ids: string[]): Promise<Record<string, any>> {
  const out: Record<string, any> = {};
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        out[id] = await api.get(`/api/v1/contracts/${enc(id)}`);
      } catch {
        out[id] = null;
      }
    }),
  );
  return out;
}

/** Contracts this account saw records of (the overview's list), per account. */
function remember(accountId: string, ids: string[]): string[] {
  const key = `portal.trainees.${accountId}`;
  const known: string[] = JSON.parse(localStorage.getItem(key) ?? "[]");
  const out = [...new Set([...known, ...ids])];
  localStorage.setItem(key, JSON.stringify(out));
  return out;
}

export function ApprovalsPage() {
  const { me } = useSession();
  const state = useAsync(async () => {
    const items = await all<any>("/api/v1/approvals");
    remember(me.id, items.map((i) => i.contractId));
    return { items, contracts: await contractsOf(items.map((i) => i.contractId)) };
  }, []);
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
        {({ items, contracts }) => {
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
                  const c = contracts[i.contractId];
                  const name = c?.trainee?.name ?? "Auszubildende/r";
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
                        {c?.occupation && <div class="muted">{c.occupation}</div>}
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

/**
 * The trainer's trainees. The API has no list of a trainer's contracts, so
 * the overview shows the contracts of the records sent to this account
 * (waiting ones and those remembered from earlier visits).
 */
export function TraineesPage() {
  const { me } = useSession();
  const state = useAsync(async () => {
    const waiting = await all<any>("/api/v1/approvals");
    const ids = remember(me.id, waiting.map((w) => w.contractId));
    const contracts = await contractsOf(ids);
    const rows = await Promise.all(
      ids
        .filter((id) => contracts[id])
        .map(async (id) => {
          let slots: Slot[] = [];
          try {
            slots = await all<Slot>(`/api/v1/contracts/${enc(id)}/reports`);
          } catch {
            // A supervisor sees single records, not the contract's list.
          }
          return { contract: contracts[id], slots, waiting: waiting.filter((w) => w.contractId === id).length };
        }),
    );
    return rows;
  }, []);
  return (
    <Page title="Ihre Auszubildenden">
      <Loaded state={state}>
        {(rows) => (
          <Table caption="Auszubildende" head={["Name", "Beruf", "Wartet auf Sie", "Freigegeben", "Fehlt", "Abgelehnt"]} empty={!rows.length}>
            {rows.map(({ contract, slots, waiting }) => {
              const count = (s: string) => slots.filter((x) => x.status === s).length;
              return (
                <tr>
                  <td>
                    <Link href={`/trainees/${enc(contract.contractId)}`}>{contract.trainee?.name}</Link>
                  </td>
                  <td>{contract.occupation}</td>
                  <td>{waiting}</td>
                  <td>{slots.length ? count("approved") : "–"}</td>
                  <td class={count("missing") ? "warn" : ""}>{slots.length ? count("missing") : "–"}</td>
                  <td>{slots.length ? count("rejected") : "–"}</td>
                </tr>
              );
            })}
          </Table>
        )}
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
        <Page title={`Ausbildungsnachweise: ${contract.trainee?.name ?? ""}`} actions={<Link href={props.back}>Zurück</Link>}>
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
