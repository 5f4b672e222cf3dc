import type { ReactNode } from "react";

/** An API or network error, in words, announced to screen readers. */
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
