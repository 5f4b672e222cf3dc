import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/**
 * Serves the built dashboard from `dir`: index.html at `/` and the files
 * it loads. The dashboard routes in the URL's hash, so any other path is
 * left to the router's 404.
 */
export async function serveDashboard(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  dir: string,
): Promise<boolean> {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const root = resolve(dir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  const wanted = resolve(join(root, decoded));
  if (wanted !== root && !wanted.startsWith(root + sep)) return false;

  const file = path === "/" ? join(root, "index.html") : wanted;
  if (path !== "/" && !(await isFile(file))) return false;
  const body = await readFile(file).catch(() => undefined);
  if (!body) {
    response.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
    response.end(
      "The dashboard is not built. Run `npm run build -w packages/web`, or restart `npm start`, which builds it.\n",
    );
    return true;
  }
  response.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": body.length,
    // Vite names assets by content hash; index.html must be fetched again.
    "cache-control": file.includes(`${sep}assets${sep}`)
      ? "public, max-age=31536000, immutable"
      : "no-cache",
  });
  response.end(request.method === "HEAD" ? undefined : body);
  return true;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
