/**
 * An error that reaches the client as `{"error": message}` with `status`.
 * Anything that is not an ApiError becomes a plain 500.
 */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "bad_request") =>
  new ApiError(400, code, message);

export const unauthorized = (message = "missing or invalid credentials") =>
  new ApiError(401, "unauthorized", message);

export const forbidden = (message: string) =>
  new ApiError(403, "forbidden", message);

export const notFound = (message: string) =>
  new ApiError(404, "not_found", message);

export const conflict = (message: string) =>
  new ApiError(409, "conflict", message);

export const payloadTooLarge = (message: string) =>
  new ApiError(413, "payload_too_large", message);

export const methodNotAllowed = (method: string) =>
  new ApiError(
    405,
    "method_not_allowed",
    `method ${method} is not allowed; use POST`,
    { allow: "POST, OPTIONS" },
  );

export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(
    429,
    "rate_limited",
    "Rate limit exceeded. Please try again later.",
    { "retry-after": String(retryAfterSeconds) },
  );
