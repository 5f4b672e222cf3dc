import { parseArgs } from "node:util";
import { loadDevIssuer } from "@synthcore/core/auth/dev-issuer";
import { migrate } from "@synthcore/core/db/migrate";
import {
  addOrganizationMember,
  addProjectMember,
  createOrganization,
  ensureUser,
  organizationExists,
  type OrganizationRole,
  type ProjectRole,
} from "@synthcore/core/membership/membership";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { parseLocalSettings } from "@synthcore/local/settings";
import { describeCycle, runAgent } from "./agent";
import { connect, type Connection } from "./connect";

const USAGE = `Usage: synthcore <command> [options]

Commands:
  migrate                                   apply database migrations
  org create --name NAME --owner EMAIL      create an organization owned by EMAIL
             [--owner-id UUID]              (the owner's Supabase user id, in production)
  org add-member --org ID --email EMAIL     add a user to an organization
             [--role owner|admin|member] [--user-id UUID]
  project add-member --project ID --email EMAIL
             [--role owner|member]          give an organization member access to a project
  token user --email EMAIL                  sign a dev JWT for a user (local dev issuer only)
  token reporter --project ID               rotate the project's reporter token and print it
                                            (older tokens of the project stop working)
  agent --project ID --token TOKEN          run a simulated VM agent against the stack
             [--url URL] [--interval SECONDS] [--cycles N]
                                            (URL: the running stack; interval: the server's;
                                            cycles: until Ctrl+C; on a VM, the
                                            SYNTHCORE_PROJECT_ID, SYNTHCORE_REPORTER_TOKEN
                                            and SYNTHCORE_API_URL variables stand in)

Options:
  --json    print one JSON object instead of text
  --help    show this help

Environment: DATABASE_URL (a Postgres server; otherwise the local PGlite data),
SYNTHCORE_DATA_DIR (default .synthcore), PORT (the local stack's port, default 4000).
`;

export class UsageError extends Error {}

type Flags = Record<string, string | boolean | undefined>;

/** Runs one CLI command and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        help: { type: "boolean" },
        name: { type: "string" },
        owner: { type: "string" },
        "owner-id": { type: "string" },
        org: { type: "string" },
        email: { type: "string" },
        role: { type: "string" },
        "user-id": { type: "string" },
        project: { type: "string" },
        token: { type: "string" },
        url: { type: "string" },
        interval: { type: "string" },
        cycles: { type: "string" },
      },
    });
  } catch (error) {
    process.stderr.write(`synthcore: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const command = positionals.join(" ");
  if (flags.help || command === "" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }

  try {
    if (command === "agent") return await agent(flags);
    const output = await run(command, flags);
    process.stdout.write(
      flags.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (flags.json) {
      process.stderr.write(`${JSON.stringify({ error: message })}\n`);
    } else {
      process.stderr.write(`synthcore: ${message}\n`);
      if (error instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    }
    return error instanceof UsageError ? 2 : 1;
  }
}

interface Output {
  text: string;
  json: Record<string, unknown>;
}

interface Command {
  run: (connection: Connection, flags: Flags) => Promise<Output>;
  /** The options this command reads, besides --json and --help. */
  options: string[];
}

const COMMANDS: Record<string, Command> = {
  migrate: { run: runMigrate, options: [] },
  "org create": { run: createOrg, options: ["name", "owner", "owner-id"] },
  "org add-member": {
    run: addMember,
    options: ["org", "email", "role", "user-id"],
  },
  "project add-member": {
    run: addProjectMemberCommand,
    options: ["project", "email", "role"],
  },
  "token user": { run: tokenUser, options: ["email"] },
  "token reporter": { run: tokenReporter, options: ["project"] },
};

const AGENT_OPTIONS = ["project", "token", "url", "interval", "cycles"];

async function run(command: string, flags: Flags): Promise<Output> {
  const definition = COMMANDS[command];
  if (!definition) throw new UsageError(`unknown command "${command}"`);
  for (const name of Object.keys(flags)) {
    if (name === "json" || definition.options.includes(name)) continue;
    throw new UsageError(`--${name} is not an option of "${command}"`);
  }

  const settings = parseLocalSettings();
  const connection = await connect(settings.SYNTHCORE_DATA_DIR);
  try {
    return await definition.run(connection, flags);
  } finally {
    await connection.close();
  }
}

function required(
  flags: Flags,
  name: string,
  missing = `--${name} is required`,
): string {
  const value = flags[name];
  if (typeof value !== "string" || value.trim() === "")
    throw new UsageError(missing);
  return value.trim();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function email(flags: Flags, name: string): string {
  const value = required(flags, name);
  if (!EMAIL.test(value))
    throw new UsageError(`--${name} "${value}" is not an email address`);
  return value;
}

function optionalUuid(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !UUID.test(value))
    throw new UsageError(`--${name} must be a UUID`);
  return value.toLowerCase();
}

async function runMigrate(connection: Connection): Promise<Output> {
  // Opening the PGlite files has migrated them already, so report that run.
  const result = connection.migrated ?? (await migrate(connection.db));
  const text = result.applied.length
    ? `applied ${result.applied.join(", ")}`
    : `up to date (${result.skipped.length} migrations)`;
  return { text, json: result as unknown as Record<string, unknown> };
}

