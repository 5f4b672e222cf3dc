import type { Queryable } from "../db/pool";
import {
  listOrganizations,
  listProjects,
  projectOverview,
} from "./organizations";
import { isProjectList, listForProject } from "./project-lists";
import type { DashboardRequest } from "./schemas";

/**
 * Runs one dashboard read. Every action checks that the caller belongs
 * to the organization or project it names.
 */
export function readForDashboard(
  db: Queryable,
  userId: string,
  request: DashboardRequest,
  silentAfterMs?: number,
): Promise<unknown> {
  if (isProjectList(request)) return listForProject(db, userId, request);
  switch (request.action) {
    case "organizations":
      return listOrganizations(db, userId, request);
    case "projects":
      return listProjects(
        db,
        userId,
        request.organization_id,
        request,
        silentAfterMs,
      );
    case "project":
      return projectOverview(db, userId, request.project_id, silentAfterMs);
  }
}
