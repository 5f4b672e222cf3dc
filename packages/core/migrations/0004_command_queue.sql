-- The command queue and the VM Reporter's rate limit move into Postgres, so
-- that one statement per reporter request checks the token, takes the rate
-- limit token, writes the report, reports command statuses and leases
-- commands.

-- A command may be leased once visible_at has passed; a lease moves it to
-- the lease's end. Open commands that were in the DynamoDB queue become
-- visible now: one already leased is delivered again, and agents skip
-- command ids they have run.
ALTER TABLE commands ADD COLUMN visible_at timestamptz;
UPDATE commands SET visible_at = now();
ALTER TABLE commands ALTER COLUMN visible_at SET NOT NULL;
CREATE INDEX commands_open_idx ON commands (project_id, created_at)
  WHERE status IN ('queued', 'delivered');
-- The reconciler expires overdue commands of VMs that no longer poll.
CREATE INDEX commands_deadline_idx ON commands (deliver_by)
  WHERE status IN ('queued', 'delivered');
-- Retention deletes commands by age, as it does telemetry.
CREATE INDEX commands_created_idx ON commands (created_at);

-- The VM Reporter's state per project, written on every report: its token
-- bucket, stored as the theoretical arrival time in epoch milliseconds (the
-- generic cell rate algorithm), and its latest health. It moves off the
-- projects row, which every report used to update, so that a report
-- updates one narrow row. Pages keep room for HOT updates.
CREATE TABLE reporter_state (
  project_id uuid PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  tat double precision NOT NULL,
  health_status text NOT NULL DEFAULT 'unknown' CHECK (health_status IN (
    'unknown', 'healthy', 'degraded', 'unhealthy'
  )),
  last_report_at timestamptz
) WITH (fillfactor = 70);

INSERT INTO reporter_state (project_id, tat, health_status, last_report_at)
SELECT id, 0,
  CASE WHEN health_status = 'unreachable' THEN 'unknown' ELSE health_status END,
  last_report_at
FROM projects
WHERE last_report_at IS NOT NULL OR health_status <> 'unknown';

ALTER TABLE projects DROP COLUMN health_status, DROP COLUMN last_report_at;
