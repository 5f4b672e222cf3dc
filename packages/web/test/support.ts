import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CHROMIUM = "/usr/bin/chromium";

/** The env guide's flags for headless Chromium as root on a closed network. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const execFileAsync = promisify(execFile);

/** Runs the synthcore CLI with `--json` and returns what it printed. */
export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<any> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(ROOT, "packages/cli/bin/synthcore.js"), ...args, "--json"],
    { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "silent", ...env } },
  );
  return JSON.parse(stdout);
}

/** Starts `npm start`'s program on a free port and waits for its URL. */
export async function startStack(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "packages/local/src/main.ts"],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: "pipe" },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));

  const stackFile = join(env.SYNTHCORE_DATA_DIR!, "stack.json");
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null)
      throw new Error(`stack exited early:\n${output}`);
    const text = await readFile(stackFile, "utf8").catch(() => undefined);
    if (text && output.includes("is running on")) {
      const url: string = JSON.parse(text).api_url;
      return { child, url, output: () => output };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`stack did not start within 60 s:\n${output}`);
}

/** Stops a child process by its pid and waits for it to exit. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(child.pid!, "SIGTERM");
  await exited;
}
