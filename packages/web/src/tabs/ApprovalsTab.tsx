import { useState } from "react";
import { useApi } from "../api/context";
import {
  Empty,
  ErrorText,
  MoreButton,
  StatusBadge,
  formatTime,
} from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface Approval {
  approval_id: string;
  agent: string;
  action: string;
  summary: string;
  status: string;
  decision_reason: string | null;
  outcome: string | null;
  acknowledged_at: string | null;
  expires_at: string;
  created_at: string;
}

/** How often the tab reads again while an approval is in flight. */
const BUSY_POLL_MS = 2_000;
/** How often it looks for new requests otherwise. */
const IDLE_POLL_MS = 15_000;

/** Pending, or decided and not yet acknowledged by the agent. */
const inFlight = (a: Approval) =>
  a.status === "pending" || a.status === "approved" || a.status === "rejected";

export function ApprovalsTab(props: {
  projectId: string;
  onChange: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const pollMs = busy ? BUSY_POLL_MS : IDLE_POLL_MS;
  const pending = usePaged<Approval>(
    "approvals",
    { project_id: props.projectId, status: "pending" },
    pollMs,
  );
  const all = usePaged<Approval>(
    "approvals",
    { project_id: props.projectId },
    pollMs,
  );
  const decided = all.items.filter((a) => a.status !== "pending");
  const moving = pending.items.length > 0 || all.items.some(inFlight);
  if (moving !== busy) setBusy(moving);

  const refresh = () => {
    pending.reload();
    all.reload();
  };
  const changed = () => {
    refresh();
    props.onChange();
  };

  return (
    <section>
      <h2>Waiting for a decision</h2>
      <button type="button" className="secondary" onClick={refresh}>
        Refresh
      </button>
      {busy && (
        <span className="muted">
          {" "}
          This tab updates by itself until the agent acknowledges.
        </span>
      )}
      <ErrorText error={pending.error} />
      <Empty when={!pending.loading && pending.items.length === 0}>
        Nothing is waiting for you.
      </Empty>
      <ul className="cards">
        {pending.items.map((a) => (
          <PendingApproval
            key={a.approval_id}
            projectId={props.projectId}
            approval={a}
            onDecided={changed}
          />
        ))}
      </ul>
      <MoreButton
        hasMore={pending.hasMore}
        loading={pending.loading}
        onClick={pending.loadMore}
      />
      <h2>Earlier requests</h2>
      <ErrorText error={all.error} />
      <Empty when={!all.loading && decided.length === 0}>
        No decided or expired requests yet.
      </Empty>
      {decided.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Agent</th>
              <th scope="col">Action</th>
              <th scope="col">Summary</th>
              <th scope="col">Status</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {decided.map((a) => (
              <tr key={a.approval_id}>
                <td>{formatTime(a.created_at)}</td>
                <td>{a.agent}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>{a.summary}</td>
                <td>
                  <StatusBadge value={a.status} />
                </td>
                <td>{outcome(a)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton
        hasMore={all.hasMore}
        loading={all.loading}
        onClick={all.loadMore}
      />
    </section>
  );
}

function outcome(a: Approval): string {
  if (a.outcome) return a.outcome;
  if (a.status === "approved" || a.status === "rejected")
    return "waiting for the agent to acknowledge";
  if (a.status === "expired") return "nobody decided in time";
  return a.decision_reason ?? "—";
}

function PendingApproval(props: {
  projectId: string;
  approval: Approval;
  onDecided: () => void;
}) {
  const api = useApi();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { approval } = props;

  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(undefined);
    try {
      await api.vmApi("decide_approval", {
        project_id: props.projectId,
        approval_id: approval.approval_id,
        decision,
      });
      props.onDecided();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <li className="card">
      <h3>{approval.summary}</h3>
      <p className="muted">
        {approval.agent} wants to <code>{approval.action}</code>. Expires{" "}
        {formatTime(approval.expires_at)}.
      </p>
      <button type="button" disabled={busy} onClick={() => decide("approve")}>
        Approve
      </button>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => decide("reject")}
      >
        Reject
      </button>
      <ErrorText error={error} />
    </li>
  );
}
