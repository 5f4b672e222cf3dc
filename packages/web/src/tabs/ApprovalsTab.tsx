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
  expires_at: string;
  created_at: string;
}

export function ApprovalsTab(props: {
  projectId: string;
  onChange: () => void;
}) {
  const pending = usePaged<Approval>("approvals", {
    project_id: props.projectId,
    status: "pending",
  });
  const all = usePaged<Approval>("approvals", { project_id: props.projectId });
  const decided = all.items.filter((a) => a.status !== "pending");
  const changed = () => {
    pending.reload();
    all.reload();
    props.onChange();
  };

  return (
    <section>
      <h2>Waiting for a decision</h2>
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
      <table>
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Agent</th>
            <th scope="col">Action</th>
            <th scope="col">Status</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {decided.map((a) => (
            <tr key={a.approval_id}>
              <td>{formatTime(a.created_at)}</td>
              <td>{a.agent}</td>
              <td>{a.summary}</td>
              <td>
                <StatusBadge value={a.status} />
              </td>
              <td>{a.outcome ?? a.decision_reason ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton
        hasMore={all.hasMore}
        loading={all.loading}
        onClick={all.loadMore}
      />
    </section>
  );
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
