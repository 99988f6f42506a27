// Examiners: committees and exam dates, project proposals to decide,
// seminars.
import { useState } from "preact/hooks";
import { all, api, enc } from "../api";
import { useSession } from "../session";
import {
  Alert,
  Checkbox,
  examTypeLabels,
  Form,
  formatDate,
  Input,
  InputError,
  Link,
  Loaded,
  Page,
  Select,
  Table,
  TextArea,
  useAsync,
} from "../ui";

const memberRoleLabels: Record<string, string> = {
  employer: "Beauftragte/r der Arbeitgeber",
  employee: "Beauftragte/r der Arbeitnehmer",
  teacher: "Lehrkraft",
};

const outcomeLabels: Record<string, string> = {
  approved: "genehmigt",
  approved_with_notes: "genehmigt mit Hinweisen",
  changes_required: "Änderungen erforderlich",
  rejected: "abgelehnt",
  submitted: "eingereicht",
  withdrawn: "zurückgezogen",
};

export function ExaminingPage() {
  const state = useAsync(() => api.get("/api/v1/me/examining"), []);
  return (
    <Page title="Prüfertätigkeit">
      <Loaded state={state}>
        {(d: any) => (
          <>
            <Table caption="Ihre Prüfungsausschüsse" head={["Ausschuss", "Beruf", "Mitglied als", "Amtszeit bis"]} empty={!d.committees.length}>
              {d.committees.map((c: any) => (
                <tr>
                  <td>{c.committee}</td>
                  <td>{c.occupation}</td>
                  <td>{memberRoleLabels[c.memberRole] ?? c.memberRole}</td>
                  <td>{formatDate(c.termEnd)}</td>
                </tr>
              ))}
            </Table>
            <Table caption="Prüfungstermine" head={["Prüfung", "Art", "Datum", "Ort"]} empty={!d.exams.length}>
              {d.exams.map((e: any) => (
                <tr>
                  <td>{e.name}</td>
                  <td>{examTypeLabels[e.type] ?? e.type}</td>
                  <td>{formatDate(e.date)}</td>
                  <td>{e.location}</td>
                </tr>
              ))}
            </Table>
            <p>
              <Link href="/proposals">{d.proposals.length} Projektanträge warten auf eine Entscheidung</Link>
            </p>
          </>
        )}
      </Loaded>
    </Page>
  );
}

