//! Verified identity for the gates: a signed token (JWS compact, HS256, ES256 or EdDSA)
//! read into the engine's principal and tenant JSON, with Web Crypto only
//! (`globalThis.crypto.subtle`: Node 20+, Deno, workerd, browsers), no dependencies.
//!
//! The same format, configuration file, checks, order and codes as the Rust crate
//! `rolegate-token`; one case corpus (`tests/fixtures/tokens/cases.json`) runs against
//! both. See docs/TOKENS.md. Errors are `RolegateError`s whose `code` is the stable code
//! (`token_malformed`, ..., and `config_invalid` for a configuration or key).

import { RolegateError } from "./errors.js";

/** The deepest nesting of lists and objects a header or payload may have. */
export const MAX_DEPTH = 32;
/** The leeway for `exp` and `nbf` when the configuration gives none, in seconds. */
export const DEFAULT_LEEWAY = 60;
/** The largest leeway a configuration may give, in seconds. */
export const MAX_LEEWAY = 86400;
/** The fewest bytes an HS256 secret may have. */
const MIN_SECRET_LEN = 32;

/** The algorithms: JWK `kty` and `crv`, signature length, Web Crypto parameters. */
const ALGORITHMS = {
  HS256: { kty: "oct", crv: undefined, signatureLen: 32, params: { name: "HMAC", hash: "SHA-256" } },
  ES256: { kty: "EC", crv: "P-256", signatureLen: 64, params: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } },
  EdDSA: { kty: "OKP", crv: "Ed25519", signatureLen: 64, params: { name: "Ed25519" } },
};
const algorithmOf = (name) => (Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name] : undefined);

const LOADED = Symbol("rolegate token config");

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new RolegateError("unsupported", "", "web crypto (`crypto.subtle`) is not available in this runtime");
  return s;
};

const tokenError = (code, message) => new RolegateError(code, "token", message);
const malformed = (message) => tokenError("token_malformed", message);
const configError = (path, message) => new RolegateError("config_invalid", path, message);

// ---- base64url and JSON, as strict as the Rust side -------------------------------------

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGITS = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Decodes base64url without padding; `undefined` for `=`, `+`, `/`, a bad length or stray bits. */
function decodeBase64url(text) {
  if (typeof text !== "string" || text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const c of text) {
    const digit = DIGITS.get(c);
    if (digit === undefined) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

function encodeBase64url(bytes) {
  let out = "";
  let value = 0;
  let bits = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(value >> bits) & 63];
    }
  }
  if (bits > 0) out += ALPHABET[(value << (6 - bits)) & 63];
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encodeText = (text) => new TextEncoder().encode(text);
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const wellFormed = (s) =>
  typeof s.isWellFormed === "function" ? s.isWellFormed() : !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/**
 * The nesting depth of a parsed value (0 for a scalar; counted no further than just past
 * `MAX_DEPTH`), or `Infinity` when it holds what the Rust reader refuses: a number out of
 * range or a string with a lone surrogate.
 */
function depthOf(value, level = 0) {
  if (typeof value === "number") return Number.isFinite(value) ? 0 : Infinity;
  if (typeof value === "string") return wellFormed(value) ? 0 : Infinity;
  if (typeof value !== "object" || value === null) return 0;
  if (level >= MAX_DEPTH) return 1;
  let deepest = 0;
  const entries = Array.isArray(value) ? value : Object.entries(value).flat();
  for (const item of entries) deepest = Math.max(deepest, depthOf(item, level + 1));
  return 1 + deepest;
}

/** One part of the token decoded into a JSON object. */
function jsonObject(part, what) {
  const bytes = decodeBase64url(part);
  if (bytes === undefined) throw malformed(`the ${what} is not base64url without padding`);
  let value;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw malformed(`the ${what} is not JSON`);
  }
  const depth = depthOf(value);
  if (depth === Infinity) throw malformed(`the ${what} is not JSON`);
  if (depth > MAX_DEPTH) throw malformed(`the ${what} nests deeper than ${MAX_DEPTH} levels`);
  if (!isObject(value)) throw malformed(`the ${what} is not a JSON object`);
  return value;
}

// ---- keys -------------------------------------------------------------------------------

