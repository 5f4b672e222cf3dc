import type { Queryable } from "../db/pool";

export type OrganizationRole = "owner" | "admin" | "member";
export type ProjectRole = "owner" | "member";

export interface User {
  id: string;
  email: string;
}

/**
 * Returns the user with `email`, creating it when missing. Pass `id` to
 * adopt an existing identity such as a Supabase Auth user id.
 */
export async function ensureUser(
  db: Queryable,
  email: string,
  id?: string,
): Promise<User> {
  const normalized = email.trim().toLowerCase();
  const { rows } = await db.query<User>(
    `INSERT INTO users (id, email) VALUES (coalesce($1::uuid, gen_random_uuid()), $2)
     ON CONFLICT (email) DO UPDATE SET email = excluded.email
     RETURNING id, email`,
    [id ?? null, normalized],
  );
  const user = rows[0]!;
  if (id !== undefined && user.id !== id) {
    throw new Error(`user ${normalized} already exists with id ${user.id}`);
  }
  return user;
}

export async function createOrganization(
  db: Queryable,
  name: string,
): Promise<{ id: string; name: string }> {
  const { rows } = await db.query<{ id: string; name: string }>(
    "INSERT INTO organizations (name) VALUES ($1) RETURNING id, name",
    [name],
  );
  return rows[0]!;
}

/** Adds `userId` to the organization, or changes the role of a member. */
export async function addOrganizationMember(
  db: Queryable,
  organizationId: string,
  userId: string,
  role: OrganizationRole,
): Promise<void> {
  await db.query(
    `INSERT INTO organization_members (organization_id, user_id, role)
     VALUES ($1, $2, $3)
     ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role`,
    [organizationId, userId, role],
  );
}

export async function organizationExists(
  db: Queryable,
  organizationId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    "SELECT 1 FROM organizations WHERE id = $1",
    [organizationId],
  );
  return rowCount === 1;
}

/**
 * Gives an existing member of the project's organization access to the
 * project, or changes their role, and returns their user id.
 */
export async function addProjectMember(
  db: Queryable,
  projectId: string,
  email: string,
  role: ProjectRole,
): Promise<string> {
  const { rows } = await db.query<{
    organization_id: string;
    user_id: string | null;
  }>(
    `SELECT p.organization_id, m.user_id
     FROM projects p
     LEFT JOIN users u ON u.email = $2
     LEFT JOIN organization_members m
       ON m.organization_id = p.organization_id AND m.user_id = u.id
     WHERE p.id = $1`,
    [projectId, email.trim().toLowerCase()],
  );
  const found = rows[0];
  if (!found) throw new Error(`project ${projectId} not found`);
  if (!found.user_id) {
    throw new Error(
      `${email} is not a member of organization ${found.organization_id}; add them with "org add-member" first`,
    );
  }

  await db.query(
    `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`,
    [projectId, found.user_id, role],
  );
  return found.user_id;
}
