import { Empty, ErrorText, formatTime } from "../components/common";
import { LineChart } from "../components/LineChart";
import { usePaged } from "../hooks/usePaged";

interface TaskRow {
  id: number;
  agent: string;
  assigned: number;
  completed: number;
  failed: number;
  drifted: number;
  period_end: string;
}
interface ProductivityRow {
  id: number;
  agent: string;
  commits: number;
  lines_added: number;
  lines_removed: number;
  files_changed: number;
  period_end: string;
}
interface SessionRow {
  id: number;
  session_id: string;
  agent: string;
  tool: string;
  started_at: string;
  ended_at: string | null;
  exit_code: number | null;
  commands_run: number;
  input_tokens: number;
  output_tokens: number;
}

const time = (at: string) => new Date(at).toLocaleTimeString();

export function MetricsTab({ projectId }: { projectId: string }) {
  const fields = { project_id: projectId, limit: 100 };
  const tasks = usePaged<TaskRow>("task_metrics", fields);
  const work = usePaged<ProductivityRow>("productivity_metrics", fields);
  const sessions = usePaged<SessionRow>("cli_sessions", {
    project_id: projectId,
    limit: 20,
  });
  const t = [...tasks.items].reverse();
  const w = [...work.items].reverse();

  return (
    <section>
      <h2>Tasks</h2>
      <ErrorText error={tasks.error} />
      <Empty when={!tasks.loading && !tasks.error && t.length === 0}>
        No task metrics reported yet.
      </Empty>
      {t.length > 0 && (
        <LineChart
          title="Tasks per report"
          labels={t.map((r) => time(r.period_end))}
          series={[
            {
              label: "Completed",
              color: "#16a34a",
              values: t.map((r) => r.completed),
            },
            {
              label: "Failed",
              color: "#dc2626",
              values: t.map((r) => r.failed),
            },
            {
              label: "Assigned",
              color: "#2563eb",
              values: t.map((r) => r.assigned),
            },
          ]}
        />
      )}
      <h2>Productivity</h2>
      <ErrorText error={work.error} />
      <Empty when={!work.loading && !work.error && w.length === 0}>
        No productivity metrics reported yet.
      </Empty>
      {w.length > 0 && (
        <LineChart
          title="Commits and files changed per report"
          labels={w.map((r) => time(r.period_end))}
          series={[
            {
              label: "Commits",
              color: "#7c3aed",
              values: w.map((r) => r.commits),
            },
            {
              label: "Files changed",
              color: "#d97706",
              values: w.map((r) => r.files_changed),
            },
          ]}
        />
      )}
      <h2>CLI sessions</h2>
      <ErrorText error={sessions.error} />
      <Empty
        when={
          !sessions.loading && !sessions.error && sessions.items.length === 0
        }
      >
        No CLI sessions reported yet.
      </Empty>
      {sessions.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Agent</th>
              <th scope="col">Tool</th>
              <th scope="col">Commands</th>
              <th scope="col">Tokens in / out</th>
              <th scope="col">Exit</th>
            </tr>
          </thead>
          <tbody>
            {sessions.items.map((s) => (
              <tr key={s.id}>
                <td>{formatTime(s.started_at)}</td>
                <td>{s.agent}</td>
                <td>{s.tool}</td>
                <td>{s.commands_run}</td>
                <td>
                  {s.input_tokens} / {s.output_tokens}
                </td>
                <td>{s.ended_at ? (s.exit_code ?? "—") : "running"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
