-- The VM Reporter: reporter tokens, its request log, telemetry, command
-- history and approvals. Every list a dashboard reads is indexed newest
-- first per project.

ALTER TABLE projects ADD COLUMN last_report_at timestamptz;

-- Only the SHA-256 of a token is stored; the token itself is shown once.
CREATE TABLE reporter_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE UNIQUE INDEX reporter_tokens_hash_key ON reporter_tokens (token_hash);
CREATE INDEX reporter_tokens_active_idx ON reporter_tokens (project_id)
  WHERE revoked_at IS NULL;

CREATE TABLE vm_reporter_request_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  route text NOT NULL,
  status integer NOT NULL,
  latency_ms double precision NOT NULL,
  error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vm_reporter_request_log_project_idx
  ON vm_reporter_request_log (project_id, id DESC);

CREATE TABLE health_snapshots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  health_status text NOT NULL
    CHECK (health_status IN ('healthy', 'degraded', 'unhealthy')),
  cpu_percent real NOT NULL,
  memory_percent real NOT NULL,
  disk_percent real NOT NULL,
  load_1m real,
  load_5m real,
  load_15m real,
  uptime_seconds bigint,
  -- {"<agent name>": {"status": "running", "detail": "..."}}
  agents jsonb NOT NULL DEFAULT '{}'::jsonb,
  reported_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX health_snapshots_project_idx ON health_snapshots (project_id, id DESC);

CREATE TABLE agent_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  content text NOT NULL,
  thread text,
  sent_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_messages_project_idx ON agent_messages (project_id, id DESC);

CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  action text NOT NULL,
  target text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_project_idx ON audit_events (project_id, id DESC);

CREATE TABLE conflict_reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  branch text NOT NULL,
  conflicts_detected integer NOT NULL,
  conflicts_resolved integer NOT NULL,
  files jsonb NOT NULL DEFAULT '[]'::jsonb,
  syncs_succeeded integer NOT NULL,
  syncs_failed integer NOT NULL,
  last_sync_at timestamptz,
  reported_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conflict_reports_project_idx ON conflict_reports (project_id, id DESC);

CREATE TABLE task_metrics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  assigned integer NOT NULL,
  completed integer NOT NULL,
  failed integer NOT NULL,
  drifted integer NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_metrics_project_idx ON task_metrics (project_id, id DESC);

CREATE TABLE productivity_metrics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  commits integer NOT NULL,
  lines_added integer NOT NULL,
  lines_removed integer NOT NULL,
  files_changed integer NOT NULL,
  active_seconds integer NOT NULL,
  idle_seconds integer NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX productivity_metrics_project_idx
  ON productivity_metrics (project_id, id DESC);

-- One row per CLI session; a later report of the same session updates it.
CREATE TABLE cli_sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  session_id text NOT NULL,
  agent text NOT NULL,
  tool text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  exit_code integer,
  commands_run integer NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, session_id)
);
CREATE INDEX cli_sessions_project_idx ON cli_sessions (project_id, started_at DESC);

-- The dashboard's history of commands. The queue itself is in DynamoDB;
-- this table follows it, and its status only moves forward.
CREATE TABLE commands (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  type text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL CHECK (status IN (
    'queued', 'delivered', 'running', 'succeeded', 'failed', 'expired'
  )),
  deliveries integer NOT NULL DEFAULT 0,
  result text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  deliver_by timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_delivered_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commands_project_idx ON commands (project_id, created_at DESC);

CREATE TABLE approvals (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  -- Chosen by the agent, so that a retried request creates nothing new.
  id uuid NOT NULL,
  agent text NOT NULL,
  action text NOT NULL,
  summary text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL CHECK (status IN (
    'pending', 'approved', 'rejected', 'expired', 'acknowledged'
  )),
  decision text CHECK (decision IN ('approved', 'rejected')),
  decision_reason text,
  decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
  decided_at timestamptz,
  command_id uuid,
  outcome text,
  acknowledged_at timestamptz,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
CREATE INDEX approvals_project_idx ON approvals (project_id, created_at DESC);
