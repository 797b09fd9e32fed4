import type { IncomingMessage, ServerResponse } from 'node:http';
import { Metadata, type ServiceDefinition, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { fromProto3JSON, type JSONObject, toProto3JSON } from 'proto3-json-serializer';
import protobuf from 'protobufjs';

const { Type } = protobuf;

/**
 * Pub/Sub's v1 HTTP/JSON API, transcoded onto the gRPC implementation: the routes are the
 * google.api.http rules of the .proto files, a request is read as proto3 JSON
 * (proto3-json-serializer), encoded, and handed to the very handler a gRPC call reaches; the
 * response goes the same way back. So REST and gRPC cannot disagree on behaviour.
 */
export type RestHandler = (request: IncomingMessage, response: ServerResponse) => void;

interface Route {
  verb: string;
  pattern: RegExp;
  /** The request fields the pattern's variables fill, camelCase, dotted for nested ones. */
  variables: string[];
  /** "*" (the whole body is the request), a field name, or '' (no body: query parameters). */
  body: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  definition: ServiceDefinition[string];
  handler: UntypedServiceImplementation[string];
}

interface HttpRule {
  get?: string;
  put?: string;
  post?: string;
  patch?: string;
  delete?: string;
  body?: string;
}

// The service's request limit is 10 MB; base64 makes JSON bodies a third bigger.
const MAX_BODY_BYTES = 20 * 1024 * 1024;

// google.rpc.Code -> HTTP status, as Google's JSON APIs map them (google/rpc/code.proto).
const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

/**
 * The REST handler for the given services. `services` maps a fully qualified service name
 * (google.pubsub.v1.Publisher) to its gRPC definition and implementation; methods without an
 * implementation answer UNIMPLEMENTED (501) like the gRPC server does.
 */
export function restGateway(
  root: protobuf.Root,
  services: Record<string, { definition: ServiceDefinition; implementation: UntypedServiceImplementation }>,
): RestHandler {
  const routes: Route[] = [];
  for (const [serviceName, { definition, implementation }] of Object.entries(services)) {
    const service = root.lookupService(serviceName);
    for (const method of Object.values(service.methods)) {
      const rule = httpRule(method);
      const grpcMethod = definition[method.name];
      if (!rule || !grpcMethod) continue;
      for (const verb of ['get', 'put', 'post', 'patch', 'delete'] as const) {
        const template = rule[verb];
        if (!template) continue;
        const { pattern, variables } = compileTemplate(template);
        routes.push({
          verb: verb.toUpperCase(),
          pattern,
          variables,
          body: rule.body ?? '',
          requestType: method.resolvedRequestType as protobuf.Type,
          responseType: method.resolvedResponseType as protobuf.Type,
          definition: grpcMethod,
          handler: implementation[method.name] as UntypedServiceImplementation[string],
        });
      }
    }
  }
  return (request, response) => {
    void serve(routes, request, response).catch((error: unknown) => {
      sendError(response, status.INTERNAL, error instanceof Error ? error.message : String(error));
    });
  };
}

function httpRule(method: protobuf.Method): HttpRule | undefined {
  for (const option of method.parsedOptions ?? []) {
    const rule = (option as Record<string, unknown>)['(google.api.http)'];
    if (rule) return rule as HttpRule;
  }
  return undefined;
}

/** `/v1/{subscription=projects/*\/subscriptions/*}:pull` -> a RegExp with one group per variable. */
function compileTemplate(template: string): { pattern: RegExp; variables: string[] } {
  const variables: string[] = [];
  let source = '';
  let rest = template;
  for (let match = /\{([^}=]+)(?:=([^}]*))?\}/.exec(rest); match; match = /\{([^}=]+)(?:=([^}]*))?\}/.exec(rest)) {
    source += escapeRegExp(rest.slice(0, match.index));
    variables.push(camelPath(match[1] as string));
    const segments = (match[2] ?? '*').split('/').map((segment) => (segment === '**' ? '.+' : segment === '*' ? '[^/]+' : escapeRegExp(segment)));
    source += `(${segments.join('/')})`;
    rest = rest.slice(match.index + match[0].length);
  }
  return { pattern: new RegExp(`^${source}${escapeRegExp(rest)}$`), variables };
}