/** Reads what every JWK has (`kty`, `crv`, `alg`, `use`, `kid`); returns `{ kid, alg }`. */
function jwkHead(jwk, path) {
  if (!isObject(jwk)) throw configError(path, "expected a JWK, a JSON object");
  const member = (name, required) => {
    const v = jwk[name];
    if (v === undefined && !required) return undefined;
    if (v === undefined) throw configError(path, `missing member \`${name}\``);
    if (typeof v !== "string") throw configError(`${path}.${name}`, "expected a string");
    return v;
  };
  const alg = member("alg", true);
  const info = algorithmOf(alg);
  if (!info) throw configError(`${path}.alg`, `unsupported algorithm \`${alg}\` (supported: HS256, ES256, EdDSA)`);
  const kty = member("kty", true);
  if (kty !== info.kty) throw configError(`${path}.kty`, `an ${alg} key has \`kty\` \`${info.kty}\`, found \`${kty}\``);
  if (info.crv !== undefined) {
    const crv = member("crv", true);
    if (crv !== info.crv) throw configError(`${path}.crv`, `an ${alg} key has \`crv\` \`${info.crv}\`, found \`${crv}\``);
  }
  const usage = member("use", false);
  if (usage !== undefined && usage !== "sig") throw configError(`${path}.use`, `a signing key has \`use\` \`sig\`, found \`${usage}\``);
  return { kid: member("kid", false), alg };
}

/** A base64url member, decoded. */
function bytesMember(jwk, path, name) {
  const text = jwk[name];
  if (text === undefined) throw configError(path, `missing member \`${name}\``);
  if (typeof text !== "string") throw configError(`${path}.${name}`, "expected a string");
  const bytes = decodeBase64url(text);
  if (bytes === undefined) throw configError(`${path}.${name}`, "not base64url without padding");
  return bytes;
}

/** A base64url member of exactly `len` bytes (a coordinate, a private scalar or seed). */
function sizedMember(jwk, path, name, len) {
  const bytes = bytesMember(jwk, path, name);
  if (bytes.length !== len) throw configError(`${path}.${name}`, `expected ${len} bytes, found ${bytes.length}`);
  return bytes;
}

/** The HS256 secret `k`, at least 32 bytes. */
function secretMember(jwk, path) {
  const bytes = bytesMember(jwk, path, "k");
  if (bytes.length < MIN_SECRET_LEN) throw configError(`${path}.k`, `an HS256 secret has at least ${MIN_SECRET_LEN} bytes, found ${bytes.length}`);
  return bytes;
}

/** Imports a public JWK of a verification configuration (private members refused). */
async function importPublic(jwk, path) {
  const { kid, alg } = jwkHead(jwk, path);
  const { params } = ALGORITHMS[alg];
  let raw;
  if (alg === "HS256") {
    raw = secretMember(jwk, path);
  } else if (jwk.d !== undefined) {
    throw configError(`${path}.d`, "a private key in a verification configuration: give only the public members");
  } else if (alg === "ES256") {
    raw = new Uint8Array([4, ...sizedMember(jwk, path, "x", 32), ...sizedMember(jwk, path, "y", 32)]);
  } else {
    raw = sizedMember(jwk, path, "x", 32);
  }
  try {
    const key = await subtle().importKey("raw", raw, params, false, ["verify"]);
    return { kid, alg, key };
  } catch (e) {
    if (e instanceof RolegateError) throw e;
    throw configError(path, alg === "ES256" ? "`x` and `y` are not a point of P-256" : `not an ${alg} public key`);
  }
}

/** Imports a private JWK for signing (ES256 and EdDSA keys need their public members too). */
async function importPrivate(jwk) {
  const path = "key";
  const { alg } = jwkHead(jwk, path);
  const { params } = ALGORITHMS[alg];
  if (alg === "HS256") return { alg, key: await subtle().importKey("raw", secretMember(jwk, path), params, false, ["sign"]) };
  sizedMember(jwk, path, "d", 32);
  sizedMember(jwk, path, "x", 32);
  const members = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d };
  if (alg === "ES256") members.y = encodeBase64url(sizedMember(jwk, path, "y", 32));
  try {
    return { alg, key: await subtle().importKey("jwk", members, params, false, ["sign"]) };
  } catch {
    throw configError(path, `not an ${alg} private key`);
  }
}

