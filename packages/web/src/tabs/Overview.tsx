import { useState } from "react";
import { useApi } from "../api/context";
import { TRANSITIONAL, type Overview as OverviewData } from "../api/types";
import {
  ConfirmDialog,
  ErrorText,
  HEALTH_EXPLANATIONS,
  HealthBadge,
  StatusBadge,
  formatTime,
  percent,
} from "../components/common";

const START_FROM = ["stopped", "error"];
const STOP_FROM = ["active", "running", "error"];
/** States that allow delete without `force`. */
const DELETE_FROM = ["stopped", "error"];
const NEVER_DELETE = ["deleting", "deleted"];

export function Overview({
  data,
  onChange,
}: {
  data: OverviewData;
  onChange: () => void;
}) {
  const { project, recent_activity } = data;
  const health = project.latest_health;
  const gone = project.status === "deleted" || project.status === "deleting";
  return (
    <div className="grid">
      <section className="card">
        <h2>Status</h2>
        {project.status === "deleted" && (
          <p className="notice" role="status">
            This project is deleted: its VM, disk and network are gone, and it
            no longer appears in the project list. What it recorded is still
            readable here.
          </p>
        )}
        <dl>
          <dt>Project id</dt>
          <dd>
            <ProjectId id={project.id} />
          </dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge value={project.status} />
          </dd>
          <dt>Health</dt>
          <dd>
            {gone ? (
              <span className="muted">none: the VM is deleted</span>
            ) : (
              <>
                <HealthBadge value={project.health_status} />{" "}
                <span className="muted">
                  {project.health_status === "unknown" && project.last_report_at
                    ? "No current report: the VM is not running, or its agent has not reported since it started."
                    : (HEALTH_EXPLANATIONS[project.health_status] ?? "")}
                </span>
              </>
            )}
          </dd>
          <dt>Region</dt>
          <dd>{project.region}</dd>
          <dt>VM size</dt>
          <dd>{project.vm_size}</dd>
          {!gone && (
            <>
              <dt>CPU / memory / disk</dt>
              <dd>
                {health ? (
                  <>
                    {percent(health.cpu_percent)} /{" "}
                    {percent(health.memory_percent)} /{" "}
                    {percent(health.disk_percent)}{" "}
                    <span className="muted">
                      at {formatTime(health.reported_at)}
                    </span>
                  </>
                ) : (
                  <span className="muted">no report yet</span>
                )}
              </dd>
            </>
          )}
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
        {project.status !== "deleted" && (
          <Actions
            projectId={project.id}
            name={project.name}
            status={project.status}
            onChange={onChange}
          />
        )}
      </section>
      <section className="card">
        <h2>Recent activity</h2>
        {recent_activity.length === 0 && (
          <p className="muted">No activity recorded yet.</p>
        )}
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

/** Renders the project id as selectable text, with a copy button and its use. */
function ProjectId({ id }: { id: string }) {
  const [copied, setCopied] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(id);
      setCopied("Copied.");
    } catch {
      setCopied("Copying is blocked here; select the id and copy it.");
    }
  };
  return (
    <>
      <code className="project-id">{id}</code>{" "}
      <button type="button" className="secondary small" onClick={copy}>
        Copy id
      </button>
      <span role="status" className="muted">
        {copied}
      </span>
      <br />
      <span className="muted">
        For the VM's agent: <code>synthcore token reporter --project {id}</code>
      </span>
    </>
  );
}

function Actions(props: {
  projectId: string;
  name: string;
  status: string;
  onChange: () => void;
}) {
  const api = useApi();
  const [confirming, setConfirming] = useState<"stop" | "delete">();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { status } = props;
  const force = !DELETE_FROM.includes(status);

  const run = async (action: string, fields: Record<string, unknown> = {}) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.vmApi(action, { project_id: props.projectId, ...fields });
      setConfirming(undefined);
      props.onChange();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => {
    setConfirming(undefined);
    setError(undefined);
  };

  return (
    <div className="actions">
      <button
        type="button"
        disabled={busy || !START_FROM.includes(status)}
        onClick={() => run("start")}
      >
        Start
      </button>
      <button
        type="button"
        disabled={busy || !STOP_FROM.includes(status)}
        onClick={() => setConfirming("stop")}
      >
        Stop
      </button>
      <button
        type="button"
        className="danger"
        disabled={busy || NEVER_DELETE.includes(status)}
        onClick={() => setConfirming("delete")}
      >
        Delete…
      </button>
      <p className="muted hint">{explain(status)}</p>
      {confirming === "stop" && (
        <ConfirmDialog
          title={`Stop ${props.name}?`}
          confirmLabel="Yes, stop"
          busy={busy}
          error={error}
          onConfirm={() => run("stop")}
          onCancel={cancel}
        >
          <p>
            The VM is deallocated and its agents stop working until you start it
            again. Its disk is kept.
          </p>
        </ConfirmDialog>
      )}
      {confirming === "delete" && (
        <ConfirmDialog
          title={`Delete ${props.name}?`}
          confirmLabel={force ? "Yes, force delete" : "Yes, delete"}
          tone="danger"
          busy={busy}
          error={error}
          onConfirm={() => run("delete", force ? { force: true } : {})}
          onCancel={cancel}
        >
          <p>
            Delete this project and its VM, disk and network? This cannot be
            undone.
          </p>
          {force && (
            <p className="warning">
              The project is {status}, not stopped: its VM will be deleted
              without stopping first, and work in progress on it is lost.
            </p>
          )}
        </ConfirmDialog>
      )}
      {!confirming && <ErrorText error={error} />}
    </div>
  );
}

/** Returns why some actions are unavailable in this state. */
function explain(status: string): string {
  if (status === "deleting") return "The project is being deleted.";
  if (TRANSITIONAL.includes(status))
    return `Start and stop wait until ${status} ends; delete forces it.`;
  if (status === "stopped") return "Stopped: start it again, or delete it.";
  if (status === "error")
    return "After an error you may start, stop or delete it again.";
  return "Start is available once the project is stopped.";
}
