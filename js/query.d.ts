import type { QueryPlan } from "./index.js";

/**
 * Where a table (or collection, or model) keeps what a plan reads: the column of each
 * resource attribute (`id` included), of the resource's scope (its canonical text,
 * `workspace:w1/project:p7`, the root as the root level's name or empty) and of the
 * scope's level name (needed only by plans over a scope tree with several branches).
 * Names are `name` or `table.name`, of ASCII letters, digits and `_`.
 */
export interface Columns {
  scope?: string | null;
  scope_level?: string | null;
  attributes?: { [attribute: string]: string };
}

/** A parameter of a SQL fragment: a string, a number, or (PostgreSQL) a boolean. */
export type SqlParam = string | number | boolean;

/** A `WHERE` fragment (without the keyword) and its parameters, in placeholder order. */
export interface SqlWhere {
  sql: string;
  params: SqlParam[];
}

/** `postgres` (`$1`, array columns) or `sqlite` (`?`, JSON array columns, booleans as 1 and 0). */
export type SqlDialect = "postgres" | "postgresql" | "sqlite";

/**
 * The plan as a parameterized SQL `WHERE` fragment: byte for byte what the Rust
 * `QueryPlan::to_sql` writes. Every value is a parameter. Throws a `RolegateError`:
 * `unmapped_attribute` or `unmapped_scope` (the plan reads what `columns` does not map),
 * `unsupported` (a whole list compared), `bad_input` (columns, options or plan unreadable),
 * each with the path into the plan (`condition.args[1].attr`) or the input.
 */
export declare function toSql(plan: QueryPlan, columns: Columns, options?: { dialect?: SqlDialect }): SqlWhere;

/** A MongoDB filter document. */
export type MongoFilter = { [key: string]: unknown };

/**
 * The plan as a MongoDB filter document (`{}` allows every document, `{ $expr: false }`
 * none). Throws a `RolegateError` as `toSql` does.
 */
export declare function toMongo(plan: QueryPlan, columns: Columns): MongoFilter;

/** A Prisma `where` object. */
export type PrismaWhere = { [key: string]: unknown };

/**
 * The plan as a Prisma `where` object, for Prisma over PostgreSQL (`{}` allows every row,
 * `{ OR: [] }` none). `fields`, the model's field references (`prisma.number.fields`), is
 * needed by plans that compare two attributes. Throws a `RolegateError` as `toSql` does.
 */
export declare function toPrisma(plan: QueryPlan, columns: Columns, options?: { fields?: { [field: string]: unknown } }): PrismaWhere;
