// Types of `rolegate/edge` and `rolegate/node`: the package's API, plus the gates that
// verify a token and decide a request through the policy's route table (docs/EDGE.md).

export * from "./index.js";
import type { Policy, Session, Principal, Tenant, GateAnswer, GateOutcome } from "./index.js";

/** The token verification config (docs/TOKENS.md): public JWKs, issuer, audience, leeway. */
export interface TokenConfigJson {
  issuer?: string;
  audience?: string;
  /** Seconds of clock skew allowed for `exp` and `nbf` (default 60). */
  leeway?: number;
  keys: JsonWebKey[];
}

/** A verified token: the principal and tenant its claims give. */
export interface Identity {
  subject: string;
  principal: Principal;
  tenant: Tenant;
  claims: Record<string, unknown>;
}

/** The resource a route names, as a resource loader gets it. */
export interface RouteResource {
  type?: string;
  id?: string;
  scope: string;
}

/** Loads the resource of an `origin` answer: its attributes, or null when it does not exist. */
export type ResourceLoader<R> = (
  resource: RouteResource,
  request: R,
) => Promise<Record<string, unknown> | null | undefined> | Record<string, unknown> | null | undefined;

/** The policy in force, kept current by a loader. */
export interface PolicyLoader {
  /** The policy, revalidated first when due; null when none could ever be loaded. */
  current(env?: unknown): Promise<Policy | null>;
  /** Revalidates now. */
  refresh(env?: unknown): Promise<void>;
  /** The code of the last failed update (`fetch_failed`, `syntax`, `unknown_action`, ...), or null. */
  readonly error: string | null;
  readonly policy: Policy | null;
}

export interface PolicyLoaderOptions {
  /** A URL serving the policy as JSON (revalidated with `If-None-Match`). */
  url?: string;
  /** A Workers KV namespace, or a function of the Worker's `env` that returns it. */
  kv?: { get(key: string, options: { type: "text" }): Promise<string | null> } | ((env: unknown) => { get(key: string, options: { type: "text" }): Promise<string | null> });
  /** The KV key (default `policy.json`). */
  key?: string;
  /** A static policy text (JSON). */
  text?: string;
  /** Milliseconds between revalidations (default 30,000). */
  interval?: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Where a failed update is reported (default `console.warn`). */
  log?: (line: string) => void;
}

export interface GateOptions<R = Request> {
  /** A compiled policy (static), or ... */
  policy?: Policy;
  /** ... a loader that keeps one current. */
  loader?: PolicyLoader;
  /** The token verification config. */
  tokens: TokenConfigJson | string;
  /** Finishes `origin` answers; without it they are passed on with `rolegate-outcome: origin`. */
  loadResource?: ResourceLoader<R>;
  /** The time in seconds since 1970 (default: the clock). */
  now?: () => number;
}

/** A gate's result for one request, before any origin. */
export interface GateResult {
  status: number;
  outcome: GateOutcome | "unauthenticated" | "unavailable";
  reason: string;
  /** The refusal's JSON body (null when the request passes). */
  body: { reason: string; effect?: "deny" | "locked"; action?: string; hint?: string; message?: string } | null;
  headers: Record<string, string>;
  answer?: GateAnswer;
  session?: Session;
  identity?: Identity;
  policy?: Policy;
}

export interface Gate {
  decide(request: Request, env?: unknown): Promise<GateResult>;
  handle(request: Request, next: (forwarded: Request, result: GateResult) => Response | Promise<Response>, env?: unknown): Promise<Response>;
}

export declare function createGate(options: GateOptions): Gate;
export declare function createPolicyLoader(options: PolicyLoaderOptions): PolicyLoader;
/** Wraps a `fetch` handler (Workers modules, Deno.serve, Bun) so that only allowed requests reach it. */
export declare function gateFetch<Env = unknown, Ctx = unknown>(
  handler: (request: Request, env: Env, ctx: Ctx) => Response | Promise<Response>,
  options: GateOptions,
): (request: Request, env: Env, ctx: Ctx) => Promise<Response>;
/** Hono middleware; allowed requests carry `c.get("rolegate")`. */
export declare function honoGate(options: GateOptions): (c: any, next: () => Promise<void>) => Promise<Response | void>;
/** Express / Connect / node:http middleware (`rolegate/node` only); allowed requests carry `req.rolegate`. */
export declare function expressGate(options: GateOptions<any>): (req: any, res: any, next: (error?: unknown) => void) => Promise<void>;

export declare function bearer(authorization: string | null | undefined): string;
export declare function loadTokenConfig(config: TokenConfigJson | string): Promise<unknown>;
export declare function verifyToken(token: string, config: unknown, options?: { now?: number }): Promise<Identity>;
export declare function mintToken(claims: Record<string, unknown>, privateJwk: JsonWebKey): Promise<string>;
export declare function generateKeyPair(alg: "HS256" | "ES256" | "EdDSA", kid?: string): Promise<{ privateJwk: JsonWebKey; publicJwk: JsonWebKey }>;
