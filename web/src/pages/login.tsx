// Sign-in pages: password login, supervisor PIN login, password reset
// (request and confirm from the mail link), activation from the invitation.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { useLocation } from "../router";
import { Alert, errorText, Form, Input, Link } from "../ui";

function Card(props: { title: string; children: ComponentChildren }) {
  document.title = `${props.title} – Ausbildungsportal`;
  return (
    <div class="card login-card">
      <p class="brand-large">Ausbildungsportal</p>
      <h1 id="page-title" tabIndex={-1}>
        {props.title}
      </h1>
      {props.children}
    </div>
  );
}

function lockedText(e: ApiError): string {
  const until = e.body?.lockedUntil;
  if (e.status === 423 && until) {
    return `${e.message} Gesperrt bis ${new Date(until).toLocaleString("de-DE")}.`;
  }
  return e.full;
}

/** The `?next=` of a sign-in page, to carry between the sign-in pages. */
function nextSuffix(query: URLSearchParams): string {
  const next = query.get("next");
  return next && next.startsWith("/") ? `?next=${encodeURIComponent(next)}` : "";
}

export function LoginPage(props: { onLogin: () => Promise<void> }) {
  const { query } = useLocation();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Card title="Anmelden">
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await api.post("/api/v1/session", { login: login.trim(), password }, { quiet401: true, idempotent: false });
            await props.onLogin();
          } catch (err) {
            setError(err instanceof ApiError ? lockedText(err) : errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Input label="E-Mail-Adresse" name="login" type="email" autocomplete="username" value={login} onInput={setLogin} required />
        <Input
          label="Passwort"
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={setPassword}
          required
        />
        {error && <Alert>{error}</Alert>}
        <button type="submit" disabled={busy}>
          {busy ? "Bitte warten …" : "Anmelden"}
        </button>
      </form>
      <ul class="login-links">
        <li>
          <Link href="/password-reset">Passwort vergessen?</Link>
        </li>
        <li>
          <Link href={`/pin-login${nextSuffix(query)}`}>Anmelden mit PIN (Ausbildungsbeauftragte)</Link>
        </li>
      </ul>
    </Card>
  );
}

export function PinLoginPage(props: { onLogin: () => Promise<void> }) {
  const { query } = useLocation();
  const [email, setEmail] = useState(query.get("email") ?? "");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Card title="Anmelden mit PIN">
      <p>Sie haben eine PIN per E-Mail erhalten, weil Ihnen ein Ausbildungsnachweis zur Freigabe gesendet wurde.</p>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await api.post("/api/v1/session/pin", { email: email.trim(), pin: pin.trim() }, { quiet401: true, idempotent: false });
            await props.onLogin();
          } catch (err) {
            setError(err instanceof ApiError ? lockedText(err) : errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Input label="E-Mail-Adresse" name="email" type="email" autocomplete="username" value={email} onInput={setEmail} required />
        <Input label="PIN" name="pin" inputMode="numeric" autocomplete="one-time-code" value={pin} onInput={setPin} required />
        {error && <Alert>{error}</Alert>}
        <button type="submit" disabled={busy}>
          {busy ? "Bitte warten …" : "Anmelden"}
        </button>
      </form>
      <p>
        <Link href={`/login${nextSuffix(query)}`}>Zur Anmeldung mit Passwort</Link>
      </p>
    </Card>
  );
}

function NewPassword(props: { endpoint: string; token: string; submit: string; done: string }) {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [finished, setFinished] = useState(false);
  if (finished)
    return (
      <>
        <Alert kind="success">{props.done}</Alert>
        <p>
          <Link href="/login" class="button">
            Zur Anmeldung
          </Link>
        </p>
      </>
    );
  return (
    <Form
      submit={props.submit}
      action={async () => {
        if (password.length < 10) throw new ApiError(400, "validation.password", "Das Passwort muss mindestens 10 Zeichen lang sein.");
        if (password !== repeat) throw new ApiError(400, "validation.password", "Die Passwörter stimmen nicht überein.");
        await api.post(props.endpoint, { token: props.token, password }, { quiet401: true, idempotent: false });
        setFinished(true);
      }}
    >
      <Input
        label="Neues Passwort"
        name="password"
        type="password"
        autocomplete="new-password"
        value={password}
        onInput={setPassword}
        hint="Mindestens 10 Zeichen."
        required
      />
      <Input
        label="Passwort wiederholen"
        name="password-repeat"
        type="password"
        autocomplete="new-password"
        value={repeat}
        onInput={setRepeat}
        required
      />
    </Form>
  );
}

export function PasswordResetPage() {
  const { query } = useLocation();
  const token = query.get("token");
  const [login, setLogin] = useState("");
  const [traineeNumber, setTraineeNumber] = useState("");
  const [sent, setSent] = useState(false);
  if (token)
    return (
      <Card title="Neues Passwort festlegen">
        <NewPassword
          endpoint="/api/v1/password-reset/confirm"
          token={token}
          submit="Passwort speichern"
          done="Ihr Passwort wurde geändert. Sie können sich jetzt anmelden."
        />
      </Card>
    );
  return (
    <Card title="Passwort zurücksetzen">
      {sent ? (
        <Alert kind="success">
          Falls die Angaben zu einem Konto passen, haben wir Ihnen eine E-Mail mit einem Link geschickt. Der Link gilt
          nur einmal und nur für kurze Zeit.
        </Alert>
      ) : (
        <Form
          submit="Link anfordern"
          action={async () => {
            const body: Record<string, string> = { login: login.trim() };
            if (traineeNumber.trim()) body.traineeNumber = traineeNumber.trim();
            await api.post("/api/v1/password-reset", body, { quiet401: true, idempotent: false });
            setSent(true);
          }}
        >
          <Input label="Anmeldename oder E-Mail-Adresse" name="login" autocomplete="username" value={login} onInput={setLogin} required />
          <Input
            label="Azubinummer"
            name="traineeNumber"
            inputMode="numeric"
            value={traineeNumber}
            onInput={setTraineeNumber}
            hint="Nur für Auszubildende: Ihre Azubinummer steht auf der Eintragungsbestätigung."
          />
        </Form>
      )}
      <p>
        <Link href="/login">Zur Anmeldung</Link>
      </p>
    </Card>
  );
}

export function ActivatePage() {
  const { query } = useLocation();
  const token = query.get("token");
  return (
    <Card title="Konto aktivieren">
      {token ? (
        <>
          <p>Willkommen im Ausbildungsportal. Bitte legen Sie Ihr Passwort fest.</p>
          <NewPassword
            endpoint="/api/v1/accounts/activate"
            token={token}
            submit="Konto aktivieren"
            done="Ihr Konto ist aktiviert. Sie können sich jetzt anmelden."
          />
        </>
      ) : (
        <Alert>Der Link ist unvollständig. Bitte öffnen Sie den Link aus Ihrer Einladungs-E-Mail erneut.</Alert>
      )}
    </Card>
  );
}
