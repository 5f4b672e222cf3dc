import { useState, type FormEvent } from "react";
import { Empty, ErrorText, MoreButton, formatTime } from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface LogRow {
  id: number;
  route: string;
  status: number;
  latency_ms: number;
  error: string | null;
  created_at: string;
}

export function LogsTab({ projectId }: { projectId: string }) {
  const [route, setRoute] = useState("");
  const [status, setStatus] = useState("");
  const [filters, setFilters] = useState<Record<string, unknown>>({});
  const log = usePaged<LogRow>("request_log", {
    project_id: projectId,
    ...filters,
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({
      ...(route.trim() ? { route: route.trim() } : {}),
      ...(status.trim() ? { status: Number(status) } : {}),
    });
  };
  return (
    <section>
      <h2>VM Reporter requests</h2>
      <form onSubmit={apply} className="filters">
        <label>
          Route
          <input
            value={route}
            placeholder="health"
            onChange={(e) => setRoute(e.target.value)}
          />
        </label>
        <label>
          Status
          <input
            value={status}
            inputMode="numeric"
            placeholder="401"
            onChange={(e) => setStatus(e.target.value)}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorText error={log.error} />
      <Empty when={!log.loading && log.items.length === 0}>
        No requests match.
      </Empty>
      {log.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Route</th>
              <th scope="col">Status</th>
              <th scope="col">Latency</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {log.items.map((row) => (
              <tr
                key={row.id}
                className={row.status >= 400 ? "failed" : undefined}
              >
                <td>{formatTime(row.created_at)}</td>
                <td>{row.route}</td>
                <td>{row.status}</td>
                <td>{row.latency_ms.toFixed(1)} ms</td>
                <td>{row.error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton
        hasMore={log.hasMore}
        loading={log.loading}
        onClick={log.loadMore}
      />
    </section>
  );
}
