import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReporterClient } from "@synthcore/agent/client";
import { SimulatedAgent } from "@synthcore/agent/simulated";
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  ROOT,
  cli,
  startStack,
  stop,
} from "./support";

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `dashboard browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );

const ARTIFACTS = join(ROOT, "test-artifacts", "dashboard");
const LOOPBACK = /^http:\/\/127\.0\.0\.1:\d+\//;

describe.skipIf(!hasChromium)("dashboard in Chromium", () => {
  let dataDir: string;
  let profileDir: string;
  let env: Record<string, string>;
  let stack: ChildProcess | undefined;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  let projectId: string;
  let otherProjectId: string;
  let agent: SimulatedAgent;

  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const tab = (name: string) =>
    page
      .getByRole("navigation", { name: "Project sections" })
      .getByRole("link", { name: new RegExp(`^${name}`) })
      .click();
  const heading = () => page.getByRole("heading", { level: 1 });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), "synthcore-web-"));
    profileDir = await mkdtemp(join(tmpdir(), "synthcore-chromium-"));
    env = {
      SYNTHCORE_DATA_DIR: dataDir,
      PORT: "0",
      SYNTHCORE_SIM_DELAY_MS: "500",
      SYNTHCORE_RECONCILE_INTERVAL_MS: "200",
      LOG_LEVEL: "warn",
    };
    ({ child: stack, url } = await startStack(env));
    await cli(
      ["org", "create", "--name", "Acme", "--owner", "owner@example.com"],
      env,
    );
    otherProjectId = await otherOrganizationProject();

    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1200, height: 800 },
    });
    // The page may reach the local stack and nothing else.
    await context.route("**/*", (route) =>
      LOOPBACK.test(route.request().url()) ? route.continue() : route.abort(),
    );
    page = context.pages()[0] ?? (await context.newPage());
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await stop(stack);
    await rm(dataDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === "fail")
      await shot(`failed-${task.name.replace(/\W+/g, "-")}`);
  });

  async function otherOrganizationProject(): Promise<string> {
    await cli(
      ["org", "create", "--name", "Rival", "--owner", "rival@example.com"],
      env,
    );
    const orgs = await cli(
      ["token", "user", "--email", "rival@example.com"],
      env,
    );
    const listed = await post("dashboard", orgs.token, {
      action: "organizations",
    });
    const created = await post("vm-api", orgs.token, {
      action: "create",
      organization_id: listed.items[0].id,
      name: "secret",
    });
    return created.project_id;
  }

  async function post(gateway: string, token: string, body: object) {
    const response = await fetch(`${url}/functions/v1/${gateway}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    return ((await response.json()) as { data: any }).data;
  }

  it("signs in as a seeded user", async () => {
    await page.goto(url);
    await expect.poll(() => page.getByLabel("User").inputValue()).toBeTruthy();
    await shot("01-sign-in");
    await page.getByLabel("User").selectOption("owner@example.com");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor();
  });

  it("creates a project and watches it become active", async () => {
    await page.getByLabel("Name").fill("demo");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(/#\/projects\/[0-9a-f-]{36}\/overview$/);
    projectId = page.url().split("/").at(-2)!;
    await expect
      .poll(() => heading().textContent(), { timeout: 15_000 })
      .toContain("active");
    // The id is shown as text, for `synthcore token reporter --project ID`.
    await page.locator("code.project-id", { hasText: projectId }).waitFor();
    await page
      .getByText(`synthcore token reporter --project ${projectId}`)
      .waitFor();
    await page.getByText("no report yet").first().waitFor();
    await shot("02-overview-active");
    await page.goto(`${url}/#/`);
    await page.getByRole("link", { name: "demo" }).waitFor();
    await shot("03-projects");
  });

  it("shows the agent's health chart and messages", async () => {
    const token = (
      await cli(["token", "reporter", "--project", projectId], env)
    ).token;
    agent = new SimulatedAgent({
      client: new ReporterClient({ baseUrl: url, projectId, token }),
    });
    for (let i = 0; i < 3; i++) await agent.runCycle();

    await page.goto(`${url}/#/projects/${projectId}/overview`);
    await tab("Health");
    await page.getByRole("img", { name: /CPU, memory and disk/ }).waitFor();
    await shot("04-health");
    await tab("Chat");
    await page.locator(".message").first().waitFor();
    await shot("05-chat");
  });

  it("approves the agent's approval request", async () => {
    await tab("Approvals");
    await page.getByText("No decided or expired requests yet.").waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Nothing is waiting for you.").waitFor();
    const row = page.getByRole("row", { name: /deploy/ });
    await row.getByRole("cell", { name: "approved", exact: true }).waitFor();
    await row.getByText("waiting for the agent to acknowledge").waitFor();
    await shot("06a-approvals-approved");
    const summary = await agent.runCycle();
    expect(summary.approval?.status).toBe("acknowledged");
    // No reload and no Refresh: the tab polls while the decision is in flight.
    await row
      .getByRole("cell", { name: "acknowledged", exact: true })
      .waitFor({ timeout: 10_000 });
    await row.getByRole("cell", { name: "proceeded" }).waitFor();
    expect(await row.getByRole("cell").nth(2).textContent()).toBe("deploy");
    expect(await row.getByRole("cell").nth(3).textContent()).toBe(
      "Deploy the current build to staging",
    );
    await shot("06-approvals");
  });

  it("sends a command and shows its result", async () => {
    await tab("Commands");
    // The approval decision reads as words, with a short approval id.
    await page
      .getByRole("cell", {
        name: /^approval decision: approved \(approval [0-9a-f]{8}\)$/,
      })
      .waitFor();
    await page.getByLabel("Command").selectOption("restart_agents");
    await page.getByLabel("Reason (optional)").fill("after the deploy");
    await page.getByRole("button", { name: "Send command" }).click();
    const notice = page.getByRole("status").filter({ hasText: "queued" });
    await notice.waitFor();
    await page
      .getByRole("row", { name: /restart_agents.*after the deploy.*queued/ })
      .waitFor();
    // The agent may lease the command on a later cycle than the next one.
    // The history updates by itself, without Refresh.
    const done = page.getByRole("row", {
      name: /restart_agents.*after the deploy.*succeeded/,
    });
    for (let cycle = 0; cycle < 5 && !(await done.isVisible()); cycle++) {
      await agent.runCycle();
      await done.waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
    await done.waitFor();
    // The "queued" notice goes once its command has finished.
    await notice.waitFor({ state: "detached" });
    await shot("07-commands");
  });

  it("shows the request log and metrics", async () => {
    await tab("Logs");
    await page.getByRole("columnheader", { name: "Latency" }).waitFor();
    // Only request log reads with a status filter count: other reads, such
    // as the project page's polls, may run meanwhile.
    const requests: string[] = [];
    const count = (request: { postData(): string | null }) => {
      const body = request.postData() ?? "";
      if (body.includes('"request_log"') && body.includes('"status"'))
        requests.push(body);
    };
    page.on("request", count);
    await page.getByLabel("Status").fill("abc");
    await page.getByRole("button", { name: "Filter" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: "Status must be a 3-digit HTTP status" })
      .waitFor();
    page.off("request", count);
    expect(requests).toEqual([]);
    expect(await page.getByText("No requests match.").count()).toBe(0);
    await shot("08a-logs-invalid-status");
    await page.getByLabel("Status").fill("200");
    await page.getByRole("button", { name: "Filter" }).click();
    await page
      .getByRole("cell", { name: "200", exact: true })
      .first()
      .waitFor();
    await shot("08-logs");
    await tab("Metrics");
    await page.getByRole("img", { name: /Tasks per report/ }).waitFor();
    await shot("09-metrics");
  });

  it("offers a force delete from a running project", async () => {
    await tab("Overview");
    await page.getByRole("button", { name: "Delete…" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Delete demo?" });
    await dialog.waitFor();
    await dialog.getByText("will be deleted without stopping").waitFor();
    await dialog.getByRole("button", { name: "Yes, force delete" }).waitFor();
    await shot("10a-confirm-force-delete");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await heading().textContent()).toContain("active");
  });

  it("stops and deletes the project after confirmation", async () => {
    await tab("Overview");
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    const confirmStop = page.getByRole("alertdialog", { name: "Stop demo?" });
    await confirmStop.waitFor();
    await shot("10b-confirm-stop");
    await confirmStop.getByRole("button", { name: "Yes, stop" }).click();
    await expect
      .poll(() => heading().textContent(), { timeout: 15_000 })
      .toContain("stopped");

    const opener = page.getByRole("button", { name: "Delete…" });
    await opener.click();
    const dialog = page.getByRole("alertdialog", { name: "Delete demo?" });
    await dialog.waitFor();
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    // Focus starts on Cancel, not on the destructive button.
    const focused = () =>
      page.evaluate<string>('document.activeElement?.textContent ?? ""');
    expect(await focused()).toBe("Cancel");
    await shot("10-confirm-delete");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await focused()).toBe("Delete…");
    expect(await heading().textContent()).toContain("stopped");

    await opener.click();
    await dialog.getByRole("button", { name: "Yes, delete" }).click();
    await expect
      .poll(() => heading().textContent(), { timeout: 15_000 })
      .toContain("deleted");
    await page.getByText("This project is deleted").waitFor();
    expect(await page.getByText("CPU / memory / disk").count()).toBe(0);
    await shot("11-deleted");
    await page.goto(`${url}/#/`);
    await page.getByText("No active projects.").waitFor();
    await shot("11a-no-active-projects");
  });

  it("shows a 403 for another organization's project", async () => {
    await page.goto(`${url}/#/projects/${otherProjectId}/overview`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      `not a member of project ${otherProjectId}`,
    );
    await shot("12-forbidden");
  });

  it("returns to sign-in when the session expires", async () => {
    const response = await fetch(`${url}/auth/v1/dev/token`, {
      method: "POST",
      body: JSON.stringify({ email: "owner@example.com", ttl_seconds: 1 }),
    });
    const { access_token } = (await response.json()) as {
      access_token: string;
    };
    const session = JSON.stringify({
      token: access_token,
      email: "owner@example.com",
      expiresAt: Date.now() + 60_000,
    });
    // The page takes the session for fresh, but the API rejects it.
    await page.evaluate(
      `sessionStorage.setItem("synthcore.session", ${JSON.stringify(session)})`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await page.goto(`${url}/#/`);
    await page.reload();
    await page.getByText("Your session has expired").waitFor();
    await shot("13-expired");
  });
});
