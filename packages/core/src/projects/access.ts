import type { Queryable } from "../db/pool";
import { forbidden } from "../errors";
import type { ProjectStatus } from "./schemas";

/**
 * Returns the project's status when `userId` is a member, and throws the
 * same 403 for a project that exists and one that does not, so that ids
 * cannot be probed.
 */
export async function requireProjectMember(
  db: Queryable,
  userId: string,
  projectId: string,
): Promise<ProjectStatus> {
  const { rows } = await db.query<{ status: ProjectStatus }>(
    `SELECT p.status FROM projects p
     JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
     WHERE p.id = $1`,
    [projectId, userId],
  );
  if (!rows[0]) throw forbidden(`not a member of project ${projectId}`);
  return rows[0].status;
}
