import { useEffect, useState } from "react";
import { useApi } from "../api/context";
import type { Page } from "../api/client";
import {
  TRANSITIONAL,
  type Organization,
  type ProjectSummary,
} from "../api/types";
import {
  ErrorText,
  HealthBadge,
  Loading,
  StatusBadge,
  percent,
} from "../components/common";
import { useLoad } from "../hooks/useLoad";
import { organizationHref, projectHref } from "../router";
import { CreateProject } from "./CreateProject";

export function Projects({ organizationId }: { organizationId?: string }) {
  const api = useApi();
  const orgs = useLoad(
    () => api.dashboard<Page<Organization>>("organizations", { limit: 100 }),
    "orgs",
  );
  const items = orgs.data?.items ?? [];
  const current = items.find((o) => o.id === organizationId) ?? items[0];

  return (
    <section>
      <h1>Projects</h1>
      <ErrorText error={orgs.error} />
      <Loading when={orgs.loading && !orgs.data} />
      {orgs.data && items.length === 0 && (
        <p>You are not a member of any organization yet.</p>
      )}
      {items.length > 1 && (
        <nav aria-label="Organizations" className="tabs">
          {items.map((org) => (
            <a
              key={org.id}
              href={organizationHref(org.id)}
              aria-current={org.id === current?.id ? "page" : undefined}
            >
              {org.name}
            </a>
          ))}
        </nav>
      )}
      {current && <OrganizationProjects organization={current} />}
    </section>
  );
}

function OrganizationProjects({
  organization,
}: {
  organization: Organization;
}) {
  const api = useApi();
  const load = () =>
    api.dashboard<Page<ProjectSummary>>("projects", {
      organization_id: organization.id,
      limit: 100,
    });
  const [busy, setBusy] = useState(false);
  const projects = useLoad(load, organization.id, busy ? 2_000 : 15_000);
  const list = projects.data;
  useEffect(() => {
    setBusy(!!list?.items.some((p) => TRANSITIONAL.includes(p.status)));
  }, [list]);

  return (
    <>
      <h2>{organization.name}</h2>
      <ErrorText error={projects.error} />
      {list && list.items.length === 0 && (
        <p>
          No active projects. Deleted projects are not listed; create one below.
        </p>
      )}
      {list && list.items.length > 0 && (
        <table>
          <caption className="sr-only">Projects of {organization.name}</caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Status</th>
              <th scope="col">Health</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Disk</th>
              <th scope="col">Region</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={projectHref(p.id)}>{p.name}</a>
                </td>
                <td>
                  <StatusBadge value={p.status} />
                </td>
                <td>
                  <HealthBadge value={p.health_status} />
                </td>
                <td>{percent(p.latest_health?.cpu_percent)}</td>
                <td>{percent(p.latest_health?.memory_percent)}</td>
                <td>{percent(p.latest_health?.disk_percent)}</td>
                <td>{p.region}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreateProject
        organizationId={organization.id}
        onCreated={projects.reload}
      />
    </>
  );
}
