// The HTTP API client: cookie session (HttpOnly cookie set by the gateway),
// the CSRF header on writes, the acting context as Portal-Role /
// Portal-Company, Idempotency-Key on creating writes, read-your-writes via
// Portal-Min-Position, problem+json errors as ApiError with German text.

import { germanField, germanMessage } from "./errors";

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
    return `${this.message} (${this.fields.map((f) => germanField(f.field)).join(", ")})`;
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
