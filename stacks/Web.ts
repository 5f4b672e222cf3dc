import { existsSync } from "node:fs";
import { join } from "node:path";
import { StaticSite, use, type StackContext } from "sst/constructs";
import { Api } from "./Api";
import { operatorSettings } from "./settings";

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
    // Not dist: that is the local stack's build, which must not get the
    // deploy placeholders (synthesis in tests runs this build too).
    buildCommand: "npm run build -- --outDir dist-deploy",
    buildOutput: "dist-deploy",
    // The dashboard routes on the client, so unknown paths serve index.html.
    errorPage: "redirect_to_index_page",
    // The anon key is public by design: it identifies the project to
    // Supabase Auth and grants nothing past what its policies allow.
    environment: {
      VITE_API_URL: api.url,
      ...operatorSettings(["VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY"]),
    },
  });

  stack.addOutputs({ DashboardUrl: site.url });
  return { site };
}
