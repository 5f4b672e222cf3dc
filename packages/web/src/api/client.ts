import { settings } from "../config";

/** An error response of the API, with its status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Gateway = "dashboard" | "vm-api";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Posts an action to a gateway and returns its `data`. Every failure
 * becomes an ApiError whose message is plain words, fit to show as it is.
 * The HTTP status is in `status`, for code such as the 401 handling.
 */
export async function callGateway<T>(
  gateway: Gateway,
  token: string,
  body: Record<string, unknown>,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${settings.apiUrl}/functions/v1/${gateway}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "the API cannot be reached; check your connection");
  }
  const payload = (await response.json().catch(() => undefined)) as
    { data?: T; error?: string } | undefined;
  if (response.ok && payload && "data" in payload) return payload.data as T;
  throw new ApiError(response.status, describeFailure(response, payload));
}

function describeFailure(
  response: Response,
  payload: { error?: string } | undefined,
): string {
  const reason = payload?.error || response.statusText || "the request failed";
  if (response.status === 429) {
    const wait = response.headers.get("retry-after");
    return `${reason}${wait ? ` Retry in ${wait} s.` : ""}`;
  }
  return reason;
}
