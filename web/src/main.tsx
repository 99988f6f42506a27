// The Ausbildungsportal in the browser: app shell, session and routes.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, setContext, setUnauthenticatedHandler, type Context } from "./api";
import { navigate, useLocation, match } from "./router";
import {
  contextKey,
  homeOf,
  navFor,
  SessionContext,
  storeContext,
  storedContext,
  type Me,
  type SessionState,
} from "./session";
import { Alert, Link, roleLabels } from "./ui";
import { ActivatePage, LoginPage, PasswordResetPage, PinLoginPage } from "./pages/login";
import { DocumentsPage, ExamsPage, ReportPage, ReportsPage } from "./pages/trainee";
import { ApprovalsPage, TraineeRecordsPage, TraineesPage } from "./pages/approver";
import {
  CompanyContractsPage,
  CompanyDocumentsPage,
  CompanyExamsPage,
  CompanyHomePage,
  CompanyRepresentativesPage,
  CompanySettingsPage,
  CompanyTrainersPage,
} from "./pages/company";
import {
  ChamberSettingsPage,
  StaffExaminersPage,
  StaffExamsPage,
  StaffHomePage,
  StaffRepresentativesPage,
  StaffSeminarsPage,
} from "./pages/staff";
import { ExaminingPage, ProposalPage, ProposalsPage, SeminarsPage, TraineeProposalsPage } from "./pages/examiner";
import { AuditPage } from "./pages/auditor";
import { AccountPage } from "./pages/account";
import "./style.css";

const publicPaths = ["/login", "/pin-login", "/password-reset", "/activate"];

function PublicRoutes(props: { path: string; onLogin: () => Promise<void> }) {
  switch (props.path) {
    case "/pin-login":
      return <PinLoginPage onLogin={props.onLogin} />;
    case "/password-reset":
      return <PasswordResetPage />;
    case "/activate":
      return <ActivatePage />;
    default:
      return <LoginPage onLogin={props.onLogin} />;
  }
}

function Routes(props: { path: string; context: Context }) {
  const { path } = props;
  const m = (p: string) => match(p, path);
  let params: Record<string, string> | null;
  if (path === "/account") return <AccountPage />;
  if (path === "/reports") return <ReportsPage />;
  if ((params = m("/reports/new/:period"))) return <ReportPage periodKey={params.period} />;
  if ((params = m("/reports/:id"))) return <ReportPage reportId={params.id} />;
  if (path === "/exams") return <ExamsPage />;
  if (path === "/documents") return <DocumentsPage />;
  if (path === "/approvals") return <ApprovalsPage />;
  if (path === "/trainees") return <TraineesPage />;
  if ((params = m("/trainees/:contract"))) return <TraineeRecordsPage contractId={params.contract} back="/trainees" />;
  if ((params = m("/company/contracts/:contract")))
    return <TraineeRecordsPage contractId={params.contract} back="/company/contracts" />;
  if (path === "/company") return <CompanyHomePage />;
  if (path === "/company/contracts") return <CompanyContractsPage />;
  if (path === "/company/trainers") return <CompanyTrainersPage />;
  if (path === "/company/settings") return <CompanySettingsPage />;
  if (path === "/company/exams") return <CompanyExamsPage />;
  if (path === "/company/representatives") return <CompanyRepresentativesPage />;
  if (path === "/company/documents") return <CompanyDocumentsPage />;
  if (path === "/staff") return <StaffHomePage />;
  if (path === "/staff/exams") return <StaffExamsPage />;
  if (path === "/staff/representatives") return <StaffRepresentativesPage />;
  if (path === "/staff/examiners") return <StaffExaminersPage />;
  if (path === "/staff/seminars") return <StaffSeminarsPage />;
  if (path === "/staff/settings") return <ChamberSettingsPage />;
  if (path === "/examining") return <ExaminingPage />;
  if (path === "/proposals") return props.context.role === "trainee" ? <TraineeProposalsPage /> : <ProposalsPage />;
  if ((params = m("/proposals/:id"))) return <ProposalPage id={params.id} />;
  if (path === "/seminars") return <SeminarsPage />;
  if (path === "/audit") return <AuditPage />;
  if (path === "/audit/settings") return <ChamberSettingsPage readOnly />;
  return (
    <section class="page">
      <h1>Seite nicht gefunden</h1>
      <p>
        <Link href={homeOf(props.context.role)}>Zur Startseite</Link>
      </p>
    </section>
  );
}

function contextLabel(c: Context): string {
  const role = roleLabels[c.role] ?? c.role;
  return c.companyName ? `${role} – ${c.companyName}` : role;
}

