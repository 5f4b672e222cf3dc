import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The one logger of the process: JSON lines on stdout. Field names that
 * could carry a secret are redacted wherever they appear.
 */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
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