export function ProposalsPage() {
  const state = useAsync(() => all<any>("/api/v1/me/proposals"), []);
  return (
    <Page title="Projektanträge">
      <Loaded state={state}>
        {(items) => (
          <Table caption="Projektanträge" head={["Titel", "Status", "Eingereicht", ""]} empty={!items.length}>
            {items.map((p) => (
              <tr>
                <td>{p.title}</td>
                <td>{outcomeLabels[p.status] ?? p.status}</td>
                <td>{formatDate(p.submittedAt)}</td>
                <td>
                  <Link href={`/proposals/${enc(p.proposalId ?? p.id)}`}>Öffnen</Link>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
    </Page>
  );
}

export function ProposalPage(props: { id: string }) {
  const { context } = useSession();
  const state = useAsync(() => api.get(`/api/v1/proposals/${enc(props.id)}`), [props.id]);
  const [outcome, setOutcome] = useState("approved");
  const [remarks, setRemarks] = useState("");
  return (
    <Loaded state={state}>
      {(p: any) => (
        <Page title={`Projektantrag: ${p.title}`} actions={<Link href="/proposals">Zurück</Link>}>
          <p>Status: {outcomeLabels[p.status] ?? p.status}</p>
          <p class="pre">{p.description}</p>
          <Table caption="Phasen" head={["Phase", "Stunden"]} empty={!p.phases?.length}>
            {(p.phases ?? []).map((ph: any) => (
              <tr>
                <td>{ph.name}</td>
                <td>{ph.hours ?? (ph.minutes ? ph.minutes / 60 : "")}</td>
              </tr>
            ))}
          </Table>
          {(p.decisions ?? []).length > 0 && (
            <>
              <h2>Entscheidungen</h2>
              <ol class="timeline">
                {p.decisions.map((d: any) => (
                  <li>
                    <time dateTime={d.decidedAt}>{formatDate(d.decidedAt?.slice(0, 10))}</time>
                    <div>
                      <strong>{outcomeLabels[d.outcome] ?? d.outcome}</strong>
                      {d.committee && <> · {d.committee}</>}
                    </div>
                    {d.remarks && <div class="pre">{d.remarks}</div>}
                  </li>
                ))}
              </ol>
            </>
          )}
          {p.status === "submitted" && context.role === "examiner" && (
            <Form
              submit="Entscheidung speichern"
              action={async () => {
                const body: any = { outcome };
                if (remarks.trim()) body.remarks = remarks.trim();
                await api.post(`/api/v1/proposals/${enc(props.id)}/decision`, body);
                state.reload();
                return "Gespeichert; die Beteiligten werden benachrichtigt.";
              }}
            >
              <Select
                label="Entscheidung"
                value={outcome}
                onChange={setOutcome}
                options={Object.entries(outcomeLabels).slice(0, 4)}
              />
              <TextArea label="Begründung / Hinweise" value={remarks} onInput={setRemarks} />
            </Form>
          )}
          {context.role === "trainee" && <TraineeProposalActions proposal={p} onDone={state.reload} />}
        </Page>
      )}
    </Loaded>
  );
}

export function SeminarsPage() {
  const state = useAsync(() => api.get("/api/v1/me/examining"), []);
  return (
    <Page title="Prüferseminare">
      <Loaded state={state}>
        {(d: any) => (
          <>
            <Table caption="Ihre Anmeldungen" head={["Seminar", "Datum", "Status"]} empty={!d.seminars.length}>
              {d.seminars.map((s: any) => (
                <tr>
                  <td>{s.title}</td>
                  <td>{formatDate(s.date)}</td>
                  <td>{s.status === "confirmed" ? "bestätigt" : "angefragt"}</td>
                </tr>
              ))}
            </Table>
            <Table caption="Offene Seminare" head={["Seminar", "Datum", "Ort", ""]} empty={!d.openSeminars.length}>
              {d.openSeminars.map((s: any) => (
                <tr>
                  <td>{s.title}</td>
                  <td>{formatDate(s.date)}</td>
                  <td>{s.location}</td>
                  <td>
                    <Form
                      class="inline-form"
                      label={`Anmelden: ${s.title}`}
                      submit="Platz anfragen"
                      action={async () => {
                        await api.post(`/api/v1/seminars/${enc(s.seminarId ?? s.id)}/registrations`, {});
                        state.reload();
                        return "Angefragt.";
                      }}
                    />
                  </td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** Phases as the form takes them: one „Phase: Stunden“ per line. */
function parsePhases(text: string): { name: string; hours: number }[] {
  const list = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(.*?):\s*([\d.,]+)$/.exec(l);
      if (!m) throw new InputError(`Bitte „Phase: Stunden“ je Zeile angeben („${l}“).`);
      return { name: m[1].trim(), hours: Number(m[2].replace(",", ".")) };
    });
  if (!list.length) throw new InputError("Bitte geben Sie mindestens eine Projektphase an.");
  return list;
}

function phasesText(phases: any[]): string {
  return (phases ?? [])
    .map((ph) => `${ph.name}: ${String(ph.hours ?? (ph.minutes ? ph.minutes / 60 : 0)).replace(".", ",")}`)
    .join("\n");
}

/**
 * The fields of a proposal that the trainee writes, shared by the form of a
 * new proposal and the one that revises it: `fields` to render inside the
 * form, `body()` for the request (throws InputError on malformed phases).
 */
function useProposalFields(initial: { title?: string; description?: string; phases: string; consent?: boolean }) {
  const [title, setTitle] = useState(initial.title ?? "");
  const [description, setDescription] = useState(initial.description ?? "");
  const [phases, setPhases] = useState(initial.phases);
  const [consent, setConsent] = useState(initial.consent ?? false);
  return {
    body: () => ({
      title: title.trim(),
      phases: parsePhases(phases),
      description: description.trim(),
      companyConsent: consent,
    }),
    fields: (
      <>
        <Input label="Titel" value={title} onInput={setTitle} required />
        <TextArea label="Beschreibung" value={description} onInput={setDescription} rows={5} required />
        <TextArea label="Phasen mit Stunden (je Zeile „Phase: Stunden“)" value={phases} onInput={setPhases} />
        <Checkbox label="Der Ausbildungsbetrieb ist mit dem Projekt einverstanden" checked={consent} onChange={setConsent} />
      </>
    ),
  };
}

/**
 * The trainee's actions on a proposal: revise and resubmit it after
 * „Änderungen erforderlich“, or withdraw it while no final decision exists.
 */
function TraineeProposalActions(props: { proposal: any; onDone: () => void }) {
  const p = props.proposal;
  const id = p.proposalId ?? p.id;
  const proposal = useProposalFields({
    title: p.title,
    description: p.description,
    phases: phasesText(p.phases),
    consent: p.companyConsent,
  });
  const [reason, setReason] = useState("");
  const canResubmit = p.status === "changes_required";
  const canWithdraw = p.status === "submitted" || p.status === "changes_required";
  const [done, setDone] = useState<string | null>(null);
  return (
    <>
      {done && <Alert kind="success">{done}</Alert>}
      {canResubmit && (
        <>
          <h2>Überarbeiten und erneut einreichen</h2>
          <Form
            label="Projektantrag überarbeiten"
            submit="Erneut einreichen"
            action={async () => {
              await api.put(`/api/v1/proposals/${enc(id)}`, proposal.body());
              setDone("Der Projektantrag wurde erneut eingereicht.");
              props.onDone();
            }}
          >
            {proposal.fields}
          </Form>
        </>
      )}
      {canWithdraw && (
        <>
          <h2>Projektantrag zurückziehen</h2>
          <Form
            label="Projektantrag zurückziehen"
            submit="Zurückziehen"
            secondary
            action={async () => {
              await api.post(`/api/v1/proposals/${enc(id)}/withdraw`, reason.trim() ? { reason: reason.trim() } : {});
              setDone("Der Projektantrag wurde zurückgezogen.");
              props.onDone();
            }}
          >
            <TextArea label="Grund (freiwillig)" value={reason} onInput={setReason} rows={2} />
          </Form>
        </>
      )}
    </>
  );
}

/** The trainee's project proposals and a new one for an exam. */
export function TraineeProposalsPage() {
  const { context } = useSession();
  const state = useAsync(async () => {
    const [proposals, exams] = await Promise.all([all<any>("/api/v1/me/proposals"), all<any>("/api/v1/me/exams")]);
    return { proposals, exams };
  }, []);
  const [examId, setExamId] = useState("");
  const proposal = useProposalFields({ phases: "Planung: 8\nDurchführung: 20\nDokumentation: 7" });
  return (
    <Page title="Projektanträge">
      <Loaded state={state}>
        {({ proposals, exams }) => (
          <>
            <Table caption="Ihre Projektanträge" head={["Titel", "Status", ""]} empty={!proposals.length}>
              {proposals.map((p: any) => (
                <tr>
                  <td>{p.title}</td>
                  <td>{outcomeLabels[p.status] ?? p.status}</td>
                  <td>
                    <Link href={`/proposals/${enc(p.proposalId ?? p.id)}`}>Öffnen</Link>
                  </td>
                </tr>
              ))}
            </Table>
            {exams.length > 0 && context.contractId && (
              <>
                <h2>Neuer Projektantrag</h2>
                <Form
                  submit="Projektantrag einreichen"
                  action={async () => {
                    await api.post("/api/v1/proposals", {
                      contractId: context.contractId,
                      examId: examId || exams[0].examId,
                      ...proposal.body(),
                    });
                    state.reload();
                    return "Eingereicht.";
                  }}
                >
                  <Select
                    label="Prüfung"
                    value={examId || exams[0].examId}
                    onChange={setExamId}
                    options={exams.map((e: any) => [e.examId, `${e.name ?? examTypeLabels[e.type]} (${formatDate(e.date)})`])}
                  />
                  {proposal.fields}
                </Form>
              </>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}