function Shell(props: { session: SessionState; path: string }) {
  const { me, context } = props.session;
  const [menuOpen, setMenuOpen] = useState(false);
  const nav = navFor(context.role);
  // The menu entry of this page: the longest one the path starts with.
  const active = nav
    .map(([href]) => href)
    .filter((href) => props.path === href || props.path.startsWith(href + "/"))
    .sort((a, b) => b.length - a.length)[0];
  useEffect(() => setMenuOpen(false), [props.path]);
  return (
    <>
      <a class="skip" href="#main">
        Zum Inhalt springen
      </a>
      <header class="top">
        <div class="brand">
          <Link href={homeOf(context.role)}>Ausbildungsportal</Link>
        </div>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menü
        </button>
        <div class={`account ${menuOpen ? "open" : ""}`}>
          {me.contexts.length > 1 ? (
            <label class="context-switch">
              <span>Rolle / Betrieb</span>
              <select
                aria-label="Rolle und Betrieb wechseln"
                value={contextKey(context)}
                onChange={(e) => {
                  const key = (e.target as HTMLSelectElement).value;
                  const c = me.contexts.find((x) => contextKey(x) === key);
                  if (c) {
                    props.session.setContext(c);
                    navigate(homeOf(c.role));
                  }
                }}
              >
                {me.contexts.map((c) => (
                  <option value={contextKey(c)}>{contextLabel(c)}</option>
                ))}
              </select>
            </label>
          ) : (
            <span class="context-label">{contextLabel(context)}</span>
          )}
          <Link href="/account" class="who">
            {me.name}
          </Link>
          <button type="button" class="link-button" onClick={() => props.session.logout()}>
            Abmelden
          </button>
        </div>
      </header>
      <nav id="main-nav" class={`main-nav ${menuOpen ? "open" : ""}`} aria-label="Hauptmenü">
        <ul>
          {nav.map(([href, label]) => (
            <li>
              <Link
                href={href}
                class={href === active ? "active" : ""}
                aria-current={href === active ? "page" : undefined}
              >
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Routes path={props.path} context={context} />
      </main>
    </>
  );
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [context, setCtx] = useState<Context | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);

  const load = async () => {
    try {
      const m = await api.get<Me>("/api/v1/me", { quiet401: true });
      const c = storedContext(m);
      setContext(c);
      setCtx(c);
      setMe(m);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setContext(null);
        setMe(null);
      } else {
        setFatal(e instanceof ApiError ? e.message : "Der Server ist nicht erreichbar.");
      }
    }
  };

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setMe(null);
      setContext(null);
      if (!publicPaths.includes(location.pathname)) navigate(`/login?next=${encodeURIComponent(location.pathname)}`, true);
    });
    load();
  }, []);

  useEffect(() => {
    // Focus the page heading after navigation (screen readers, keyboard).
    const h = document.getElementById("page-title");
    h?.focus({ preventScroll: true });
  }, [loc.path]);

  if (fatal) return <Alert>{fatal}</Alert>;
  if (me === undefined) return <p aria-busy="true">Wird geladen …</p>;

  const isPublic = publicPaths.includes(loc.path);
  if (!me) {
    if (!isPublic) {
      queueMicrotask(() => navigate(`/login${loc.path !== "/" ? `?next=${encodeURIComponent(loc.path)}` : ""}`, true));
      return null;
    }
    return (
      <main id="main" class="public">
        <PublicRoutes path={loc.path} onLogin={load} />
      </main>
    );
  }
  const ctx = context ?? storedContext(me);
  if (isPublic && loc.path !== "/activate" && loc.path !== "/password-reset") {
    const next = loc.query.get("next");
    queueMicrotask(() => navigate(next && next.startsWith("/") ? next : homeOf(ctx.role), true));
    return null;
  }
  if (loc.path === "/") {
    queueMicrotask(() => navigate(homeOf(ctx.role), true));
    return null;
  }
  if (isPublic) {
    return (
      <main id="main" class="public">
        <PublicRoutes path={loc.path} onLogin={load} />
      </main>
    );
  }
  const session: SessionState = {
    me,
    context: ctx,
    setContext: (c) => {
      storeContext(c);
      setContext(c);
      setCtx(c);
    },
    refresh: load,
    logout: async () => {
      try {
        await api.del("/api/v1/session");
      } catch {
        // Signed out anyway.
      }
      sessionStorage.clear();
      api.resetPosition();
      setContext(null);
      setMe(null);
      navigate("/login");
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} path={loc.path} />
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
