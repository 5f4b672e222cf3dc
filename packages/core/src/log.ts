import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The one logger of the process: JSON lines on stdout. Field names that
 * could carry a secret are redacted wherever they appear.
 */
export const logger: Logger = pino({
  level: logLevel(process.env.LOG_LEVEL),
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: {
    paths: [
      "authorization",
      "token",
      "password",
      "*.authorization",
      "*.token",
      "*.password",
      "headers.authorization",
    ],
    censor: "[redacted]",
  },
});

/**
 * Returns `requested` when pino has that level, else "info". An unknown level must
 * not crash the import, because configuration parsing reports it by name.
 */
function logLevel(requested: string | undefined): string {
  if (requested === undefined || requested === "") return "info";
  return requested in pino.levels.values || requested === "silent"
    ? requested
    : "info";
}
