import { useEffect, useId, useRef, type ReactNode } from "react";

/** Shows an API or network error in words and announces it to screen readers. */
export function ErrorText({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

export function StatusBadge({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value}</span>;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted">Loading…</p> : null;
}

export function Empty({
  when,
  children,
}: {
  when: boolean;
  children: ReactNode;
}) {
  return when ? <p className="muted">{children}</p> : null;
}

export function MoreButton(props: {
  hasMore: boolean;
  loading: boolean;
  onClick: () => void;
}) {
  if (!props.hasMore) return null;
  return (
    <button type="button" onClick={props.onClick} disabled={props.loading}>
      Load older
    </button>
  );
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

export function percent(value: number | undefined): string {
  return value === undefined ? "—" : `${Math.round(value)}%`;
}

/** Returns the first 8 characters of a UUID, enough to tell ids apart. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Renders a modal confirmation in a native <dialog> opened with
 * showModal(), so the rest of the page is inert while it is open.
 * Focus starts on Cancel, Escape cancels, and focus then returns to the
 * element that opened it.
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** "danger" for destructive actions such as delete. */
  tone?: "danger" | "primary";
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const { onCancel } = props;

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    dialog?.querySelector<HTMLButtonElement>("button[data-cancel]")?.focus();
    return () => {
      if (dialog?.open) dialog.close();
      opener?.focus?.();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      className={`confirm${props.tone === "danger" ? " confirm-danger" : ""}`}
      onCancel={(event) => {
        // Escape: let React remove the dialog instead of the browser.
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div id={bodyId}>{props.children}</div>
      <div className="dialog-buttons">
        <button
          type="button"
          className="secondary"
          data-cancel
          onClick={onCancel}
        >
          Cancel
        </button>
        <button
          type="button"
          className={props.tone === "danger" ? "danger" : undefined}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
      <ErrorText error={props.error} />
    </dialog>
  );
}

const HEALTH_LABELS: Record<string, string> = {
  unknown: "no report yet",
};

/** Explanations of each health status, shown beside the badge. */
export const HEALTH_EXPLANATIONS: Record<string, string> = {
  unknown:
    "The VM's agent has not reported yet. Health appears after its first report.",
  unreachable:
    "The agent reported before but has been silent too long, so its last health no longer counts.",
  healthy: "As reported by the VM's agent.",
  degraded: "As reported by the VM's agent: something needs attention.",
  unhealthy: "As reported by the VM's agent: the VM is not working properly.",
};

/** Renders a health status badge, with "no report yet" for "unknown". */
export function HealthBadge({ value }: { value: string }) {
  return (
    <span className={`badge badge-${value}`}>
      {HEALTH_LABELS[value] ?? value}
    </span>
  );
}
