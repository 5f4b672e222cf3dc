import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_ROOT = fileURLToPath(new URL("../../web", import.meta.url));

/**
 * Builds packages/web into dist when dist is missing or older than the
 * dashboard's sources, so that `npm start` right after `npm install` (or a
 * pull) serves the current dashboard. Returns whether it built.
 */
export async function ensureDashboardBuilt(root = WEB_ROOT): Promise<boolean> {
  const built = await mtime(join(root, "dist", "index.html"));
  if (built !== undefined && built >= (await newestSource(root))) return false;

  // Build beside dist and swap it in, so that two stacks starting at once
  // never serve a half-written directory.
  const temp = join(root, `dist.${process.pid}.tmp`);
  const { build } = await import("vite");
  await build({
    root,
    configFile: join(root, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir: temp, emptyOutDir: true },
  });
  await rm(join(root, "dist"), { recursive: true, force: true });
  await rename(temp, join(root, "dist")).catch(async (error: unknown) => {
    await rm(temp, { recursive: true, force: true });
    if ((await mtime(join(root, "dist", "index.html"))) === undefined)
      throw error;
  });
  return true;
}

async function newestSource(root: string): Promise<number> {
  const files = ["index.html", "vite.config.ts", "package.json"].map((name) =>
    join(root, name),
  );
  for (const entry of await readdir(join(root, "src"), {
    recursive: true,
    withFileTypes: true,
  })) {
    if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  }
  const times = await Promise.all(files.map(mtime));
  return Math.max(0, ...times.map((time) => time ?? 0));
}

async function mtime(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.mtimeMs;
}
