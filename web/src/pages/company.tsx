// The company's pages (also for its representatives and central office):
// overview with the record-progress chart, contracts and "Konto erstellen",
// trainers, record settings, exam dates and results, representation,
// documents.
import { useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { useSession } from "../session";
import {
  Checkbox,
  contractEndRecorded,
  contractStatusText,
  examStatusLabels,
  examTypeLabels,
  Form,
  formatDate,
  Input,
  Link,
  Loaded,
  Page,
  personNameText,
  Select,
  Table,
  traineeNameText,
  useAsync,
} from "../ui";
import { DocumentList, ResultCell } from "./trainee";

function useCompanyId(): string {
  const { context } = useSession();
  return context.companyId ?? "";
}

const progressKinds: [string, string, string][] = [
  ["approved", "Freigegeben", "#1e7b34"],
  ["submitted", "Eingereicht", "#0b5cad"],
  ["draft", "Entwurf", "#6b6b6b"],
  ["rejected", "Abgelehnt", "#b3261e"],
  ["missing", "Fehlt", "#c77700"],
];

/** A name cut to fit the chart's label column. */
function shortName(name: string): string {
  return name.length > 22 ? name.slice(0, 21) + "…" : name;
}

/** A horizontal stacked bar per trainee: the record states of past periods. */
export function ProgressChart(props: { contracts: any[] }) {
  const rows = props.contracts.filter((c) => c.progress);
  if (!rows.length) return <p class="empty">Keine Ausbildungsnachweise.</p>;
  const labelW = 170;
  const barW = 460;
  const rowH = 30;
  const height = rows.length * rowH + 34;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${labelW + barW + 60} ${height}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id="chart-title">Fortschritt der Ausbildungsnachweise je Auszubildende/n</title>
        <desc id="chart-desc">
          {rows
            .map((c) => {
              const p = c.progress;
              return `${traineeNameText(c)}: ${p.approved} freigegeben, ${p.submitted} eingereicht, ${p.missing} fehlen`;
            })
            .join("; ")}
        </desc>
        {rows.map((c, i) => {
          const p = c.progress;
          const total = progressKinds.reduce((a, [k]) => a + (p[k] ?? 0), 0) || 1;
          let x = labelW;
          const y = i * rowH + 4;
          return (
            <g>
              <text x={labelW - 8} y={y + 15} text-anchor="end" font-size="13" fill="#1a1a1a">
                {shortName(traineeNameText(c))}
              </text>
              {progressKinds.map(([k, label, color]) => {
                const w = ((p[k] ?? 0) / total) * barW;
                const rect = (
                  <rect x={x} y={y} width={w} height={20} fill={color}>
                    <title>{`${label}: ${p[k] ?? 0}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              <text x={labelW + barW + 6} y={y + 15} font-size="12" fill="#1a1a1a">
                {Math.round(((p.approved ?? 0) / total) * 100)} %
              </text>
            </g>
          );
        })}
        {progressKinds.map(([, label, color], i) => (
          <g
            transform={`translate(${labelW + progressKinds.slice(0, i).reduce((a, [, l]) => a + l.length * 7 + 30, 0)}, ${
              rows.length * rowH + 14
            })`}
          >
            <rect width="12" height="12" fill={color} />
            <text x="16" y="11" font-size="12" fill="#1a1a1a">
              {label}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

function useDashboard() {
  const id = useCompanyId();
  return useAsync(() => api.get(`/api/v1/companies/${enc(id)}/dashboard`), [id]);
}

export function CompanyHomePage() {
  const id = useCompanyId();
  const state = useDashboard();
  return (
    <Page title="Übersicht">
      <Loaded state={state}>
        {(d) => (
          <>
            <div class="card">
              <h2>{d.company.name}</h2>
              <p>
                Mitgliedsnummer {d.company.memberNumber} · {d.company.address?.street}, {d.company.address?.zip}{" "}
                {d.company.address?.town}
              </p>
              <p>
                {d.contracts.length} Ausbildungsverhältnisse · {d.trainers.length} Ausbilder ·{" "}
                {d.exams?.length ?? 0} Prüfungsanmeldungen
              </p>
              <Form
                label="Veröffentlichung"
                secondary
                submit={d.company.consent ? "Zustimmung zur Veröffentlichung widerrufen" : "Der Veröffentlichung zustimmen"}
                action={async () => {
                  await api.put(`/api/v1/companies/${enc(id)}/publication`, { consent: !d.company.consent });
                  state.reload();
                  return "Gespeichert.";
                }}
              >
                <p>
                  Veröffentlichung als Ausbildungsbetrieb: <strong>{d.company.consent ? "ja" : "nein"}</strong>
                </p>
              </Form>
            </div>
            <h2>Fortschritt der Ausbildungsnachweise</h2>
            <ProgressChart contracts={d.contracts} />
          </>
        )}
      </Loaded>
    </Page>
  );
}

function TraineeAccountForm(props: { contract: any; onDone: () => void }) {
  const [email, setEmail] = useState("");
  return (
    <Form
      label={`Konto erstellen für ${props.contract.traineeName}`}
      class="inline-form"
      submit="Konto erstellen"
      action={async () => {
        await api.post(`/api/v1/contracts/${enc(props.contract.contractId)}/trainee-account`, { email: email.trim() });
        props.onDone();
        return "Die Einladung wurde per E-Mail versandt.";
      }}
    >
      <Input label="E-Mail-Adresse" type="email" value={email} onInput={setEmail} required />
    </Form>
  );
}

function ExamRegistrationForm(props: { contract: any; onDone: () => void }) {
  const exams = useAsync(() => all<any>(`/api/v1/exams?occupation=${enc(props.contract.occupation)}`), [props.contract.occupation]);
  const [examId, setExamId] = useState("");
  return (
    <Loaded state={exams}>
      {(list) =>
        list.length ? (
          <Form
            class="inline-form"
            label={`Zur Prüfung anmelden: ${props.contract.traineeName}`}
            submit="Zur Prüfung anmelden"
            secondary
            action={async () => {
              const id = examId || list[0].examId;
              await api.post(`/api/v1/exams/${enc(id)}/registrations`, { contractId: props.contract.contractId });
              props.onDone();
              return "Angemeldet.";
            }}
          >
            <Select
              label="Prüfungstermin"
              value={examId || list[0].examId}
              onChange={setExamId}
              options={list.map((e) => [e.examId, `${e.name ?? examTypeLabels[e.type]} (${formatDate(e.date)})`])}
            />
          </Form>
        ) : (
          <span class="muted">Kein Prüfungstermin für diesen Beruf.</span>
        )
      }
    </Loaded>
  );
}

export function CompanyContractsPage() {
  const id = useCompanyId();
  const state = useAsync(() => all<any>(`/api/v1/companies/${enc(id)}/contracts`), [id]);
  return (
    <Page title="Ausbildungsverhältnisse">
      <Loaded state={state}>
        {(items) => (
          <Table caption="Ausbildungsverhältnisse" head={["Auszubildende/r", "Beruf", "Zeitraum", "Status", "Nachweise", "Aktionen"]} empty={!items.length}>
            {items.map((c) => (
              <tr data-contract={c.contractId}>
                <td>
                  <Link href={`/company/contracts/${enc(c.contractId)}`}>{traineeNameText(c)}</Link>
                  <div class="muted">Azubinummer {c.traineeNumber}</div>
                </td>
                <td>{c.occupation}</td>
                <td>
                  {formatDate(c.start)} – {formatDate(c.end)}
                </td>
                <td>{contractStatusText(c)}</td>
                <td>
                  {c.recordForm === "paper" ? (
                    "Papier"
                  ) : c.progress ? (
                    <>
                      {c.progress.approved} freigegeben
                      {c.progress.missing > 0 && <div class="warn">{c.progress.missing} fehlen</div>}
                    </>
                  ) : (
                    "–"
                  )}
                </td>
                <td class="actions">
                  {!c.traineeAccountId && !contractEndRecorded(c) && <TraineeAccountForm contract={c} onDone={state.reload} />}
                  {c.status === "active" && <ExamRegistrationForm contract={c} onDone={state.reload} />}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
    </Page>
  );
}

export function CompanyTrainersPage() {
  const id = useCompanyId();
  const state = useAsync(() => all<any>(`/api/v1/companies/${enc(id)}/trainers`), [id]);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <Page title="Ausbilder">
      <Loaded state={state}>
        {(items) => (
          <Table caption="Ausbilderinnen und Ausbilder" head={["Name", "E-Mail", "Konto"]} empty={!items.length}>
            {items.map((t) => (
              <tr>
                <td>{personNameText(t)}</td>
                <td>{t.email}</td>
                <td>
                  {t.personalDataErased ? (
                    "–"
                  ) : t.accountId ? (
                    "vorhanden"
                  ) : (
                    <Form
                      class="inline-form"
                      label={`Konto erstellen für ${t.name}`}
                      submit="Konto erstellen"
                      action={async () => {
                        await api.post(`/api/v1/companies/${enc(id)}/trainers/${enc(t.trainerId)}/account`, {});
                        state.reload();
                        return "Die Einladung wurde per E-Mail versandt.";
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
      <h2>Ausbilder/in eintragen</h2>
      <Form
        label="Ausbilder/in eintragen"
        submit="Eintragen"
        action={async () => {
          await api.post(`/api/v1/companies/${enc(id)}/trainers`, { name: name.trim(), email: email.trim() });
          setName("");
          setEmail("");
          state.reload();
          return "Eingetragen.";
        }}
      >
        <Input label="Name" value={name} onInput={setName} required />
        <Input label="E-Mail-Adresse" type="email" value={email} onInput={setEmail} required />
      </Form>
    </Page>
  );
}

export function CompanySettingsPage() {
  const id = useCompanyId();
  const state = useDashboard();
  const [occupation, setOccupation] = useState("*");
  const [electronic, setElectronic] = useState(true);
  const [reminders, setReminders] = useState(true);
  return (
    <Page title="Einstellungen zum Ausbildungsnachweis">
      <Loaded state={state}>
        {(d) => {
          const occupations = [...new Set<string>(d.contracts.map((c: any) => c.occupation))];
          return (
            <>
              <Table caption="Einstellungen je Ausbildungsberuf" head={["Ausbildungsberuf", "Elektronischer Ausbildungsnachweis", "Erinnerungs-E-Mail senden"]} empty={!d.company.recordSettings?.length}>
                {(d.company.recordSettings ?? []).map((s: any) => (
                  <tr>
                    <td>{s.occupation === "*" ? "alle Berufe" : s.occupation}</td>
                    <td>{s.electronic ? "ja" : "nein"}</td>
                    <td>{s.reminders ? "ja" : "nein"}</td>
                  </tr>
                ))}
              </Table>
              <h2>Einstellung ändern</h2>
              <Form
                submit="Speichern"
                action={async () => {
                  await api.put(`/api/v1/companies/${enc(id)}/record-settings`, { occupation, electronic, reminders });
                  state.reload();
                  return "Gespeichert.";
                }}
              >
                <Select
                  label="Ausbildungsberuf"
                  value={occupation}
                  onChange={setOccupation}
                  options={[["*", "alle Berufe (auch künftige)"], ...occupations.map((o): [string, string] => [o, o])]}
                />
                <Checkbox label="Elektronischer Ausbildungsnachweis" checked={electronic} onChange={setElectronic} />
                <Checkbox label="Erinnerungs-E-Mail senden" checked={reminders} onChange={setReminders} />
              </Form>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

export function CompanyExamsPage() {
  const id = useCompanyId();
  const state = useAsync(() => all<any>(`/api/v1/companies/${enc(id)}/exams`), [id]);
  const [overview, setOverview] = useState<string | null>(null);
  const results = useAsync(
    () => (overview ? api.get(`/api/v1/companies/${enc(id)}/exams/${enc(overview)}/results`) : Promise.resolve(null)),
    [overview],
  );
  return (
    <Page title="Prüfungstermine">
      <Loaded state={state}>
        {(items) => {
          const examIds = [...new Set(items.map((x) => x.examId))];
          return (
            <>
              <Table caption="Prüfungstermine Ihrer Auszubildenden" head={["Name", "Prüfungsart", "Prüfungsstatus", "Datum", "Ausbildungsberuf", "Prüfungsdaten"]} empty={!items.length}>
                {items.map((x) => (
                  <tr data-registration={x.registrationId}>
                    <td>{traineeNameText(x)}</td>
                    <td>{examTypeLabels[x.type] ?? x.type}</td>
                    <td>{examStatusLabels[x.status] ?? x.status}</td>
                    <td>{formatDate(x.date)}</td>
                    <td>{x.occupation}</td>
                    <td>
                      <ResultCell result={x.result} />
                    </td>
                  </tr>
                ))}
              </Table>
              {examIds.length > 0 && (
                <div class="toolbar">
                  {examIds.map((e) => {
                    const x = items.find((i) => i.examId === e);
                    return (
                      <button type="button" class="secondary" onClick={() => setOverview(e)}>
                        Ergebnisse anzeigen: {x.name ?? examTypeLabels[x.type]} ({formatDate(x.date)})
                      </button>
                    );
                  })}
                </div>
              )}
            </>
          );
        }}
      </Loaded>
      {overview && (
        <Loaded state={results}>
          {(r: any) =>
            r && (
              <Table
                caption={`Ergebnisse: ${r.name ?? examTypeLabels[r.type]} am ${formatDate(r.date)}`}
                head={["Teilnehmer/in", "Status", "Ergebnis"]}
                empty={!r.participants?.length}
              >
                {r.participants.map((p: any) => (
                  <tr>
                    <td>{traineeNameText(p)}</td>
                    <td>{examStatusLabels[p.status] ?? p.status}</td>
                    <td>
                      <ResultCell result={p.result} />
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </Loaded>
      )}
    </Page>
  );
}

export function CompanyRepresentativesPage() {
  const id = useCompanyId();
  const state = useAsync(() => all<any>(`/api/v1/companies/${enc(id)}/representatives`), [id]);
  const [accountId, setAccountId] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <Page title="Vertretung">
      <Loaded state={state}>
        {(items) => (
          <Table caption="Vertreterinnen und Vertreter" head={["Name", "Art", "Status", ""]} empty={!items.length}>
            {items.map((r) => (
              <tr>
                <td>{r.personalDataErased ? personNameText(r) : (r.name ?? r.email ?? r.accountId)}</td>
                <td>{r.employee ? "Firmenmitarbeiter/in" : "Konto"}</td>
                <td>
                  {r.status === "pending"
                    ? "wartet auf Genehmigung der IHK"
                    : r.status === "active"
                      ? "aktiv"
                      : r.status === "revoked"
                        ? "widerrufen"
                        : r.status}
                </td>
                <td>
                  {r.status !== "revoked" && (
                    <Form
                      class="inline-form"
                      label={`Vertretung widerrufen: ${r.name ?? ""}`}
                      submit="Widerrufen"
                      secondary
                      action={async () => {
                        await api.del(`/api/v1/representatives/${enc(r.representativeId ?? r.id)}`);
                        state.reload();
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
      <div class="columns">
        <div>
          <h2>Bestehendes Konto als Vertretung</h2>
          <Form
            label="Bestehendes Konto als Vertretung"
            submit="Vertretung eintragen"
            action={async () => {
              await api.post(`/api/v1/companies/${enc(id)}/representatives`, { accountId: accountId.trim() });
              state.reload();
              return "Eingetragen.";
            }}
          >
            <Input label="Konto-ID" value={accountId} onInput={setAccountId} required />
          </Form>
        </div>
        <div>
          <h2>Firmenmitarbeiter/in als Vertretung</h2>
          <p class="muted">Braucht die Genehmigung der IHK; danach erhält die Person ihre Zugangsdaten per E-Mail.</p>
          <Form
            label="Firmenmitarbeiter/in als Vertretung"
            submit="Zur Genehmigung vorschlagen"
            action={async () => {
              await api.post(`/api/v1/companies/${enc(id)}/representatives`, { name: name.trim(), email: email.trim(), employee: true });
              state.reload();
              return "Vorgeschlagen.";
            }}
          >
            <Input label="Name" value={name} onInput={setName} required />
            <Input label="E-Mail-Adresse" type="email" value={email} onInput={setEmail} required />
          </Form>
        </div>
      </div>
    </Page>
  );
}

export function CompanyDocumentsPage() {
  const id = useCompanyId();
  const state = useAsync(() => all<any>(`/api/v1/companies/${enc(id)}/documents`), [id]);
  return (
    <Page title="Dokumente">
      <Loaded state={state}>{(docs) => <DocumentList docs={docs} />}</Loaded>
    </Page>
  );
}

