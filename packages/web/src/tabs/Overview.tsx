import { useState } from "react";
import { useApi } from "../api/context";
import { TRANSITIONAL, type Overview as OverviewData } from "../api/types";
import {
  ErrorText,
  StatusBadge,
  formatTime,
  percent,
} from "../components/common";

export function Overview({
  data,
  onChange,
}: {
  data: OverviewData;
  onChange: () => void;
}) {
  const { project, recent_activity } = data;
  const health = project.latest_health;
  return (
    <div className="grid">
      <section className="card">
        <h2>Status</h2>
        <dl>
          <dt>Status</dt>
          <dd>
            <StatusBadge value={project.status} />
          </dd>
          <dt>Health</dt>
          <dd>
            <StatusBadge value={project.health_status} />
          </dd>
          <dt>Region</dt>
          <dd>{project.region}</dd>
          <dt>VM size</dt>
          <dd>{project.vm_size}</dd>
          <dt>CPU / memory / disk</dt>
          <dd>
            {percent(health?.cpu_percent)} / {percent(health?.memory_percent)} /{" "}
            {percent(health?.disk_percent)}
          </dd>
          <dt>Last report</dt>
          <dd>{formatTime(project.last_report_at)}</dd>
          {project.status_reason && (
            <>
              <dt>Reason</dt>
              <dd>{project.status_reason}</dd>
            </>
          )}
        </dl>
        {TRANSITIONAL.includes(project.status) && (
          <p role="status" className="notice">
            {project.status}… this page updates by itself.
          </p>
        )}
        <Actions
          projectId={project.id}
          status={project.status}
          onChange={onChange}
        />
      </section>
      <section className="card">
        <h2>Recent activity</h2>
        <ul className="activity">
          {recent_activity.map((entry) => (
            <li key={entry.id}>
              <strong>{entry.action}</strong>{" "}
              <span className="muted">
                {formatTime(entry.created_at)}
                {entry.user_email ? ` by ${entry.user_email}` : ""}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function Actions(props: {
  projectId: string;
  status: string;
  onChange: () => void;
}) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { status } = props;

  const run = async (action: string, fields: Record<string, unknown> = {}) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.vmApi(action, { project_id: props.projectId, ...fields });
      setConfirming(false);
      props.onChange();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="actions">
      <button
        type="button"
        disabled={busy || status !== "stopped"}
        onClick={() => run("start")}
      >
        Start
      </button>
      <button
        type="button"
        disabled={busy || !["active", "running"].includes(status)}
        onClick={() => run("stop")}
      >
        Stop
      </button>
      {!confirming ? (
        <button
          type="button"
          className="danger"
          disabled={busy || !["stopped", "error"].includes(status)}
          onClick={() => setConfirming(true)}
        >
          Delete…
        </button>
      ) : (
        <div role="alertdialog" aria-label="Confirm delete" className="confirm">
          <p>
            Delete this project and its VM, disk and network? This cannot be
            undone.
          </p>
          <button
            type="button"
            className="danger"
            autoFocus
            disabled={busy}
            onClick={() => run("delete")}
          >
            Yes, delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </div>
  );
}
