import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const TERRAFORM_DIR = join(REPO, 'terraform');

/** A block body as hcl2json gives it: nested blocks are arrays, expressions are "${...}" strings. */
export type Body = Record<string, unknown>;

export interface TerraformModule {
  /** `type.name` -> body, e.g. `google_pubsub_topic.orders`. */
  resources: Map<string, Body>;
  variables: Map<string, Body>;
  locals: Body;
  /** file name -> source text, for checks on the text itself. */
  sources: Map<string, string>;
}

/** Parses every .tf file of the root module (hcl2json, the HCL parser Terraform's CDK ships as wasm). */
export async function loadModule(dir = TERRAFORM_DIR): Promise<TerraformModule> {
  const module: TerraformModule = { resources: new Map(), variables: new Map(), locals: {}, sources: new Map() };
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    module.sources.set(file, text);
    const parsed = (await parse(file, text)) as {
      resource?: Record<string, Record<string, Body[]>>;
      variable?: Record<string, Body[]>;
      locals?: Body[];
    };
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      for (const [name, [body]] of Object.entries(byName)) addOnce(module.resources, `${type}.${name}`, body!, file);
    }
    for (const [name, [body]] of Object.entries(parsed.variable ?? {})) addOnce(module.variables, name, body!, file);
    for (const block of parsed.locals ?? []) Object.assign(module.locals, block);
  }
  return module;
}

function addOnce(map: Map<string, Body>, key: string, body: Body, file: string): void {
  if (map.has(key)) throw new Error(`${key} is declared twice (again in ${file})`);
  map.set(key, body);
}

/** The resource at `address`, failing with its address when it is missing. */
export function resource(module: TerraformModule, address: string): Body {
  const body = module.resources.get(address);
  if (!body) throw new Error(`terraform/ declares no ${address}`);
  return body;
}

/** The single nested block `name` of `body` (hcl2json wraps every block in an array). */
export function block(body: Body, name: string): Body {
  const blocks = body[name];
  if (!Array.isArray(blocks) || blocks.length !== 1) throw new Error(`expected one ${name} block, got ${JSON.stringify(blocks)}`);
  return blocks[0] as Body;
}

/** The content of `dynamic "name"` in `body`, with its for_each. */
export function dynamicBlock(body: Body, name: string): { forEach: unknown; content: Body } {
  // hcl2json gives `dynamic` as an object keyed by block name, not as an array.
  const inner = block((body.dynamic ?? {}) as Body, name);
  return { forEach: inner.for_each, content: block(inner, 'content') };
}

/** A variable's default, so a check can follow `${var.x}` to the value a plain apply uses. */
export function defaultOf(module: TerraformModule, expression: unknown): unknown {
  const name = /^\$\{var\.(\w+)\}$/.exec(String(expression))?.[1];
  if (!name) return expression;
  const variable = module.variables.get(name);
  if (!variable) throw new Error(`no variable ${name}`);
  return variable.default;
}

/** A local's expression text, following `${local.x}`. */
export function localOf(module: TerraformModule, expression: unknown): unknown {
  const name = /^\$\{local\.(\w+)\}$/.exec(String(expression))?.[1];
  return name ? module.locals[name] : expression;
}
