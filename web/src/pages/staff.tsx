// Chamber staff: register companies and contracts (change their dates, end
// them, erase the trainee's personal data once they ended), schedule exams, admissions, results and publication, approve
// representatives, appoint examiners, create, unlock and erase accounts,
// seminars and their confirmations, and the chamber's settings (which
// auditors read).
import { useEffect, useState } from "preact/hooks";
import { all, api, chamberApi, enc, type ChamberSettings, type GradeStep, type PeriodKind } from "../api";
import { useSession } from "../session";
import {
  Alert,
  Checkbox,
  contractEndRecorded,
  contractStatusText,
  errorText,
  examStatusLabels,
  examTypeLabels,
  Form,
  formatDate,
  Input,
  InputError,
  Loaded,
  Page,
  personNameText,
  Select,
  Table,
  traineeNameText,
  useAsync,
} from "../ui";
import { ResultCell } from "./trainee";

const today = () => new Date().toISOString().slice(0, 10);

function RegisterCompany() {
  const [f, setF] = useState({ name: "", memberNumber: "", email: "", street: "", zip: "", town: "", central: "" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  return (
    <Form
      label="Betrieb eintragen"
      submit="Betrieb eintragen"
      action={async () => {
        const body: any = {
          name: f.name.trim(),
          memberNumber: f.memberNumber.trim(),
          email: f.email.trim(),
          address: { street: f.street.trim(), zip: f.zip.trim(), town: f.town.trim() },
        };
        if (f.central.trim()) body.centralCompanyId = f.central.trim();
        const r = await api.post("/api/v1/companies", body);
        return `Der Betrieb wurde eingetragen (Kennung ${r.id}).`;
      }}
    >
      <Input label="Name" value={f.name} onInput={set("name")} required />
      <Input label="Mitgliedsnummer" value={f.memberNumber} onInput={set("memberNumber")} required />
      <Input label="E-Mail-Adresse" type="email" value={f.email} onInput={set("email")} required />
      <Input label="Straße" value={f.street} onInput={set("street")} required />
      <Input label="PLZ" value={f.zip} onInput={set("zip")} inputMode="numeric" required />
      <Input label="Ort" value={f.town} onInput={set("town")} required />
      <Input label="Zentrale (Kennung, nur für Zweigstellen)" value={f.central} onInput={set("central")} />
    </Form>
  );
}

function RegisterContract() {
  const [f, setF] = useState({
    companyId: "",
    name: "",
    birthDate: "",
    email: "",
    occupation: "",
    start: "",
    end: "",
    recordForm: "electronic",
    trainerId: "",
  });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const trainers = useAsync(
    () => (f.companyId.trim().length > 3 ? all<any>(`/api/v1/companies/${enc(f.companyId.trim())}/trainers`) : Promise.resolve([])),
    [f.companyId],
  );
  return (
    <Form
      label="Ausbildungsverhältnis eintragen"
      submit="Ausbildungsverhältnis eintragen"
      action={async () => {
        const trainee: any = { name: f.name.trim(), birthDate: f.birthDate };
        if (f.email.trim()) trainee.email = f.email.trim();
        const trainerIds = f.trainerId ? [f.trainerId] : trainers.data?.length ? [trainers.data[0].trainerId] : [];
        const r = await api.post("/api/v1/contracts", {
          companyId: f.companyId.trim(),
          trainee,
          occupation: f.occupation.trim(),
          start: f.start,
          end: f.end,
          recordForm: f.recordForm,
          trainerIds,
        });
        return `Eingetragen; die Eintragungsbestätigung ist erstellt (Vertrag ${r.id}).`;
      }}
    >
      <Input label="Betrieb (Kennung, z. B. member-10001)" value={f.companyId} onInput={set("companyId")} required />
      {trainers.data && trainers.data.length > 0 && (
        <Select
          label="Ausbilder/in"
          value={f.trainerId || trainers.data[0].trainerId}
          onChange={set("trainerId")}
          options={trainers.data.map((t: any) => [t.trainerId, personNameText(t)])}
        />
      )}
      <Input label="Name der/des Auszubildenden" value={f.name} onInput={set("name")} required />
      <Input label="Geburtsdatum" type="date" value={f.birthDate} onInput={set("birthDate")} required />
      <Input label="E-Mail-Adresse (optional)" type="email" value={f.email} onInput={set("email")} />
      <Input label="Ausbildungsberuf" value={f.occupation} onInput={set("occupation")} required />
      <Input label="Beginn" type="date" value={f.start} onInput={set("start")} required />
      <Input label="Ende" type="date" value={f.end} onInput={set("end")} required />
      <Select
        label="Form des Ausbildungsnachweises"
        value={f.recordForm}
        onChange={set("recordForm")}
        options={[
          ["electronic", "elektronisch"],
          ["paper", "Papier"],
        ]}
      />
    </Form>
  );
}

function EndContract(props: { contract: any; onDone: () => void }) {
  const [date, setDate] = useState(today());
  const [reason, setReason] = useState("regular");
  return (
    <Form
      class="inline-form"
      label={`Vertrag beenden: ${props.contract.traineeName}`}
      submit="Vertrag beenden"
      secondary
      action={async () => {
        await api.post(`/api/v1/contracts/${enc(props.contract.contractId)}/end`, { date, reason });
        props.onDone();
        return "Beendet.";
      }}
    >
      <Input label="Ende am" type="date" value={date} onInput={setDate} required />
      <Select
        label="Grund"
        value={reason}
        onChange={setReason}
        options={[
          ["regular", "reguläres Ende"],
          ["terminated", "vorzeitige Lösung"],
          ["other", "Sonstiges"],
        ]}
      />
    </Form>
  );
}

/** Chamber staff change a running contract's start and end date. */
function ChangeContractDates(props: { contract: any; onDone: () => void }) {
  const [start, setStart] = useState<string>(props.contract.start ?? "");
  const [end, setEnd] = useState<string>(props.contract.end ?? "");
  return (
    <details class="inline-details">
      <summary>Vertragsdaten ändern</summary>
      <Form
        class="inline-form"
        label={`Vertragsdaten ändern: ${props.contract.traineeName}`}
        submit="Daten speichern"
        secondary
        action={async () => {
          await chamberApi.changeContractDates(props.contract.contractId, { start, end });
          props.onDone();
          return `Gespeichert: ${formatDate(start)} – ${formatDate(end)}.`;
        }}
      >
        <Input label="Beginn" type="date" value={start} onInput={setStart} required />
        <Input label="Ende" type="date" value={end} onInput={setEnd} required />
      </Form>
    </details>
  );
}

/**
 * Chamber staff erase the trainee's personal data of an ended contract when
 * its retention ends: a required reason, then a confirmation step. The
 * contract keeps its number, dates and status; its trainee shows as
 * "(gelöscht)" from then on.
 */
function ErasePersonalData(props: { contract: any; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [pending, setPending] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = props.contract.traineeName;
  if (pending !== null) {
    const erase = async () => {
      setBusy(true);
      setError(null);
      try {
        await chamberApi.eraseContractPersonalData(props.contract.contractId, pending);
        setPending(null);
        setReason("");
        props.onDone();
      } catch (err) {
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    };
    return (
      <div class="card confirm" role="group" aria-label={`Löschen bestätigen: ${name}`}>
        <p>
          <strong>Wirklich löschen?</strong> Name, Geburtsdatum und E-Mail-Adresse von {name} werden in diesem
          Ausbildungsverhältnis gelöscht, auch in Prüfungsanmeldungen, Erinnerungen und Dokumenten, ebenso die Texte
          der Ausbildungsnachweise und der Zugang des Azubis, wenn er nur diesem Ausbildungsverhältnis diente.
          Azubinummer, Zeitraum, Stand der Nachweise und Ergebnisse bleiben. Das lässt sich nicht rückgängig machen.
        </p>
        <p>Grund: {pending}</p>
        {error && <Alert>{error}</Alert>}
        <div class="toolbar">
          <button type="button" disabled={busy} onClick={erase}>
            {busy ? "Bitte warten …" : "Endgültig löschen"}
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => setPending(null)}>
            Abbrechen
          </button>
        </div>
      </div>
    );
  }
  return (
    <details class="inline-details">
      <summary>Personenbezogene Daten löschen</summary>
      <Form
        class="inline-form"
        label={`Personenbezogene Daten löschen: ${name}`}
        submit="Personenbezogene Daten löschen …"
        secondary
        action={async () => {
          const why = reason.trim();
          if (!why) throw new InputError("Bitte geben Sie den Grund der Löschung an.");
          setPending(why);
        }}
      >
        <Input
          label="Grund der Löschung"
          name="erase-contract-reason"
          value={reason}
          onInput={setReason}
          hint="z. B. „Aufbewahrungsfrist abgelaufen“; der Grund bleibt im Protokoll."
          required
        />
      </Form>
    </details>
  );
}

function CompanyLookup() {
  const [id, setId] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const state = useAsync(
    () => (shown ? api.get(`/api/v1/companies/${enc(shown)}/dashboard`) : Promise.resolve(null)),
    [shown],
  );
  return (
    <>
      <form
        class="form inline-form"
        aria-label="Betrieb nachschlagen"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(id.trim());
        }}
      >
        <Input label="Betrieb (Kennung)" name="lookup" value={id} onInput={setId} required />
        <button type="submit">Anzeigen</button>
      </form>
      {shown && (
        <Loaded state={state}>
          {(d: any) =>
            d && (
              <Table caption={`Ausbildungsverhältnisse: ${d.company.name}`} head={["Auszubildende/r", "Beruf", "Zeitraum", "Status", ""]} empty={!d.contracts.length}>
                {d.contracts.map((c: any) => (
                  <tr data-contract={c.contractId}>
                    <td>
                      {traineeNameText(c)}
                      <div class="muted">Azubinummer {c.traineeNumber}</div>
                    </td>
                    <td>{c.occupation}</td>
                    <td>
                      {formatDate(c.start)} – {formatDate(c.end)}
                    </td>
                    <td>{contractStatusText(c)}</td>
                    <td class="actions">
                      {!contractEndRecorded(c) && (
                        <>
                          <EndContract contract={c} onDone={state.reload} />
                          <ChangeContractDates contract={c} onDone={state.reload} />
                        </>
                      )}
                      {c.status === "ended" && !c.personalDataErased && (
                        <ErasePersonalData contract={c} onDone={state.reload} />
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </Loaded>
      )}
    </>
  );
}

export function StaffHomePage() {
  return (
    <Page title="Betriebe & Ausbildungsverhältnisse">
      <h2>Betrieb nachschlagen</h2>
      <CompanyLookup />
      <div class="columns">
        <div>
          <h2>Betrieb eintragen</h2>
          <RegisterCompany />
        </div>
        <div>
          <h2>Ausbildungsverhältnis eintragen</h2>
          <RegisterContract />
        </div>
      </div>
    </Page>
  );
}

function ResultForm(props: { exam: any; reg: any; onDone: () => void }) {
  const [parts, setParts] = useState(
    (props.reg.result?.parts?.map((p: any) => `${p.name}: ${p.points}`).join("\n") as string | undefined) ??
      "Schriftliche Prüfung: \nPraktische Prüfung: ",
  );
  const [final, setFinal] = useState<boolean>(props.reg.result?.final ?? false);
  return (
    <Form
      class="inline-form"
      label={`Ergebnis erfassen: ${props.reg.traineeName}`}
      submit="Ergebnis speichern"
      secondary
      action={async () => {
        const list = parts
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .map((l) => {
            const m = /^(.*?):\s*(\d+)$/.exec(l);
            if (!m) throw new Error(`Bitte „Bereich: Punkte“ je Zeile angeben („${l}“).`);
            return { name: m[1].trim(), points: Number(m[2]) };
          });
        await api.put(`/api/v1/exams/${enc(props.exam.examId)}/registrations/${enc(props.reg.registrationId)}/result`, {
          parts: list,
          final,
        });
        props.onDone();
        return "Gespeichert.";
      }}
    >
      <label>
        <span>Bereiche und Punkte (je Zeile „Bereich: Punkte“)</span>
        <textarea rows={2} value={parts} onInput={(e) => setParts((e.target as HTMLTextAreaElement).value)} />
      </label>
      <Checkbox label="Endergebnis (vom Ausschuss festgestellt)" checked={final} onChange={setFinal} />
    </Form>
  );
}

export function StaffExamsPage() {
  const state = useAsync(() => all<any>("/api/v1/exams"), []);
  const [f, setF] = useState({ occupation: "", type: "intermediate", date: "", location: "", name: "", deadline: "" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  return (
    <Page title="Prüfungen">
      <Loaded state={state}>
        {(exams) =>
          exams.length ? (
            <>
              {exams.map((e) => (
                <section class="card" data-exam={e.examId}>
                  <h2>
                    {e.name ?? examTypeLabels[e.type]} · {formatDate(e.date)}
                  </h2>
                  <p>
                    {examTypeLabels[e.type]} · {e.occupation} · {e.location} ·{" "}
                    {e.resultsPublished ? "Ergebnisse veröffentlicht" : "Ergebnisse nicht veröffentlicht"}
                  </p>
                  <Table caption="Anmeldungen" head={["Auszubildende/r", "Status", "Ergebnis", "Aktionen"]} empty={!e.registrations?.length}>
                    {(e.registrations ?? []).map((r: any) => (
                      <tr>
                        <td>{traineeNameText(r)}</td>
                        <td>{examStatusLabels[r.status] ?? r.status}</td>
                        <td>
                          <ResultCell result={r.result} />
                        </td>
                        <td class="actions">
                          {r.status === "registered" && (
                            <>
                              <Form
                                class="inline-form"
                                label={`Zulassen: ${r.traineeName}`}
                                submit="Zulassen"
                                action={async () => {
                                  await api.post(`/api/v1/exams/${enc(e.examId)}/registrations/${enc(r.registrationId)}/admission`, {
                                    admitted: true,
                                  });
                                  state.reload();
                                }}
                              />
                              <RefuseForm exam={e} reg={r} onDone={state.reload} />
                            </>
                          )}
                          {r.status === "admitted" && <ResultForm exam={e} reg={r} onDone={state.reload} />}
                        </td>
                      </tr>
                    ))}
                  </Table>
                  {!e.resultsPublished && (
                    <Form
                      label="Ergebnisse veröffentlichen"
                      submit="Ergebnisse veröffentlichen"
                      secondary
                      action={async () => {
                        await api.post(`/api/v1/exams/${enc(e.examId)}/publish`, {});
                        state.reload();
                        return "Veröffentlicht; die Auszubildenden werden benachrichtigt.";
                      }}
                    />
                  )}
                </section>
              ))}
            </>
          ) : (
            <p class="empty">Keine Prüfungstermine.</p>
          )
        }
      </Loaded>
      <h2>Prüfungstermin anlegen</h2>
      <Form
        label="Prüfungstermin anlegen"
        submit="Prüfungstermin anlegen"
        action={async () => {
          const body: any = { occupation: f.occupation.trim(), type: f.type, date: f.date, location: f.location.trim() };
          if (f.name.trim()) body.name = f.name.trim();
          if (f.deadline) body.proposalDeadline = f.deadline;
          await api.post("/api/v1/exams", body);
          state.reload();
          return "Angelegt.";
        }}
      >
        <Input label="Bezeichnung" value={f.name} onInput={set("name")} />
        <Input label="Ausbildungsberuf" value={f.occupation} onInput={set("occupation")} required />
        <Select label="Prüfungsart" value={f.type} onChange={set("type")} options={Object.entries(examTypeLabels)} />
        <Input label="Datum" type="date" value={f.date} onInput={set("date")} required />
        <Input label="Ort" value={f.location} onInput={set("location")} required />
        <Input
          label="Abgabefrist für Projektanträge (optional)"
          type="date"
          value={f.deadline}
          onInput={set("deadline")}
        />
      </Form>
    </Page>
  );
}

function RefuseForm(props: { exam: any; reg: any; onDone: () => void }) {
  const [reason, setReason] = useState("");
  return (
    <Form
      class="inline-form"
      label={`Nicht zulassen: ${props.reg.traineeName}`}
      submit="Nicht zulassen"
      secondary
      action={async () => {
        await api.post(`/api/v1/exams/${enc(props.exam.examId)}/registrations/${enc(props.reg.registrationId)}/admission`, {
          admitted: false,
          reason: reason.trim(),
        });
        props.onDone();
      }}
    >
      <Input label="Begründung" value={reason} onInput={setReason} required />
    </Form>
  );
}

export function StaffRepresentativesPage() {
  const [id, setId] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const state = useAsync(
    () => (shown ? all<any>(`/api/v1/companies/${enc(shown)}/representatives`) : Promise.resolve(null)),
    [shown],
  );
  return (
    <Page title="Vertretungen genehmigen">
      <form
        class="form inline-form"
        aria-label="Betrieb wählen"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(id.trim());
        }}
      >
        <Input label="Betrieb (Kennung)" value={id} onInput={setId} required />
        <button type="submit">Anzeigen</button>
      </form>
      {shown && (
        <Loaded state={state}>
          {(items: any[] | null) =>
            items && (
              <Table caption="Vertretungen" head={["Name", "E-Mail", "Status", ""]} empty={!items.length}>
                {items.map((r) => (
                  <tr>
                    <td>{r.name}</td>
                    <td>{r.email}</td>
                    <td>{r.status === "pending" ? "wartet auf Genehmigung" : r.status === "active" ? "aktiv" : r.status === "revoked" ? "widerrufen" : r.status}</td>
                    <td>
                      {r.status === "pending" && (
                        <Form
                          class="inline-form"
                          label={`Genehmigen: ${r.name}`}
                          submit="Genehmigen"
                          action={async () => {
                            await api.post(`/api/v1/representatives/${enc(r.representativeId ?? r.id)}/approve`, {});
                            state.reload();
                          }}
                        />
                      )}
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

export function StaffExaminersPage() {
  const [f, setF] = useState({ email: "", name: "", committee: "", occupation: "", memberRole: "employer", termEnd: "" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const [acc, setAcc] = useState({ role: "examiner", name: "", email: "" });
  const [unlock, setUnlock] = useState("");
  const [appointed, setAppointed] = useState("");
  return (
    <Page title="Prüferinnen und Prüfer">
      <div class="columns">
        <div>
          <h2>In einen Prüfungsausschuss berufen</h2>
          <Form
            label="In einen Prüfungsausschuss berufen"
            submit="Berufen"
            action={async () => {
              const body: any = {
                email: f.email.trim(),
                committee: f.committee.trim(),
                occupation: f.occupation.trim(),
                memberRole: f.memberRole,
                termEnd: f.termEnd,
              };
              if (f.name.trim()) body.name = f.name.trim();
              const res = await api.post<{ accountId: string }>("/api/v1/examiners", body);
              setAppointed(res.accountId);
              return `Berufen; neue Prüfer erhalten eine Einladung per E-Mail. Konto-ID: ${res.accountId}`;
            }}
          >
            <Input label="E-Mail-Adresse" type="email" value={f.email} onInput={set("email")} required />
            <Input label="Name" value={f.name} onInput={set("name")} />
            <Input label="Prüfungsausschuss" value={f.committee} onInput={set("committee")} required />
            <Input label="Ausbildungsberuf" value={f.occupation} onInput={set("occupation")} required />
            <Select
              label="Mitglied als"
              value={f.memberRole}
              onChange={set("memberRole")}
              options={[
                ["employer", "Beauftragte/r der Arbeitgeber"],
                ["employee", "Beauftragte/r der Arbeitnehmer"],
                ["teacher", "Lehrkraft einer berufsbildenden Schule"],
              ]}
            />
            <Input label="Amtszeit bis" type="date" value={f.termEnd} onInput={set("termEnd")} required />
          </Form>
        </div>
        <div>
          <h2>Konto anlegen</h2>
          <Form
            label="Konto anlegen"
            submit="Konto anlegen"
            action={async () => {
              await api.post("/api/v1/accounts", { role: acc.role, name: acc.name.trim(), email: acc.email.trim() });
              return "Angelegt; die Einladung wurde per E-Mail versandt.";
            }}
          >
            <Select
              label="Rolle"
              value={acc.role}
              onChange={(v) => setAcc({ ...acc, role: v })}
              options={[
                ["examiner", "Prüfer/in"],
                ["staff", "IHK-Sachbearbeitung"],
                ["auditor", "Revision"],
              ]}
            />
            <Input label="Name" value={acc.name} onInput={(v) => setAcc({ ...acc, name: v })} required />
            <Input label="E-Mail-Adresse" type="email" value={acc.email} onInput={(v) => setAcc({ ...acc, email: v })} required />
          </Form>
          <h2>Gesperrte Anmeldung entsperren</h2>
          <Form
            submit="Entsperren"
            secondary
            action={async () => {
              await api.post(`/api/v1/accounts/${enc(unlock.trim())}/unlock`, {});
              return "Entsperrt.";
            }}
          >
            <Input label="Konto-ID" value={unlock} onInput={setUnlock} required />
          </Form>
          <h2>Konto löschen (Daten löschen)</h2>
          <EraseAccount />
        </div>
      </div>
      <ExamAssignments accountId={appointed} />
    </Page>
  );
}

/**
 * The appointed examiners (with committees) and their assignments to exam
 * dates: assign a current examiner (the last appointed one is preselected)
 * to an exam date, and end an assignment.
 */
function ExamAssignments(props: { accountId: string }) {
  const state = useAsync(
    () => Promise.all([all<any>("/api/v1/exams"), all<any>("/api/v1/examiners")]),
    [props.accountId],
  );
  const [account, setAccount] = useState(props.accountId);
  const [examId, setExamId] = useState("");
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (props.accountId) setAccount(props.accountId);
  }, [props.accountId]);
  const examLabel = (e: any) => `${e.name ?? examTypeLabels[e.type]} (${formatDate(e.date)})`;
  const unassign = async (e: any, id: string, who: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await api.del(`/api/v1/examiners/${enc(id)}/assignments/${enc(e.examId)}`);
      setMessage({ kind: "success", text: `Die Zuteilung von ${who} zu „${examLabel(e)}“ wurde aufgehoben.` });
      state.reload();
    } catch (err) {
      setMessage({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="assign-title">
      <Loaded state={state}>
        {([exams, examiners]) => {
          const nameOf = (id: string) => examiners.find((x) => x.accountId === id)?.name || id;
          const current = examiners.filter((x) => x.current);
          const chosen = current.some((x) => x.accountId === account) ? account : current[0]?.accountId ?? "";
          return (
            <>
              <h2 id="examiners-title">Berufene Prüferinnen und Prüfer</h2>
              <Table
                caption="Prüferinnen und Prüfer mit ihren Ausschüssen"
                head={["Name", "E-Mail-Adresse", "Prüfungsausschüsse", "Status"]}
                empty={!examiners.length}
              >
                {examiners.map((x) => (
                  <tr data-examiner={x.accountId}>
                    <td>{x.name || x.accountId}</td>
                    <td>{x.email}</td>
                    <td>
                      <ul class="plain">
                        {(x.appointments ?? []).map((ap: any) => (
                          <li>
                            {ap.committee} · {ap.occupation} · bis {formatDate(ap.ended ?? ap.termEnd)}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{x.current ? "berufen" : "Amtszeit beendet"}</td>
                  </tr>
                ))}
              </Table>
              <h2 id="assign-title">Prüfungsterminen zuteilen</h2>
              {exams.length > 0 && current.length > 0 && (
                <Form
                  label="Prüfer/in einem Prüfungstermin zuteilen"
                  submit="Zuteilen"
                  action={async () => {
                    const exam = exams.find((e) => e.examId === (examId || exams[0]?.examId))!;
                    await api.post(`/api/v1/examiners/${enc(chosen)}/assignments`, { examId: exam.examId });
                    state.reload();
                    return `Zugeteilt: ${nameOf(chosen)} zu ${examLabel(exam)}.`;
                  }}
                >
                  <Select
                    label="Prüferin / Prüfer"
                    value={chosen}
                    onChange={setAccount}
                    options={current.map((x) => [x.accountId, `${x.name || x.accountId} (${x.email})`] as [string, string])}
                  />
                  <Select
                    label="Prüfungstermin"
                    value={examId || exams[0]?.examId || ""}
                    onChange={setExamId}
                    options={exams.map((e) => [e.examId, `${examLabel(e)} · ${e.occupation}`] as [string, string])}
                  />
                </Form>
              )}
              {message && <Alert kind={message.kind}>{message.text}</Alert>}
              <Table caption="Zugeteilte Prüfer je Prüfungstermin" head={["Prüfungstermin", "Beruf", "Prüfer/innen"]} empty={!exams.length}>
                {exams.map((e) => (
                  <tr data-exam={e.examId}>
                    <td>{examLabel(e)}</td>
                    <td>{e.occupation}</td>
                    <td>
                      {(e.examinerAccountIds ?? []).length ? (
                        <ul class="plain">
                          {(e.examinerAccountIds as string[]).map((id) => (
                            <li>
                              {nameOf(id)}{" "}
                              <button
                                type="button"
                                class="secondary"
                                disabled={busy}
                                aria-label={`Zuteilung von ${nameOf(id)} zu ${examLabel(e)} aufheben`}
                                onClick={() => unassign(e, id, nameOf(id))}
                              >
                                Zuteilung aufheben
                              </button>
                            </li>
                          ))}
                        </ul>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

export function StaffSeminarsPage() {
  const state = useAsync(() => all<any>("/api/v1/seminars"), []);
  const [f, setF] = useState({ title: "", date: "", location: "", capacity: "20" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  return (
    <Page title="Prüferseminare">
      <Loaded state={state}>
        {(items) =>
          items.length ? (
            <>
              {items.map((s) => (
                <section class="card">
                  <h2>
                    {s.title} · {formatDate(s.date)}
                  </h2>
                  <p>
                    {s.location} · {s.placesTaken ?? 0} von {s.capacity} Plätzen bestätigt
                  </p>
                  <Table caption="Anmeldungen" head={["Prüfer/in (Konto)", "Status", ""]} empty={!s.registrations?.length}>
                    {(s.registrations ?? []).map((r: any) => (
                      <tr data-account={r.accountId}>
                        <td>{r.name ?? r.accountId}</td>
                        <td>{r.status === "confirmed" ? "bestätigt" : r.status === "requested" ? "angefragt" : r.status}</td>
                        <td>
                          {r.status !== "confirmed" && r.status !== "cancelled" && (
                            <Form
                              class="inline-form"
                              label="Platz bestätigen"
                              submit="Bestätigen"
                              action={async () => {
                                await api.post(`/api/v1/seminars/${enc(s.seminarId ?? s.id)}/registrations/${enc(r.registrationId)}/confirm`, {});
                                state.reload();
                              }}
                            />
                          )}
                        </td>
                      </tr>
                    ))}
                  </Table>
                </section>
              ))}
            </>
          ) : (
            <p class="empty">Keine Seminare.</p>
          )
        }
      </Loaded>
      <h2>Seminar anlegen</h2>
      <Form
        label="Seminar anlegen"
        submit="Seminar anlegen"
        action={async () => {
          await api.post("/api/v1/seminars", {
            title: f.title.trim(),
            date: f.date,
            location: f.location.trim(),
            capacity: Number(f.capacity),
          });
          state.reload();
          return "Angelegt.";
        }}
      >
        <Input label="Titel" value={f.title} onInput={set("title")} required />
        <Input label="Datum" type="date" value={f.date} onInput={set("date")} required />
        <Input label="Ort" value={f.location} onInput={set("location")} required />
        <Input label="Plätze" type="number" min={1} value={f.capacity} onInput={set("capacity")} required />
      </Form>
      <Alert kind="info">Prüferinnen und Prüfer melden sich selbst an; hier bestätigen Sie die Plätze.</Alert>
    </Page>
  );
}

/**
 * Chamber staff erase an account's personal data when its retention ends:
 * the account id and a reason, then a confirmation step. The account can no
 * longer sign in; the event log keeps the erasure with its reason.
 */
function EraseAccount() {
  const { me } = useSession();
  const [id, setId] = useState("");
  const [reason, setReason] = useState("");
  const [pending, setPending] = useState<{ id: string; reason: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (pending) {
    const erase = async () => {
      setBusy(true);
      setError(null);
      try {
        await chamberApi.eraseAccount(pending.id, pending.reason);
        setPending(null);
        setId("");
        setReason("");
        setDone(`Die personenbezogenen Daten des Kontos ${pending.id} wurden gelöscht. Es kann sich nicht mehr anmelden.`);
      } catch (err) {
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    };
    return (
      <div class="card confirm" role="group" aria-label="Löschen bestätigen">
        <p>
          <strong>Wirklich löschen?</strong> Name und E-Mail-Adresse des Kontos <code>{pending.id}</code> werden
          gelöscht, seine Sitzungen enden und es kann sich nicht mehr anmelden. Das lässt sich nicht rückgängig
          machen.
        </p>
        <p>Grund: {pending.reason}</p>
        {error && <Alert>{error}</Alert>}
        <div class="toolbar">
          <button type="button" disabled={busy} onClick={erase}>
            {busy ? "Bitte warten …" : "Endgültig löschen"}
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => setPending(null)}>
            Abbrechen
          </button>
        </div>
      </div>
    );
  }
  return (
    <>
      {done && <Alert kind="success">{done}</Alert>}
      <Form
        label="Konto löschen (Daten löschen)"
        submit="Konto löschen …"
        secondary
        action={async () => {
          const account = id.trim();
          const why = reason.trim();
          if (!why) throw new InputError("Bitte geben Sie den Grund der Löschung an.");
          if (account === me.id) throw new InputError("Sie können Ihr eigenes Konto nicht löschen.");
          setDone(null);
          setPending({ id: account, reason: why });
        }}
      >
        <Input label="Konto-ID" name="erase-account" value={id} onInput={setId} required />
        <Input
          label="Grund der Löschung"
          name="erase-reason"
          value={reason}
          onInput={setReason}
          hint="z. B. „Aufbewahrungsfrist abgelaufen“; der Grund bleibt im Protokoll."
          required
        />
      </Form>
    </>
  );
}

// --- the chamber's settings -------------------------------------------------

const periodKindLabels: Record<PeriodKind, string> = { week: "Woche", day: "Tag" };

/** "92–100 Punkte" for the step at `i` of a grade table (grade 1 first). */
function gradeRange(table: GradeStep[], i: number): string {
  const upper = i === 0 ? 100 : table[i - 1].minPoints - 1;
  return `${table[i].minPoints}–${upper} Punkte`;
}

function lockText(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? "24 Stunden" : `${minutes / 1440} Tage`;
  if (minutes % 60 === 0) return minutes === 60 ? "1 Stunde" : `${minutes / 60} Stunden`;
  return `${minutes} Minuten`;
}

/** Parses a whole number from a field; a German InputError otherwise. */
function wholeNumber(value: string, what: string): number {
  const n = Number(value.trim());
  if (!value.trim() || !Number.isInteger(n)) throw new InputError(`Bitte geben Sie bei „${what}“ eine ganze Zahl an.`);
  return n;
}

function SettingsForm(props: { settings: ChamberSettings; onSaved: () => void }) {
  const s = props.settings;
  const [maxFailed, setMaxFailed] = useState(String(s.maxFailedLogins));
  const [lockMinutes, setLockMinutes] = useState(String(s.lockMinutes));
  const [periodKind, setPeriodKind] = useState<string>(s.periodKind);
  const [points, setPoints] = useState(s.gradeTable.map((g) => String(g.minPoints)));
  const minutes = Number(lockMinutes);
  return (
    <Form
      label="Kammereinstellungen"
      submit="Einstellungen speichern"
      action={async () => {
        const gradeTable = points.map((p, i) => ({
          minPoints: wholeNumber(p, `Note ${s.gradeTable[i]?.grade ?? i + 1} ab Punkten`),
          grade: s.gradeTable[i]?.grade ?? i + 1,
        }));
        await chamberApi.changeSettings(
          {
            maxFailedLogins: wholeNumber(maxFailed, "Fehlversuche bis zur Sperre"),
            lockMinutes: wholeNumber(lockMinutes, "Dauer der Sperre in Minuten"),
            periodKind: periodKind as PeriodKind,
            gradeTable,
          },
          s.version,
        );
        props.onSaved();
        return "Die Kammereinstellungen wurden gespeichert.";
      }}
    >
      <fieldset>
        <legend>Anmeldung</legend>
        <Input
          label="Fehlversuche bis zur Sperre"
          name="maxFailedLogins"
          type="number"
          min={1}
          max={100}
          value={maxFailed}
          onInput={setMaxFailed}
          hint="So viele fehlgeschlagene Anmeldungen in Folge sperren die Anmeldung (1 bis 100)."
          required
        />
        <Input
          label="Dauer der Sperre in Minuten"
          name="lockMinutes"
          type="number"
          min={1}
          max={43200}
          value={lockMinutes}
          onInput={setLockMinutes}
          hint={
            Number.isInteger(minutes) && minutes > 0
              ? `${lockText(minutes)} (1 Minute bis 30 Tage)`
              : "1 Minute bis 30 Tage (43.200 Minuten)"
          }
          required
        />
      </fieldset>
      <fieldset>
        <legend>Ausbildungsnachweis</legend>
        <Select
          label="Zeitraum eines Nachweises (Voreinstellung)"
          name="periodKind"
          value={periodKind}
          onChange={setPeriodKind}
          options={[
            ["week", "Woche"],
            ["day", "Tag"],
          ]}
        />
      </fieldset>
      <fieldset>
        <legend>Notenschlüssel</legend>
        <p class="muted">Mindestpunkte je Note (0 bis 100, von Note 1 bis Note 6 abnehmend; Note 6 ab 0 Punkten).</p>
        {s.gradeTable.map((g, i) => (
          <Input
            label={`Note ${g.grade} ab Punkten`}
            name={`grade-${g.grade}`}
            type="number"
            min={0}
            max={100}
            value={points[i] ?? ""}
            onInput={(v) => setPoints(points.map((p, j) => (j === i ? v : p)))}
            required
          />
        ))}
      </fieldset>
    </Form>
  );
}

function SettingsView(props: { settings: ChamberSettings }) {
  const s = props.settings;
  return (
    <>
      <Table caption="Anmeldung und Ausbildungsnachweis" head={["Einstellung", "Wert"]}>
        <tr>
          <td>Fehlversuche bis zur Sperre</td>
          <td data-setting="maxFailedLogins">{s.maxFailedLogins}</td>
        </tr>
        <tr>
          <td>Dauer der Sperre</td>
          <td data-setting="lockMinutes">{lockText(s.lockMinutes)}</td>
        </tr>
        <tr>
          <td>Zeitraum eines Nachweises (Voreinstellung)</td>
          <td data-setting="periodKind">{periodKindLabels[s.periodKind] ?? s.periodKind}</td>
        </tr>
      </Table>
      <Table caption="Notenschlüssel" head={["Note", "Punkte"]} empty={!s.gradeTable.length}>
        {s.gradeTable.map((g, i) => (
          <tr>
            <td>{g.grade}</td>
            <td>{gradeRange(s.gradeTable, i)}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}

function OccupationForm(props: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [periodKind, setPeriodKind] = useState("week");
  const [months, setMonths] = useState("36");
  return (
    <Form
      label="Ausbildungsberuf einstellen"
      submit="Ausbildungsberuf speichern"
      action={async () => {
        await chamberApi.configureOccupation({
          name: name.trim(),
          periodKind: periodKind as PeriodKind,
          durationMonths: wholeNumber(months, "Ausbildungsdauer in Monaten"),
        });
        props.onDone();
        return `Gespeichert: ${name.trim()}.`;
      }}
    >
      <Input label="Ausbildungsberuf" name="occupation-name" value={name} onInput={setName} required />
      <Select
        label="Zeitraum eines Nachweises"
        name="occupation-period"
        value={periodKind}
        onChange={setPeriodKind}
        options={[
          ["week", "Woche"],
          ["day", "Tag"],
        ]}
      />
      <Input
        label="Ausbildungsdauer in Monaten"
        name="occupation-months"
        type="number"
        min={1}
        max={60}
        value={months}
        onInput={setMonths}
        required
      />
    </Form>
  );
}

/**
 * The chamber's settings: login lockout, default record period, grade table
 * and occupations. Chamber staff change them; auditors (`readOnly`) read them.
 */
export function ChamberSettingsPage(props: { readOnly?: boolean }) {
  const state = useAsync(() => chamberApi.settings(), []);
  return (
    <Page title="Kammereinstellungen">
      <Loaded state={state}>
        {(s) => (
          <>
            {props.readOnly ? <SettingsView settings={s} /> : <SettingsForm settings={s} onSaved={state.reload} />}
            <h2>Ausbildungsberufe</h2>
            <Table
              caption="Eingestellte Ausbildungsberufe"
              head={["Ausbildungsberuf", "Zeitraum eines Nachweises", "Ausbildungsdauer"]}
              empty={!s.occupations.length}
            >
              {s.occupations.map((o) => (
                <tr data-occupation={o.name}>
                  <td>{o.name}</td>
                  <td>{periodKindLabels[o.periodKind] ?? o.periodKind}</td>
                  <td>{o.durationMonths} Monate</td>
                </tr>
              ))}
            </Table>
            {!props.readOnly && <OccupationForm onDone={state.reload} />}
          </>
        )}
      </Loaded>
    </Page>
  );
}