// ---- configuration ----------------------------------------------------------------------

const MEMBERS = ["issuer", "audience", "leeway", "keys"];

/**
 * Reads and checks a verification configuration (an object or its JSON text) and imports
 * its keys once: `{ issuer?, audience?, leeway?, keys: [JWK, ...] }`. Rejects with a
 * `config_invalid` error naming what is wrong.
 */
export async function loadTokenConfig(objectOrJsonText) {
  let doc = objectOrJsonText;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch (e) {
      throw configError("", `not valid JSON: ${e.message}`);
    }
  }
  if (!isObject(doc)) throw configError("", "expected a JSON object");
  const unknown = Object.keys(doc).find((k) => !MEMBERS.includes(k));
  if (unknown !== undefined) throw configError(unknown, `unknown member \`${unknown}\`, expected one of issuer, audience, leeway, keys`);
  for (const name of ["issuer", "audience"]) {
    if (doc[name] !== undefined && (typeof doc[name] !== "string" || doc[name] === "")) throw configError(name, "expected a non-empty string");
  }
  const leeway = doc.leeway ?? DEFAULT_LEEWAY;
  if (doc.leeway === null || !Number.isInteger(leeway) || leeway < 0 || leeway > MAX_LEEWAY) {
    throw configError("leeway", `expected whole seconds from 0 to ${MAX_LEEWAY}`);
  }
  if (!Array.isArray(doc.keys)) throw configError("keys", "expected a list of JWKs");
  if (doc.keys.length === 0) throw configError("keys", "no keys: a token could never verify");
  const keys = [];
  for (const [i, jwk] of doc.keys.entries()) {
    const key = await importPublic(jwk, `keys[${i}]`);
    if (key.kid !== undefined && keys.some((k) => k.kid === key.kid)) throw configError(`keys[${i}].kid`, `two keys have the kid \`${key.kid}\``);
    keys.push(Object.freeze(key));
  }
  return Object.freeze({ [LOADED]: true, issuer: doc.issuer, audience: doc.audience, leeway, keys: Object.freeze(keys) });
}

/** The key for a header's `alg` and `kid`: by `kid` if given, else the first of that `alg`. */
function keyFor(config, alg, kid) {
  if (!algorithmOf(alg)) throw tokenError("token_algorithm", `algorithm \`${alg}\` is not accepted (accepted: HS256, ES256, EdDSA)`);
  const key =
    kid !== undefined ? config.keys.find((k) => k.kid === kid) : config.keys.find((k) => k.alg === alg);
  if (!key) throw tokenError("token_algorithm", kid !== undefined ? `no key has the kid \`${kid}\`` : `no key is configured for ${alg}`);
  if (key.alg !== alg) throw tokenError("token_algorithm", `the key \`${kid ?? ""}\` is for ${key.alg}, the token says ${alg}`);
  return key;
}

// ---- verification -----------------------------------------------------------------------

/**
 * The token of an `Authorization` header value: `Bearer <token>`, the scheme in any case,
 * one space, a token without whitespace. Throws `token_missing` otherwise.
 */
export function bearer(header) {
  const missing = (message) => tokenError("token_missing", message);
  if (typeof header !== "string" || header === "") throw missing("no authorization header");
  const space = header.indexOf(" ");
  if (space < 0) throw missing("the authorization header is not `Bearer <token>`");
  if (!/^bearer$/i.test(header.slice(0, space))) throw missing("the authorization scheme is not `Bearer`");
  const token = header.slice(space + 1);
  if (token === "" || /[ \t\n\f\r]/.test(token)) throw missing("the authorization header is not `Bearer <token>`");
  return token;
}

