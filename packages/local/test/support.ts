import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const execFileAsync = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the synthcore binary as an operator would. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [join(ROOT, "packages/cli/bin/synthcore.js"), ...args],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "silent", ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Starts `npm start`'s program and waits until it has written its stack file. */
export async function startStackProcess(env: Record<string, string>): Promise<{
  child: ChildProcess;
  output: () => string;
  apiUrl: string;
}> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "packages/local/src/main.ts"],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));

  const stackFile = join(env.SYNTHCORE_DATA_DIR!, "stack.json");
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null)
      throw new Error(`stack exited early:\n${output}`);
    const text = await readFile(stackFile, "utf8").catch(() => undefined);
    if (text && output.includes("is running on")) {
      return { child, output: () => output, apiUrl: JSON.parse(text).api_url };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`stack did not start within 30 s:\n${output}`);
}

export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
