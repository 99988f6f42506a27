// The own account: change the password; a supervisor signed in by PIN
// turns the PIN access into a full login.
import { useState } from "preact/hooks";
import { api } from "../api";
import { useSession } from "../session";
import { Form, Input, Page, roleLabels } from "../ui";

export function AccountPage() {
  const { me, refresh } = useSession();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  return (
    <Page title="Mein Konto">
      <p>
        {me.name} · {me.email}
      </p>
      <p>Rollen: {me.roles.map((r) => roleLabels[r.role] ?? r.role).join(", ")}</p>
      {me.sessionMethod === "pin" && !me.hasPassword ? (
        <>
          <h2>Passwort festlegen</h2>
          <p>Sie sind mit PIN angemeldet. Mit einem Passwort erhalten Sie einen vollwertigen Zugang.</p>
          <Form
            submit="Passwort festlegen"
            action={async () => {
              await api.post("/api/v1/me/pin-conversion", { password });
              await refresh();
              return "Ihr Passwort ist gespeichert.";
            }}
          >
            <Input label="Neues Passwort" type="password" autocomplete="new-password" value={password} onInput={setPassword} required />
          </Form>
        </>
      ) : (
        <>
          <h2>Passwort ändern</h2>
          <Form
            submit="Passwort ändern"
            action={async () => {
              await api.put("/api/v1/me/password", { currentPassword: current, password });
              setCurrent("");
              setPassword("");
              return "Ihr Passwort wurde geändert.";
            }}
          >
            <Input label="Bisheriges Passwort" type="password" autocomplete="current-password" value={current} onInput={setCurrent} required />
            <Input label="Neues Passwort" type="password" autocomplete="new-password" value={password} onInput={setPassword} required />
          </Form>
        </>
      )}
    </Page>
  );
}
