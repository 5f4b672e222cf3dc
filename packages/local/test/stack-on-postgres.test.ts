import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openTestDatabase,
  type TestDatabase,
} from "@synthcore/core/testing/database";
import { runCli, startStackProcess } from "./support";

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  "npm start on PostgreSQL with the synthcore CLI",
  () => {
    let database: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;
    let child: ChildProcess;
    let apiUrl: string;

    beforeAll(async () => {
      database = await openTestDatabase("postgres");
      dataDir = await mkdtemp(join(tmpdir(), "synthcore-postgres-"));
      env = {
        SYNTHCORE_DATA_DIR: dataDir,
        PORT: "0",
        DATABASE_URL: database.url,
      };
      ({ child, apiUrl } = await startStackProcess(env));
    });
    afterAll(async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await rm(dataDir, { recursive: true, force: true });
      await database.close();
    });

    it("refuses to open other data without DATABASE_URL", async () => {
      const withoutUrl = { ...env, DATABASE_URL: "" };

      const result = await runCli(
        ["org", "create", "--name", "Lost", "--owner", "lost@example.com"],
        withoutUrl,
      );

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        "the running local stack uses the Postgres server in its DATABASE_URL; set DATABASE_URL for this command too",
      );
    });

    it("signs a token the stack accepts, with DATABASE_URL", async () => {
      const created = await runCli(
        [
          "org",
          "create",
          "--name",
          "Acme",
          "--owner",
          "pg@example.com",
          "--json",
        ],
        env,
      );
      expect(created.code).toBe(0);
      const { organization_id } = JSON.parse(created.stdout);

      const signed = await runCli(
        ["token", "user", "--email", "pg@example.com"],
        env,
      );
      expect(signed.code).toBe(0);
      const token = signed.stdout.trim();

      const response = await fetch(`${apiUrl}/functions/v1/vm-api`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          action: "create",
          organization_id,
          name: "on-postgres",
        }),
      });
      expect(response.status).toBe(200);
      const { rows } = await database.db.query(
        "SELECT name FROM projects WHERE organization_id = $1",
        [organization_id],
      );
      expect(rows).toEqual([{ name: "on-postgres" }]);
    });
  },
);