/** The structure check: parts, header, payload, registered claims. */
function parse(token) {
  if (typeof token !== "string" || token === "") throw tokenError("token_missing", "no token");
  const parts = token.split(".");
  if (parts.length !== 3) throw malformed(`a token has three parts separated by \`.\`, found ${parts.length}`);
  const header = jsonObject(parts[0], "header");
  const claims = jsonObject(parts[1], "payload");
  const signature = decodeBase64url(parts[2]);
  if (signature === undefined) throw malformed("the signature is not base64url without padding");
  if (Object.hasOwn(header, "crit")) throw malformed("the header has `crit`: no extension is understood");
  if (header.alg === undefined) throw malformed("the header has no `alg`");
  for (const name of ["alg", "kid", "typ"]) {
    if (header[name] !== undefined && typeof header[name] !== "string") throw malformed(`the header's \`${name}\` is not a string`);
  }
  if (claims.sub === undefined) throw malformed("the claim `sub` is missing");
  if (typeof claims.sub !== "string" || claims.sub === "") throw malformed("`sub` is not a non-empty string");
  if (claims.exp === undefined) throw malformed("the claim `exp` is missing");
  for (const name of ["exp", "nbf", "iat"]) {
    if (claims[name] !== undefined && typeof claims[name] !== "number") throw malformed(`the claim \`${name}\` is not a number`);
  }
  if (claims.iss !== undefined && typeof claims.iss !== "string") throw malformed("the claim `iss` is not a string");
  const aud = claims.aud;
  if (aud !== undefined && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))) {
    throw malformed("the claim `aud` is not a string or a list of strings");
  }
  const signed = token.slice(0, token.lastIndexOf("."));
  return { alg: header.alg, kid: header.kid, signed, signature, claims };
}

/**
 * Verifies a token at `now` (seconds since 1970; the clock by default) and resolves
 * `{ subject, principal, tenant, claims }`. The checks run in the order of docs/TOKENS.md;
 * the first failure rejects with its code.
 */
export async function verifyToken(token, config, { now } = {}) {
  if (!config || config[LOADED] !== true) throw new TypeError("verifyToken needs a configuration from loadTokenConfig");
  const at = now ?? Math.floor(Date.now() / 1000);
  if (typeof at !== "number" || !Number.isFinite(at)) throw new TypeError("`now` is seconds since 1970, a number");
  const { alg, kid, signed, signature, claims } = parse(token);
  const key = keyFor(config, alg, kid);
  const { signatureLen, params } = ALGORITHMS[alg];
  if (signature.length !== signatureLen) throw tokenError("token_signature", `a ${alg} signature has ${signatureLen} bytes, found ${signature.length}`);
  if (!(await subtle().verify(params, key.key, signature, encodeText(signed)))) throw tokenError("token_signature", "the signature does not verify");
  if (at >= claims.exp + config.leeway) throw tokenError("token_expired", "the token has expired");
  if (claims.nbf !== undefined && at + config.leeway < claims.nbf) throw tokenError("token_not_yet_valid", "the token is not valid yet");
  if (config.issuer !== undefined && claims.iss !== config.issuer) throw tokenError("token_issuer", `the token is not issued by \`${config.issuer}\``);
  if (config.audience !== undefined) {
    const aud = claims.aud;
    const namesIt = typeof aud === "string" ? aud === config.audience : Array.isArray(aud) && aud.includes(config.audience);
    if (!namesIt) throw tokenError("token_audience", `the token is not meant for \`${config.audience}\``);
  }
  const { principal, tenant } = identity(claims.sub, claims);
  return { subject: claims.sub, principal, tenant, claims };
}

// ---- the rolegate claim: the engine's principal and tenant readers, mirrored ------------

const claimsError = (path, message) => tokenError("token_claims", `${path}: ${message}`);

function checkFields(value, path, fields, what) {
  if (!isObject(value)) throw claimsError(path, `expected ${what}`);
  const unknown = Object.keys(value).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw claimsError(`${path}.${unknown}`, `unknown field \`${unknown}\``);
}

const optionalString = (value, path) => {
  if (value !== undefined && value !== null && typeof value !== "string") throw claimsError(path, "expected a string");
};

function checkValue(value, path) {
  if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, `${path}[${i}]`));
  else if (typeof value === "object" && value !== null) throw claimsError(path, "attribute values are strings, numbers, booleans, null or lists");
}

function checkAttrs(attrs, path) {
  if (attrs === undefined || attrs === null) return;
  if (!isObject(attrs)) throw claimsError(path, "expected a table of attributes");
  for (const [name, value] of Object.entries(attrs)) checkValue(value, `${path}.${name}`);
}

