import { useState, type FormEvent } from "react";
import { useApi } from "../api/context";
import {
  Empty,
  ErrorText,
  MoreButton,
  StatusBadge,
  formatTime,
} from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface Command {
  id: string;
  type: string;
  status: string;
  deliveries: number;
  result: string | null;
  created_by_email: string | null;
  created_at: string;
  finished_at: string | null;
}

const COMMANDS = ["restart_agents", "stop_agents", "start_agents"];

export function CommandsTab({ projectId }: { projectId: string }) {
  const history = usePaged<Command>("commands", { project_id: projectId });
  return (
    <section>
      <SendCommand projectId={projectId} onSent={history.reload} />
      <h2>History</h2>
      <button type="button" onClick={history.reload}>
        Refresh
      </button>
      <ErrorText error={history.error} />
      <Empty when={!history.loading && history.items.length === 0}>
        No commands sent yet.
      </Empty>
      {history.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">Command</th>
              <th scope="col">By</th>
              <th scope="col">Status</th>
              <th scope="col">Deliveries</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {history.items.map((c) => (
              <tr key={c.id}>
                <td>{formatTime(c.created_at)}</td>
                <td>{c.type}</td>
                <td>{c.created_by_email ?? "system"}</td>
                <td>
                  <StatusBadge value={c.status} />
                </td>
                <td>{c.deliveries}</td>
                <td>{c.result ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton
        hasMore={history.hasMore}
        loading={history.loading}
        onClick={history.loadMore}
      />
    </section>
  );
}

function SendCommand(props: { projectId: string; onSent: () => void }) {
  const api = useApi();
  const [command, setCommand] = useState(COMMANDS[0]!);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.vmApi("send_command", {
        project_id: props.projectId,
        command,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setSent(`${command} queued; the VM picks it up on its next cycle.`);
      setReason("");
      props.onSent();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form onSubmit={submit} className="create">
      <h2>Send a command</h2>
      <label>
        Command
        <select value={command} onChange={(e) => setCommand(e.target.value)}>
          {COMMANDS.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason (optional)
        <input
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit">Send command</button>
      {sent && <p role="status">{sent}</p>}
      <ErrorText error={error} />
    </form>
  );
}
