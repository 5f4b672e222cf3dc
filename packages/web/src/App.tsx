import { useCallback, useEffect, useState } from "react";
import { ApiProvider } from "./api/context";
import { SignIn } from "./auth/SignIn";
import {
  isExpired,
  loadSession,
  saveSession,
  type Session,
} from "./auth/session";
import { ProjectPage } from "./pages/ProjectPage";
import { Projects } from "./pages/Projects";
import { useRoute } from "./router";

export function App() {
  const [session, setSession] = useState(loadSession);
  const [notice, setNotice] = useState<string>();
  const route = useRoute();

  const signIn = (next: Session) => {
    saveSession(next);
    setNotice(undefined);
    setSession(next);
  };
  const signOut = useCallback((reason?: string) => {
    saveSession(undefined);
    setNotice(reason);
    setSession(undefined);
  }, []);
  const expired = useCallback(
    () => signOut("Your session has expired. Please sign in again."),
    [signOut],
  );

  useEffect(() => {
    if (!session) return;
    const timer = setInterval(() => {
      if (isExpired(session)) expired();
    }, 5_000);
    return () => clearInterval(timer);
  }, [session, expired]);

  if (!session) return <SignIn notice={notice} onSignIn={signIn} />;
  return (
    <ApiProvider
      token={session.token}
      email={session.email}
      onExpired={expired}
    >
      <header className="top">
        <a href="#/" className="brand">
          Synthcore
        </a>
        <span className="muted">{session.email}</span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === "project" ? (
          <ProjectPage projectId={route.projectId} tab={route.tab} />
        ) : (
          <Projects organizationId={route.organizationId} />
        )}
      </main>
    </ApiProvider>
  );
}
