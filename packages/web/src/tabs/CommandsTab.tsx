import { useState, type FormEvent } from "react";
import { useApi } from "../api/context";
import {
  Empty,
  ErrorText,
  MoreButton,
  StatusBadge,
  formatTime,
  shortId,
} from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface Command {
  id: string;
  type: string;
  payload: Record<string, unknown> | null;
  status: string;
  deliveries: number;
  result: string | null;
  created_by_email: string | null;
  created_at: string;
  finished_at: string | null;
}

const COMMANDS = ["restart_agents", "stop_agents", "start_agents"];
/** Statuses a command leaves by itself once the VM's agent acts. */
const IN_FLIGHT = ["queued", "delivered", "running"];
const BUSY_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;

export function CommandsTab({ projectId }: { projectId: string }) {
  const [busy, setBusy] = useState(false);
  const history = usePaged<Command>(
    "commands",
    { project_id: projectId },
    busy ? BUSY_POLL_MS : IDLE_POLL_MS,
  );
  const moving = history.items.some((c) => IN_FLIGHT.includes(c.status));
  if (moving !== busy) setBusy(moving);
  const [sent, setSent] = useState<{ id: string; text: string }>();
  // The notice lasts while the command it announces is in flight.
  const announced = sent && history.items.find((c) => c.id === sent.id);
  if (announced && !IN_FLIGHT.includes(announced.status)) setSent(undefined);

  const refresh = () => {
    setSent(undefined);
    history.reload();
  };
  return (
    <section>
      <SendCommand
        projectId={projectId}
        sent={sent?.text}
        onSent={(id, text) => {
          setSent({ id, text });
          history.reload();
        }}
      />
      <h2>History</h2>
      <button type="button" className="secondary" onClick={refresh}>
        Refresh
      </button>
      {busy && (
        <span className="muted">
          {" "}
          This list updates by itself while a command is in flight.
        </span>
      )}
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
              <th scope="col">Reason</th>
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
                <td>
                  <CommandName command={c} />
                </td>
                <td>{reasonOf(c)}</td>
                <td>{c.created_by_email ?? "system"}</td>
                <td>
                  <StatusBadge value={c.status} />
                </td>
                <td>{c.deliveries}</td>
                <td title={c.result ?? undefined}>
                  {c.result ? shortenIds(c.result) : "—"}
                </td>
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

function CommandName({ command }: { command: Command }) {
  const payload = command.payload ?? {};
  if (command.type !== "approval_decision") return <>{command.type}</>;
  const id = typeof payload.approval_id === "string" ? payload.approval_id : "";
  const decision =
    typeof payload.decision === "string" ? payload.decision : "sent";
  return (
    <>
      approval decision: {decision}
      {id && (
        <>
          {" "}
          <span className="muted" title={id}>
            (approval {shortId(id)})
          </span>
        </>
      )}
    </>
  );
}

const UUID =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** Shortens each UUID in a result to its first 8 characters. */
function shortenIds(text: string): string {
  return text.replace(UUID, (id) => shortId(id));
}

function reasonOf(command: Command): string {
  const reason = command.payload?.reason;
  return typeof reason === "string" && reason ? reason : "—";
}

function SendCommand(props: {
  projectId: string;
  sent: string | undefined;
  onSent: (commandId: string, notice: string) => void;
}) {
  const api = useApi();
  const [command, setCommand] = useState(COMMANDS[0]!);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const answer = await api.vmApi<{ command_id: string }>("send_command", {
        project_id: props.projectId,
        command,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setReason("");
      props.onSent(
        answer.command_id,
        `${command} queued; the VM picks it up on its next cycle.`,
      );
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
      {props.sent && <p role="status">{props.sent}</p>}
      <ErrorText error={error} />
    </form>
  );
}
