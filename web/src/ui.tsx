// Shared UI pieces: data loading, messages, form fields, labels in German.
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";
import { navigate } from "./router";

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: ApiError | Error; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A German message about the user's input, found before any request. */
export class InputError extends Error {}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.full;
  if (e instanceof InputError) return e.message;
  return "Ein unerwarteter Fehler ist aufgetreten.";
}

export function Alert(props: { kind?: "error" | "success" | "info"; children: ComponentChildren }) {
  const kind = props.kind ?? "error";
  return (
    <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** Loading / error / content of a useAsync result. */
export function Loaded<T>(props: {
  state: { data?: T; error?: unknown; loading: boolean };
  children: (data: T) => ComponentChildren;
}) {
  const { state } = props;
  if (state.error) return <Alert>{errorText(state.error)}</Alert>;
  if (state.data === undefined) return <p aria-busy="true">Wird geladen …</p>;
  return <>{props.children(state.data)}</>;
}

let idCounter = 0;
export function useId(prefix = "f") {
  const ref = useRef<string | undefined>(undefined);
  if (!ref.current) ref.current = `${prefix}-${++idCounter}`;
  return ref.current;
}

export function Field(props: {
  label: string;
  hint?: string;
  children: (id: string) => JSX.Element;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint && <small class="hint">{props.hint}</small>}
    </div>
  );
}

/** A text input bound to a state value. */
export function Input(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  name?: string;
  min?: string | number;
  max?: string | number;
  step?: string | number;
  inputMode?: string;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          name={props.name}
          type={(props.type ?? "text") as any}
          value={props.value}
          required={props.required}
          autocomplete={props.autocomplete}
          min={props.min}
          max={props.max}
          step={props.step}
          inputMode={props.inputMode as any}
          onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: [string, string][];
  name?: string;
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select
          id={id}
          name={props.name}
          value={props.value}
          onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
        >
          {props.options.map(([v, l]) => (
            <option value={v}>{l}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function TextArea(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  required?: boolean;
  rows?: number;
  name?: string;
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <textarea
          id={id}
          name={props.name}
          rows={props.rows ?? 3}
          required={props.required}
          value={props.value}
          onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
        />
      )}
    </Field>
  );
}

export function Checkbox(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId("c");
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/**
 * A form that runs `action` on submit, shows its error in German and an
 * optional success text; the button is disabled while it runs.
 */
export function Form(props: {
  action: () => Promise<string | void>;
  submit: string;
  children?: ComponentChildren;
  class?: string;
  secondary?: boolean;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <form
      class={props.class ?? "form"}
      aria-label={props.label}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setDone(null);
        try {
          const msg = await props.action();
          if (msg) setDone(msg);
        } catch (err) {
          setError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {props.children}
      {error && <Alert>{error}</Alert>}
      {done && <Alert kind="success">{done}</Alert>}
      <button type="submit" class={props.secondary ? "secondary" : ""} disabled={busy}>
        {busy ? "Bitte warten …" : props.submit}
      </button>
    </form>
  );
}

export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} – Ausbildungsportal`;
  }, [props.title]);
  return (
    <section class="page">
      <div class="page-head">
        <h1 tabIndex={-1} id="page-title">
          {props.title}
        </h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Table(props: { caption?: string; head: string[]; children: ComponentChildren; empty?: boolean }) {
  if (props.empty) return <p class="empty">{props.caption ? `${props.caption}: keine Einträge.` : "Keine Einträge."}</p>;
  return (
    <div class="table-wrap">
      <table>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

// --- labels ----------------------------------------------------------------

export const statusLabels: Record<string, string> = {
  draft: "Entwurf",
  submitted: "Eingereicht",
  approved: "Freigegeben",
  rejected: "Abgelehnt",
  missing: "Fehlt",
  open: "Laufend",
};

export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{statusLabels[props.status] ?? props.status}</span>;
}

export const roleLabels: Record<string, string> = {
  trainee: "Auszubildende/r",
  trainer: "Ausbilder/in",
  supervisor: "Ausbildungsbeauftragte/r",
  company: "Ausbildungsbetrieb",
  representative: "Vertretung",
  examiner: "Prüfer/in",
  staff: "IHK-Sachbearbeitung",
  auditor: "Revision",
};

export const examTypeLabels: Record<string, string> = {
  intermediate: "Zwischenprüfung",
  final: "Abschlussprüfung",
  final_part1: "Gestreckte Abschlussprüfung Teil 1",
  final_part2: "Gestreckte Abschlussprüfung Teil 2",
};

export const examStatusLabels: Record<string, string> = {
  registered: "Angemeldet",
  admitted: "Zugelassen",
  refused: "Nicht zugelassen",
  scheduled: "Geplant",
  withdrawn: "Zurückgezogen",
  passed: "Bestanden",
  failed: "Nicht bestanden",
};

export const entryKindLabels: Record<string, string> = {
  company: "Betriebliche Tätigkeit",
  instruction: "Unterweisung / betrieblicher Unterricht",
  school: "Berufsschule",
};

export const absenceKindLabels: Record<string, string> = {
  vacation: "Urlaub",
  sickness: "Krankheit",
  school: "Berufsschule",
  other: "Sonstiges",
};

export function formatDate(iso?: string | null): string {
  if (!iso) return "–";
  const d = iso.length === 10 ? new Date(`${iso}T00:00:00Z`) : new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString("de-DE", { timeZone: iso.length === 10 ? "UTC" : undefined });
}

/** A contract summary's status as on today: "beendet" once its last day has
 * passed; "endet am …" while an end is recorded for a day still to come (or
 * today, the contract runs until the end of that day); otherwise "läuft". */
export function contractStatusText(c: { status?: string; ended?: { date?: string } | null }): string {
  if (c.status === "ended") return "beendet";
  if (c.ended?.date) return `endet am ${formatDate(c.ended.date)}`;
  if (c.status === "active") return "läuft";
  return c.status ?? "–";
}

/** The trainee's name of a contract summary or an exam registration, or
 * "(gelöscht)" once the trainee's personal data was erased
 * (`personalDataErased`: the name is empty then). */
export function traineeNameText(x: { traineeName?: string; personalDataErased?: boolean }): string {
  if (x.personalDataErased) return "(gelöscht)";
  return x.traineeName ?? "";
}

/** A trainer's or representative's name, or "(gelöscht)" once their
 * personal data was erased (`personalDataErased`: their account was erased;
 * name and e-mail address are empty then). */
export function personNameText(x: { name?: string; personalDataErased?: boolean }): string {
  if (x.personalDataErased) return "(gelöscht)";
  return x.name ?? "";
}

/** An end was recorded or the contract has ended: the backend refuses a
 * second end and every change of the contract (dates, trainers, the
 * trainee's account). */
export function contractEndRecorded(c: { status?: string; ended?: unknown }): boolean {
  return c.status === "ended" || !!c.ended;
}

export function formatDateTime(iso?: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString("de-DE", { dateStyle: "medium", timeStyle: "short" });
}

// --- periods ----------------------------------------------------------------

export interface Period {
  kind: "week" | "day";
  year?: number;
  week?: number;
  date?: string;
}

/** Monday (UTC) of ISO week `week` of `year`. */
export function isoWeekMonday(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const day = (jan4.getUTCDay() + 6) % 7;
  const monday = new Date(jan4);
  monday.setUTCDate(jan4.getUTCDate() - day + (week - 1) * 7);
  return monday;
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The days (YYYY-MM-DD) a period covers (Monday to Sunday for a week). */
export function periodDays(p: Period): string[] {
  if (p.kind === "day" && p.date) return [p.date];
  const monday = isoWeekMonday(p.year!, p.week!);
  return Array.from({ length: 7 }, (_, i) => {
    const d = new Date(monday);
    d.setUTCDate(monday.getUTCDate() + i);
    return isoDate(d);
  });
}

export function periodLabel(p: Period): string {
  if (p.kind === "day") return formatDate(p.date);
  const days = periodDays(p);
  return `KW ${p.week}/${p.year} (${formatDate(days[0])} – ${formatDate(days[6])})`;
}

/** "2026-W48" or "2026-11-27" -> period. */
export function parsePeriodKey(key: string): Period | null {
  const w = /^(\d{4})-W(\d{1,2})$/.exec(key);
  if (w) return { kind: "week", year: Number(w[1]), week: Number(w[2]) };
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) return { kind: "day", date: key };
  return null;
}

export const weekdayNames = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
