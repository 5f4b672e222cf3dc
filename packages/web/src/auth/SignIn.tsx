import { useEffect, useState, type FormEvent } from "react";
import { usesSupabase } from "../config";
import { ErrorText } from "../components/common";
import { devSignIn, devUsers, supabaseSignIn } from "./sign-in";
import type { Session } from "./session";

export function SignIn(props: {
  notice?: string;
  onSignIn: (s: Session) => void;
}) {
  return (
    <main className="sign-in">
      <h1>Sign in to Synthcore</h1>
      {props.notice && (
        <p className="notice" role="status">
          {props.notice}
        </p>
      )}
      {usesSupabase() ? (
        <PasswordForm onSignIn={props.onSignIn} />
      ) : (
        <DevPicker onSignIn={props.onSignIn} />
      )}
    </main>
  );
}

function PasswordForm({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      onSignIn(await supabaseSignIn(email, password));
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="stack">
      <label>
        Email
        <input
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** Local stack only: pick a seeded user and get a dev issuer token. */
function DevPicker({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [users, setUsers] = useState<string[]>();
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string>();

  useEffect(() => {
    devUsers().then(
      (list) => {
        setUsers(list);
        setEmail(list[0] ?? "");
      },
      (failure: Error) => setError(failure.message),
    );
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      onSignIn(await devSignIn(email));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  if (users?.length === 0)
    return (
      <p>
        No users yet. Create one with{" "}
        <code>
          npx synthcore org create --name Acme --owner you@example.com
        </code>{" "}
        and reload.
      </p>
    );
  return (
    <form onSubmit={submit} className="stack">
      <p className="muted">Local stack: sign in as a seeded user.</p>
      <label>
        User
        <select value={email} onChange={(e) => setEmail(e.target.value)}>
          {(users ?? []).map((user) => (
            <option key={user} value={user}>
              {user}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={!email}>
        Sign in
      </button>
      <ErrorText error={error} />
    </form>
  );
}
