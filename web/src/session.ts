// The signed-in account and the context (role, company) it acts in.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Context } from "./api";

export interface Me {
  id: string;
  email: string;
  name: string;
  roles: { role: string; companyId?: string; contractId?: string }[];
  contexts: Context[];
  hasPassword: boolean;
  hasPin: boolean;
  sessionMethod?: string;
}

export interface SessionState {
  me: Me;
  context: Context;
  setContext: (c: Context) => void;
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

export function contextKey(c: Context): string {
  return [c.role, c.companyId ?? "", c.contractId ?? ""].join("|");
}

const storageKey = "portal.context";

export function storedContext(me: Me): Context {
  const saved = sessionStorage.getItem(storageKey);
  const found = saved ? me.contexts.find((c) => contextKey(c) === saved) : undefined;
  if (found) return found;
  return me.contexts.find((c) => !c.via) ?? me.contexts[0] ?? { role: me.roles[0]?.role ?? "trainee" };
}

export function storeContext(c: Context) {
  sessionStorage.setItem(storageKey, contextKey(c));
}

/** The home page of a role. */
export function homeOf(role: string): string {
  switch (role) {
    case "trainee":
      return "/reports";
    case "trainer":
    case "supervisor":
      return "/approvals";
    case "company":
    case "representative":
      return "/company";
    case "staff":
      return "/staff";
    case "examiner":
      return "/examining";
    case "auditor":
      return "/audit";
    default:
      return "/reports";
  }
}

export function navFor(role: string): [string, string][] {
  switch (role) {
    case "trainee":
      return [
        ["/reports", "Ausbildungsnachweise"],
        ["/exams", "Prüfungen"],
        ["/proposals", "Projektanträge"],
        ["/documents", "Dokumente"],
      ];
    case "trainer":
    case "supervisor":
      return [
        ["/approvals", "Freigaben"],
        ["/trainees", "Ihre Auszubildenden"],
      ];
    case "company":
    case "representative":
      return [
        ["/company", "Übersicht"],
        ["/company/contracts", "Ausbildungsverhältnisse"],
        ["/company/trainers", "Ausbilder"],
        ["/company/settings", "Nachweis-Einstellungen"],
        ["/company/exams", "Prüfungstermine"],
        ["/company/representatives", "Vertretung"],
        ["/company/documents", "Dokumente"],
      ];
    case "staff":
      return [
        ["/staff", "Betriebe & Verträge"],
        ["/staff/exams", "Prüfungen"],
        ["/staff/representatives", "Vertretungen"],
        ["/staff/examiners", "Prüfer"],
        ["/staff/seminars", "Seminare"],
        ["/staff/settings", "Kammereinstellungen"],
      ];
    case "examiner":
      return [
        ["/examining", "Prüfertätigkeit"],
        ["/proposals", "Projektanträge"],
        ["/seminars", "Seminare"],
      ];
    case "auditor":
      return [
        ["/audit", "Verlauf eines Nachweises"],
        ["/audit/settings", "Kammereinstellungen"],
      ];
    default:
      return [];
  }
}
