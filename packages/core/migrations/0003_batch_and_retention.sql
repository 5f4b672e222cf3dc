-- The batch route and telemetry retention. A batch's request-log row lists
-- what it carried, such as {"health": 1, "messages": 2}. Retention deletes
-- the oldest rows of each table in bounded batches, so each table gets an
-- index on the time it deletes by.

ALTER TABLE vm_reporter_request_log ADD COLUMN items jsonb;

CREATE INDEX vm_reporter_request_log_created_idx
  ON vm_reporter_request_log (created_at);
CREATE INDEX health_snapshots_received_idx ON health_snapshots (received_at);
CREATE INDEX agent_messages_received_idx ON agent_messages (received_at);
CREATE INDEX audit_events_received_idx ON audit_events (received_at);
CREATE INDEX conflict_reports_received_idx ON conflict_reports (received_at);
CREATE INDEX task_metrics_received_idx ON task_metrics (received_at);
CREATE INDEX productivity_metrics_received_idx
  ON productivity_metrics (received_at);
CREATE INDEX cli_sessions_received_idx ON cli_sessions (received_at);

-- The dashboard's pending approvals and its failed requests, newest first.
CREATE INDEX approvals_pending_idx ON approvals (project_id, created_at DESC)
  WHERE status = 'pending';
CREATE INDEX vm_reporter_request_log_errors_idx
  ON vm_reporter_request_log (project_id, id DESC) WHERE status >= 400;
