-- Cheaper writes for the VM Reporter, which every VM calls on every cycle.

-- Every project has its reporter_state row from its first moment, so that a
-- report updates the row in place. An upsert first locks the row it
-- conflicts with, which costs a WAL record of its own on every report.
CREATE FUNCTION create_reporter_state() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reporter_state (project_id, tat)
  SELECT id, 0 FROM created_projects
  ON CONFLICT (project_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER projects_create_reporter_state
  AFTER INSERT ON projects
  REFERENCING NEW TABLE AS created_projects
  FOR EACH STATEMENT EXECUTE FUNCTION create_reporter_state();

INSERT INTO reporter_state (project_id, tat)
SELECT id, 0 FROM projects
ON CONFLICT (project_id) DO NOTHING;

-- The reporter's telemetry tables and its request log drop their foreign
-- keys. Each key made every insert lock the project's row, which writes the
-- lock to the row and to the WAL. Every reporter insert is already guarded
-- by the token check in the same statement, which finds the project, and
-- projects are only ever marked deleted. A project row that an operator
-- deletes takes its telemetry with it through the trigger below; a report
-- racing that delete may leave rows, which retention removes by age.
ALTER TABLE vm_reporter_request_log
  DROP CONSTRAINT vm_reporter_request_log_project_id_fkey;
ALTER TABLE health_snapshots DROP CONSTRAINT health_snapshots_project_id_fkey;
ALTER TABLE agent_messages DROP CONSTRAINT agent_messages_project_id_fkey;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_project_id_fkey;
ALTER TABLE conflict_reports DROP CONSTRAINT conflict_reports_project_id_fkey;
ALTER TABLE task_metrics DROP CONSTRAINT task_metrics_project_id_fkey;
ALTER TABLE productivity_metrics
  DROP CONSTRAINT productivity_metrics_project_id_fkey;
ALTER TABLE cli_sessions DROP CONSTRAINT cli_sessions_project_id_fkey;

CREATE FUNCTION delete_project_telemetry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM vm_reporter_request_log
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM health_snapshots
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM agent_messages
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM audit_events
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM conflict_reports
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM task_metrics
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM productivity_metrics
    WHERE project_id IN (SELECT id FROM deleted_projects);
  DELETE FROM cli_sessions
    WHERE project_id IN (SELECT id FROM deleted_projects);
  RETURN NULL;
END
$$;

CREATE TRIGGER projects_delete_telemetry
  AFTER DELETE ON projects
  REFERENCING OLD TABLE AS deleted_projects
  FOR EACH STATEMENT EXECUTE FUNCTION delete_project_telemetry();
