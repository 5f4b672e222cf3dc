import { existsSync } from "node:fs";
import { join } from "node:path";
import { StaticSite, use, type StackContext } from "sst/constructs";
import { Api } from "./Api";

export const DASHBOARD_PATH = "packages/web";

/**
 * Reports whether packages/web is a package yet. Only then does the app get
 * a Web stack, rather than one whose build fails.
 */
export function hasDashboard(root = process.cwd()): boolean {
  return existsSync(join(root, DASHBOARD_PATH, "package.json"));
}

export function Web({ stack }: StackContext) {
  const { api } = use(Api);

  const site = new StaticSite(stack, "Dashboard", {
    path: DASHBOARD_PATH,
    buildCommand: "npm run build",
    buildOutput: "dist",
    // The dashboard routes on the client, so unknown paths serve index.html.
    errorPage: "redirect_to_index_page",
    environment: { VITE_API_URL: api.url },
  });

  stack.addOutputs({ DashboardUrl: site.url });
  return { site };
}
