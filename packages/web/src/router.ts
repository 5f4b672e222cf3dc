import { useEffect, useState } from "react";

export const TABS = [
  "overview",
  "health",
  "chat",
  "approvals",
  "commands",
  "logs",
  "metrics",
] as const;
export type Tab = (typeof TABS)[number];

export type Route =
  | { page: "projects"; organizationId?: string }
  | { page: "project"; projectId: string; tab: Tab };

/** Routes live in the hash, so any static host can serve the dashboard. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/");
  if (parts[0] === "projects" && parts[1]) {
    const tab = TABS.find((name) => name === parts[2]) ?? "overview";
    return { page: "project", projectId: parts[1], tab };
  }
  if (parts[0] === "orgs" && parts[1])
    return { page: "projects", organizationId: parts[1] };
  return { page: "projects" };
}

export const projectHref = (id: string, tab: Tab = "overview") =>
  `#/projects/${id}/${tab}`;
export const organizationHref = (id: string) => `#/orgs/${id}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
