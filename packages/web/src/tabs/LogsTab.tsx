import { useState, type FormEvent } from "react";
import { Empty, ErrorText, MoreButton, formatTime } from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface LogRow {
  id: number;
  route: string;
  status: number;
  latency_ms: number;
  error: string | null;
  /** Item counts a batch carried per route, such as {"health": 1}. */
  items?: Record<string, number> | null;
  created_at: string;
}

const HTTP_STATUS = /^[1-5]\d\d$/;

export function LogsTab({ projectId }: { projectId: string }) {
  const [route, setRoute] = useState("");
  const [status, setStatus] = useState("");
  const [filters, setFilters] = useState<Record<string, unknown>>({});
  const [invalid, setInvalid] = useState<string>();
  const log = usePaged<LogRow>("request_log", {
    project_id: projectId,
    ...filters,
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const wanted = status.trim();
    if (wanted && !HTTP_STATUS.test(wanted)) {
      setInvalid("Status must be a 3-digit HTTP status, such as 200 or 401.");
      return;
    }
    setInvalid(undefined);
    setFilters({
      ...(route.trim() ? { route: route.trim() } : {}),
      ...(wanted ? { status: Number(wanted) } : {}),
    });
  };
  const showItems = log.items.some((row) => row.items);
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
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? "status-invalid" : undefined}
            onChange={(e) => setStatus(e.target.value)}
          />
        </label>
        <button type="submit">Filter</button>
        {invalid && (
          <p id="status-invalid" className="error" role="alert">
            {invalid}
          </p>
        )}
      </form>
      <ErrorText error={log.error} />
      <Empty when={!log.loading && !log.error && log.items.length === 0}>
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
              {showItems && <th scope="col">Items</th>}
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
                {showItems && <td>{describeItems(row.items)}</td>}
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

/** Formats {"health": 1, "messages": 3} as "health 1, messages 3". */
function describeItems(items: Record<string, number> | null | undefined) {
  if (!items) return "—";
  const parts = Object.entries(items).map(([name, n]) => `${name} ${n}`);
  return parts.length ? parts.join(", ") : "—";
}
