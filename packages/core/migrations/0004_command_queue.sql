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

-- One token bucket per project, stored as its theoretical arrival time in
-- epoch milliseconds (the generic cell rate algorithm). Updated on every
-- report, so pages keep room for HOT updates.
CREATE TABLE reporter_rate_limits (
  project_id uuid PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  tat double precision NOT NULL
) WITH (fillfactor = 70);
