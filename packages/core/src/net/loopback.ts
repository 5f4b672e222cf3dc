/**
 * Fails when a URL would leave this machine. Test clients call it before
 * every request so that no test can reach a real cloud endpoint.
 */
export function assertLoopback(url: string | URL): void {
  const { hostname } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  const loopback =
    host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
  if (!loopback) {
    throw new Error(
      `test request to ${hostname} rejected: only 127.0.0.1 is allowed`,
    );
  }
}
