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
  private readonly sharedParams = new Map<
    string,
    { value: unknown; placeholder: string }
  >();
  private counter = 0;

  /** Adds a parameter and returns its placeholder, cast when `type` is given. */
  param(value: unknown, type?: string): string {
    this.params.push(value);
    return type ? `$${this.params.length}::${type}` : `$${this.params.length}`;
  }

  /**
   * Returns the placeholder of a parameter that every part of the statement
   * shares, such as the project id, adding it on first use, so that the
   * value is sent once.
   */
  shared(key: string, value: unknown, type: string): string {
    const entry = this.sharedParams.get(key);
    if (entry === undefined) {
      const placeholder = this.param(value, type);
      this.sharedParams.set(key, { value, placeholder });
      return placeholder;
    }
    if (entry.value !== value) {
      throw new Error(
        `statement parameter ${key} already has a different value`,
      );
    }
    return entry.placeholder;
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