async function createOrg(
  connection: Connection,
  flags: Flags,
): Promise<Output> {
  const name = required(flags, "name");
  const ownerEmail = email(flags, "owner");
  const ownerId = optionalUuid(flags, "owner-id");
  const { organization, user } = await connection.db.transaction(
    async (client) => {
      const user = await ensureUser(client, ownerEmail, ownerId);
      const organization = await createOrganization(client, name);
      await addOrganizationMember(client, organization.id, user.id, "owner");
      return { organization, user };
    },
  );
  return {
    text: `organization ${organization.id} "${organization.name}" created, owned by ${user.email} (user ${user.id})`,
    json: { organization_id: organization.id, user_id: user.id },
  };
}

const ROLES: OrganizationRole[] = ["owner", "admin", "member"];

async function addMember(
  connection: Connection,
  flags: Flags,
): Promise<Output> {
  const organizationId = optionalUuid(flags, "org") ?? required(flags, "org");
  const memberEmail = email(flags, "email");
  const userId = optionalUuid(flags, "user-id");
  const role = (flags.role ?? "member") as OrganizationRole;
  if (!ROLES.includes(role))
    throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);

  const user = await connection.db.transaction(async (client) => {
    if (!(await organizationExists(client, organizationId))) {
      throw new Error(`organization ${organizationId} not found`);
    }
    const user = await ensureUser(client, memberEmail, userId);
    await addOrganizationMember(client, organizationId, user.id, role);
    return user;
  });
  return {
    text: `${user.email} (user ${user.id}) is now ${role} of organization ${organizationId}`,
    json: { organization_id: organizationId, user_id: user.id, role },
  };
}

async function tokenUser(
  connection: Connection,
  flags: Flags,
): Promise<Output> {
  const userEmail = email(flags, "email").toLowerCase();
  if (!connection.local) {
    throw new Error(
      "token user signs with the local dev issuer only; in production users sign in with Supabase Auth",
    );
  }
  const { rows } = await connection.db.query<{ id: string }>(
    "SELECT id FROM users WHERE email = $1",
    [userEmail],
  );
  const user = rows[0];
  if (!user)
    throw new Error(
      `no user with email ${userEmail}; add one with "org create" or "org add-member"`,
    );

  const settings = parseLocalSettings();
  const apiUrl =
    connection.stack?.api_url ?? `http://127.0.0.1:${settings.PORT}`;
  const issuer = await loadDevIssuer(
    settings.SYNTHCORE_DATA_DIR,
    `${apiUrl}/auth/v1`,
  );
  const token = issuer.mintUserToken({ id: user.id, email: userEmail });
  return { text: token, json: { token, user_id: user.id } };
}

const PROJECT_ROLES: ProjectRole[] = ["owner", "member"];

async function addProjectMemberCommand(
  connection: Connection,
  flags: Flags,
): Promise<Output> {
  const projectId =
    optionalUuid(flags, "project") ?? required(flags, "project");
  const memberEmail = email(flags, "email").toLowerCase();
  const role = (flags.role ?? "member") as ProjectRole;
  if (!PROJECT_ROLES.includes(role)) {
    throw new UsageError(`--role must be one of ${PROJECT_ROLES.join(", ")}`);
  }

  const userId = await addProjectMember(
    connection.db,
    projectId,
    memberEmail,
    role,
  );
  return {
    text: `${memberEmail} (user ${userId}) is now ${role} of project ${projectId}`,
    json: { project_id: projectId, user_id: userId, role },
  };
}

async function tokenReporter(
  connection: Connection,
  flags: Flags,
): Promise<Output> {
  const projectId =
    optionalUuid(flags, "project") ?? required(flags, "project");
  const token = await rotateReporterToken(connection.db, projectId);
  return { text: token, json: { token } };
}

function wholeNumber(flags: Flags, name: string, min: number) {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min}`);
  return Number(value);
}

/** Runs the simulated agent; it needs the API only, not the database. */
async function agent(flags: Flags): Promise<number> {
  for (const name of Object.keys(flags)) {
    if (name !== "json" && !AGENT_OPTIONS.includes(name))
      throw new UsageError(`--${name} is not an option of "agent"`);
  }
  // On a VM the settings come from its custom data, as environment variables.
  const fromEnvironment = {
    project: process.env.SYNTHCORE_PROJECT_ID,
    token: process.env.SYNTHCORE_REPORTER_TOKEN,
    url: process.env.SYNTHCORE_API_URL,
  };
  const withDefaults = { ...fromEnvironment, ...definedOnly(flags) };
  const project =
    optionalUuid(withDefaults, "project") ?? required(withDefaults, "project");
  const token = required(
    withDefaults,
    "token",
    '--token or SYNTHCORE_REPORTER_TOKEN is required; mint one with "synthcore token reporter --project ID"',
  );
  const summaries = await runAgent(
    {
      project,
      token,
      url: typeof withDefaults.url === "string" ? withDefaults.url : undefined,
      intervalSeconds: wholeNumber(flags, "interval", 0),
      cycles: wholeNumber(flags, "cycles", 1),
    },
    (summary) => {
      if (!flags.json) process.stdout.write(`${describeCycle(summary)}\n`);
    },
  );
  if (flags.json)
    process.stdout.write(`${JSON.stringify({ cycles: summaries })}\n`);
  return 0;
}

function definedOnly(flags: Flags): Flags {
  return Object.fromEntries(
    Object.entries(flags).filter(([, value]) => value !== undefined),
  );
}
