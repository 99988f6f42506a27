// The HTTP API client: cookie session (HttpOnly cookie set by the gateway),
// the CSRF header on writes, the acting context as Portal-Role /
// Portal-Company, Idempotency-Key on creating writes, read-your-writes via
// Portal-Min-Position, problem+json errors as ApiError with German text.

import { germanFieldError, germanMessage } from "./errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; code: string }[] = [],
    readonly body: any = null,
  ) {
    super(message);
  }
  /** Message plus the fields a validation error names. */
  get full(): string {
    if (!this.fields.length) return this.message;
    return `${this.message} (${this.fields.map(germanFieldError).join("; ")})`;
  }
}

export interface Context {
  role: string;
  companyId?: string;
  companyName?: string;
  contractId?: string;
  via?: string;
}

let context: Context | null = null;
let lastPosition: string | null = null;
let lastPositionAt = 0;
/** How long reads wait for the read models to include the last write. */
const readYourWritesMs = 30000;
let onUnauthenticated: (() => void) | null = null;

export function setContext(c: Context | null) {
  context = c;
}
export function setUnauthenticatedHandler(f: () => void) {
  onUnauthenticated = f;
}

export interface WriteResult {
  id: string;
  version: number;
  position: string;
}

interface Options {
  body?: unknown;
  ifMatch?: number | string;
  idempotent?: boolean;
  /** Do not redirect to the login on 401 (login forms). */
  quiet401?: boolean;
}

async function call<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const write = method !== "GET" && method !== "HEAD";
  if (write) {
    headers["X-Requested-With"] = "portal";
    if (opts.idempotent !== false && method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  } else if (lastPosition && Date.now() - lastPositionAt < readYourWritesMs) {
    headers["Portal-Min-Position"] = lastPosition;
  }
  if (context) {
    headers["Portal-Role"] = context.role;
    if ((context.role === "company" || context.role === "representative") && context.companyId)
      headers["Portal-Company"] = context.companyId;
  }
  if (opts.ifMatch !== undefined) headers["If-Match"] = String(opts.ifMatch);
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", germanMessage("network", 0));
  }
  const text = await res.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const code = data?.code ?? `http.${res.status}`;
    if (res.status === 401 && !opts.quiet401 && onUnauthenticated) onUnauthenticated();
    if (code === "validation.position") lastPosition = null;
    throw new ApiError(res.status, code, germanMessage(code, res.status, data?.detail), data?.errors ?? [], data);
  }
  if (write && data && typeof data.position === "string") {
    lastPosition = data.position;
    lastPositionAt = Date.now();
  }
  return data as T;
}

export const api = {
  get: <T = any>(path: string, opts?: Options) => call<T>("GET", path, opts),
  post: <T = WriteResult>(path: string, body: unknown = {}, opts?: Options) =>
    call<T>("POST", path, { ...opts, body }),
  put: <T = WriteResult>(path: string, body: unknown, opts?: Options) => call<T>("PUT", path, { ...opts, body }),
  del: <T = any>(path: string, opts?: Options) => call<T>("DELETE", path, opts),
  resetPosition: () => {
    lastPosition = null;
  },
};

/** Every item of a paged list (follows `next`, up to `max`). */
export async function all<T = any>(path: string, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  do {
    const page: { items: T[]; next: string | null } = await api.get(
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    out.push(...page.items);
    cursor = page.next;
  } while (cursor && out.length < max);
  return out;
}

export const enc = encodeURIComponent;

// --- chamber settings, account erasure, contract dates ----------------------

export type PeriodKind = "week" | "day";

export interface GradeStep {
  /** From these points up to the next better grade's minimum. */
  minPoints: number;
  grade: number;
}

export interface ChamberSettings {
  maxFailedLogins: number;
  lockMinutes: number;
  /** Grade 1 to 6, strictly descending minimum points, the last at 0. */
  gradeTable: GradeStep[];
  periodKind: PeriodKind;
  occupations: { name: string; periodKind: PeriodKind; durationMonths: number }[];
  /** Of the stream `chamber` (0 while only the defaults apply). */
  version: number;
}

export const chamberApi = {
  settings: () => api.get<ChamberSettings>("/api/v1/chamber/settings"),
  /** Absent fields keep their value; `version` makes the change conditional (If-Match). */
  changeSettings: (
    change: Partial<Pick<ChamberSettings, "maxFailedLogins" | "lockMinutes" | "gradeTable" | "periodKind">>,
    version: number,
  ) => api.put("/api/v1/chamber/settings", change, { ifMatch: version }),
  configureOccupation: (o: { name: string; periodKind: PeriodKind; durationMonths?: number }) =>
    api.post("/api/v1/chamber/occupations", o),
  /** Erases the account's personal data; it can no longer sign in. */
  eraseAccount: (accountId: string, reason: string) =>
    api.post(`/api/v1/accounts/${enc(accountId)}/erase`, { reason }),
  changeContractDates: (contractId: string, dates: { start: string; end: string }) =>
    api.put(`/api/v1/contracts/${enc(contractId)}/dates`, dates),
  eraseContractPersonalData: (contractId: string, reason: string) =>
    api.post(`/api/v1/contracts/${enc(contractId)}/erase`, { reason }),
};
