/**
 * Builds one SQL statement out of common table expressions contributed by
 * several modules, numbering parameters as they are added. Data-modifying
 * CTEs run to completion whether or not the final SELECT reads them, so a
 * whole report travels to Postgres as one statement: one round trip, one
 * implicit transaction.
 */
export class Statement {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];
  private readonly outputs: string[] = [];
  private counter = 0;

  /** Adds a parameter and returns its placeholder, cast when `type` is given. */
  param(value: unknown, type?: string): string {
    this.params.push(value);
    return type ? `$${this.params.length}::${type}` : `$${this.params.length}`;
  }

  /** Returns a CTE name unique in this statement, such as `approval_3`. */
  name(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  with(name: string, sql: string): string {
    this.ctes.push(`${name} AS (${sql})`);
    return name;
  }

  /** Adds a column to the final SELECT, read back under `alias`. */
  output(alias: string, expression: string): void {
    this.outputs.push(`(${expression}) AS ${alias}`);
  }

  get text(): string {
    const select = `SELECT ${this.outputs.join(", ") || "1"}`;
    if (this.ctes.length === 0) return select;
    return `WITH ${this.ctes.join(",\n")}\n${select}`;
  }
}
