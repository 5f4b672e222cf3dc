import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The address of a running local stack, written for the CLI. */
export interface StackFile {
  pid: number;
  api_url: string;
  /** The embedded Postgres endpoint; absent when DATABASE_URL is in use. */
  database_url?: string;
  /**
   * The kind of database the stack uses: the embedded one, or the server
   * in its DATABASE_URL, whose address is not written here.
   */
  database?: "embedded" | "server";
}

export async function writeStackFile(
  dataDir: string,
  stack: StackFile,
): Promise<void> {
  await writeFile(join(dataDir, "stack.json"), JSON.stringify(stack, null, 2), {
    mode: 0o600,
  });
}

/** Returns the stack running on `dataDir`, or undefined when none is. */
export async function readRunningStack(
  dataDir: string,
): Promise<StackFile | undefined> {
  let stack: StackFile;
  try {
    stack = JSON.parse(
      await readFile(join(dataDir, "stack.json"), "utf8"),
    ) as StackFile;
  } catch {
    return undefined;
  }
  try {
    process.kill(stack.pid, 0);
  } catch {
    return undefined;
  }
  return stack;
}