async function serve(routes: Route[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator');
  const path = url.pathname;
  let route: Route | undefined;
  let match: RegExpExecArray | null = null;
  let pathMatched = false;
  for (const candidate of routes) {
    match = candidate.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (candidate.verb === request.method) {
      route = candidate;
      break;
    }
  }
  if (!route || !match) {
    await drain(request);
    if (pathMatched) return sendError(response, status.UNIMPLEMENTED, `Method ${request.method} is not allowed on ${path}.`, 405);
    return sendError(response, status.NOT_FOUND, `No such method: ${request.method} ${path}`);
  }

  let json: JSONObject = {};
  const text = (await readBody(request)).toString('utf8');
  if (route.body) {
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      return sendError(response, status.INVALID_ARGUMENT, `Invalid JSON payload received. ${(error as Error).message}`);
    }
    if (route.body === '*') {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return sendError(response, status.INVALID_ARGUMENT, 'Invalid JSON payload received. The body must be a JSON object.');
      json = parsed as JSONObject;
    } else json[camelPath(route.body)] = parsed as JSONObject;
  } else {
    // Query parameters fill the request's fields; $alt and the like are system parameters.
    for (const [key, value] of url.searchParams) if (!key.startsWith('$')) setPath(json, camelPath(key), value);
  }
  route.variables.forEach((variable, index) => setPath(json, variable, decodeURIComponent(match[index + 1] as string)));

  let grpcRequest: unknown;
  try {
    const message = fromProto3JSON(route.requestType, withJsonNames(route.requestType, json));
    const bytes = Buffer.from(route.requestType.encode(message ?? {}).finish());
    grpcRequest = route.definition.requestDeserialize(bytes);
  } catch (error) {
    return sendError(response, status.INVALID_ARGUMENT, `Invalid JSON payload received. ${(error as Error).message}`);
  }
  if (!route.handler) return sendError(response, status.UNIMPLEMENTED, `Method not implemented by the emulator: ${request.method} ${path}`);
  const call = unaryCall(grpcRequest, response);
  (route.handler as (call: unknown, callback: (error: { code?: number; details?: string } | null, value?: unknown) => void) => void)(call, (error, value) => {
    if (error) return sendError(response, error.code ?? status.UNKNOWN, error.details ?? 'error');
    const encoded = route.definition.responseSerialize(value);
    sendJson(response, 200, toJson(route.responseType, route.responseType.decode(encoded)));
  });
}

/**
 * proto3 JSON parsers accept a field's proto name (ack_deadline_seconds) as well as its JSON name
 * (ackDeadlineSeconds); proto3-json-serializer only the latter: rename, guided by the type so map
 * keys (attributes, labels) are left alone.
 */
function withJsonNames(type: protobuf.Type, json: JSONObject): JSONObject {
  const renamed: JSONObject = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] ?? type.fields[camelPath(key)];
    const name = field?.name ?? key;
    const nested = field?.resolvedType;
    if (nested instanceof Type && value !== null && typeof value === 'object') {
      if (field?.map)
        renamed[name] = Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, v !== null && typeof v === 'object' ? withJsonNames(nested, v as JSONObject) : v]),
        );
      else if (Array.isArray(value))
        renamed[name] = value.map((item) => (item !== null && typeof item === 'object' ? withJsonNames(nested, item as JSONObject) : item));
      else renamed[name] = withJsonNames(nested, value as JSONObject);
    } else renamed[name] = value;
  }
  return renamed;
}

/**
 * A message as proto3 JSON without empty maps and empty strings, which proto3 JSON leaves out
 * (proto3-json-serializer writes what protobufjs holds, and it holds empty maps).
 */
export function toJson(type: protobuf.Type, message: protobuf.Message): JSONObject {
  const json = toProto3JSON(message) as JSONObject;
  pruneEmpty(type, json);
  return json;
}

function pruneEmpty(type: protobuf.Type, json: JSONObject): void {
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    if (value === undefined) continue;
    if ((field.map && Object.keys(value as object).length === 0) || (field.repeated && (value as unknown[]).length === 0) || value === '')
      delete json[field.name];
    else if (field.resolvedType instanceof Type && typeof value === 'object' && value !== null) {
      const nested = field.resolvedType;
      if (field.repeated) for (const item of value as JSONObject[]) pruneEmpty(nested, item);
      else if (!field.map) pruneEmpty(nested, value as JSONObject);
    }
  }
}

/** What a unary handler uses of a gRPC call: the request, its deadline, cancellation. */
function unaryCall(request: unknown, response: ServerResponse) {
  return {
    request,
    metadata: new Metadata(),
    cancelled: false,
    getDeadline: () => Infinity,
    on(event: string, listener: () => void) {
      // The HTTP client went away before the answer: what gRPC calls a cancelled call.
      if (event === 'cancelled') response.on('close', () => response.writableFinished || listener());
      return this;
    },
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.destroy();
        reject(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const chunk of request) void chunk;
}

/** Pub/Sub's JSON error: {"error": {"code": <HTTP status>, "message": ..., "status": "NOT_FOUND"}}. */
function sendError(response: ServerResponse, code: status, message: string, httpStatus = HTTP_STATUS[code] ?? 500): void {
  sendJson(response, httpStatus, { error: { code: httpStatus, message, status: status[code] ?? 'UNKNOWN' } });
}

function sendJson(response: ServerResponse, httpStatus: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(httpStatus, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function setPath(target: JSONObject, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as JSONObject;
  }
  node[keys.at(-1) as string] = value as JSONObject;
}

const camelPath = (path: string) => path.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