/** The principal and tenant JSON of verified claims, checked as the engine reads them. */
function identity(sub, claims) {
  if (claims.rolegate === undefined) throw tokenError("token_claims", "the claim `rolegate` is missing");
  const claim = claims.rolegate;
  if (!isObject(claim)) throw tokenError("token_claims", "the claim `rolegate` is not an object");
  checkFields(claim, "rolegate", ["roles", "attrs", "tenant"], "an object");
  if (claim.roles === undefined) throw tokenError("token_claims", "the claim `rolegate` has no `roles`");
  if (claim.tenant === undefined) throw tokenError("token_claims", "the claim `rolegate` has no `tenant`");
  if (!Array.isArray(claim.roles)) throw claimsError("rolegate.roles", "expected a list of role assignments");
  claim.roles.forEach((assignment, i) => {
    const path = `rolegate.roles[${i}]`;
    checkFields(assignment, path, ["role", "scope"], "a role assignment: { role, scope }");
    if (assignment.role === undefined) throw claimsError(path, "missing field `role`");
    if (typeof assignment.role !== "string") throw claimsError(`${path}.role`, "expected a string");
    optionalString(assignment.scope, `${path}.scope`);
  });
  checkAttrs(claim.attrs, "rolegate.attrs");
  const tenant = claim.tenant;
  checkFields(tenant, "rolegate.tenant", ["id", "plan", "features", "attrs"], "a tenant: { id, plan, features, attrs }");
  if (tenant.id === undefined) throw claimsError("rolegate.tenant", "missing field `id`");
  if (typeof tenant.id !== "string") throw claimsError("rolegate.tenant.id", "expected a string");
  optionalString(tenant.plan, "rolegate.tenant.plan");
  if (tenant.features !== undefined && !(Array.isArray(tenant.features) && tenant.features.every((f) => typeof f === "string"))) {
    throw claimsError("rolegate.tenant.features", "expected a list of strings");
  }
  checkAttrs(tenant.attrs, "rolegate.tenant.attrs");
  const principal = { id: sub, roles: claim.roles };
  if (claim.attrs !== undefined) principal.attrs = claim.attrs;
  return { principal, tenant };
}

// ---- minting, for tests and demos -------------------------------------------------------

/**
 * Signs `claims` with a private JWK and resolves the compact token. The header is
 * `{ alg, typ: "JWT", kid? }`: `kid` is `options.kid` when given (`null` for none), else
 * the JWK's `kid`. The claims are signed as given.
 */
export async function mintToken(claims, privateJwk, { kid } = {}) {
  if (!isObject(claims)) throw configError("claims", "expected a JSON object");
  const { alg, key } = await importPrivate(privateJwk);
  const header = { alg, typ: "JWT" };
  const headerKid = kid === undefined ? privateJwk.kid : kid;
  if (headerKid !== undefined && headerKid !== null) header.kid = headerKid;
  const signed = `${encodeBase64url(encodeText(JSON.stringify(header)))}.${encodeBase64url(encodeText(JSON.stringify(claims)))}`;
  const signature = new Uint8Array(await subtle().sign(ALGORITHMS[alg].params, key, encodeText(signed)));
  return `${signed}.${encodeBase64url(signature)}`;
}

/**
 * Generates a key pair: resolves `{ privateJwk, publicJwk }`, both with `alg`,
 * `use: "sig"` and `kid` when given. For HS256 both hold the same 32-byte secret.
 */
export async function generateKeyPair(alg, kid) {
  const info = algorithmOf(alg);
  if (!info) throw configError("alg", `unsupported algorithm \`${alg}\` (supported: HS256, ES256, EdDSA)`);
  const named = { alg, use: "sig", ...(kid !== undefined ? { kid } : {}) };
  if (alg === "HS256") {
    const secret = { kty: "oct", k: encodeBase64url(globalThis.crypto.getRandomValues(new Uint8Array(32))), ...named };
    return { privateJwk: secret, publicJwk: { ...secret } };
  }
  const pair = await subtle().generateKey(info.params, true, ["sign", "verify"]);
  const { kty, crv, x, y, d } = await subtle().exportKey("jwk", pair.privateKey);
  const publicJwk = { kty, crv, x, ...(y !== undefined ? { y } : {}), ...named };
  return { privateJwk: { ...publicJwk, d }, publicJwk };
}

export { decodeBase64url, encodeBase64url };
