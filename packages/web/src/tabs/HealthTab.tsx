import { useApi } from "../api/context";
import type { Page } from "../api/client";
import {
  Empty,
  ErrorText,
  Loading,
  StatusBadge,
  formatTime,
} from "../components/common";
import { LineChart } from "../components/LineChart";
import { useLoad } from "../hooks/useLoad";

interface Snapshot {
  id: number;
  health_status: string;
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  /** {"<agent name>": {"status": "running", "detail": "..."}} */
  agents?: Record<string, { status?: string; detail?: string }> | null;
  reported_at: string;
}

const clock = (at: string) => new Date(at).toLocaleTimeString();

export function HealthTab({ projectId }: { projectId: string }) {
  const api = useApi();
  const history = useLoad(
    () =>
      api.dashboard<Page<Snapshot>>("health", {
        project_id: projectId,
        limit: 200,
      }),
    projectId,
    10_000,
  );
  const points = [...(history.data?.items ?? [])].reverse();
  const latest = points.at(-1);

  return (
    <section>
      <h2>Health over time</h2>
      <ErrorText error={history.error} />
      <Loading when={history.loading && !history.data} />
      <Empty when={!!history.data && points.length === 0}>
        No health reports yet. They appear once the VM's agent reports.
      </Empty>
      {latest && (
        <p>
          Latest: <StatusBadge value={latest.health_status} /> at{" "}
          {formatTime(latest.reported_at)} ({points.length} reports shown)
        </p>
      )}
      {latest && <Agents agents={latest.agents} />}
      {points.length > 0 && (
        <LineChart
          title="CPU, memory and disk (%)"
          max={100}
          labels={points.map((p) => clock(p.reported_at))}
          series={[
            {
              label: "CPU",
              color: "#2563eb",
              values: points.map((p) => p.cpu_percent),
            },
            {
              label: "Memory",
              color: "#16a34a",
              values: points.map((p) => p.memory_percent),
            },
            {
              label: "Disk",
              color: "#d97706",
              values: points.map((p) => p.disk_percent),
            },
          ]}
        />
      )}
    </section>
  );
}

/** Renders the agents' statuses in the latest report, which explain its health. */
function Agents({ agents }: { agents: Snapshot["agents"] }) {
  const entries = Object.entries(agents ?? {});
  if (entries.length === 0)
    return <p className="muted">The latest report names no agents.</p>;
  return (
    <table>
      <caption>Agents in the latest report</caption>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Status</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, agent]) => (
          <tr key={name}>
            <td>{name}</td>
            <td>
              <StatusBadge value={agent?.status ?? "unknown"} />
            </td>
            <td>{agent?.detail ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
