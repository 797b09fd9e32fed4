import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

export interface PubSubServices {
  publisher: ServiceDefinition;
  subscriber: ServiceDefinition;
}

/**
 * The Publisher and Subscriber services from the .proto files that ship with the official client,
 * so the emulator speaks exactly the API version the client in node_modules speaks.
 */
export function loadPubSubServices(): PubSubServices {
  const definition = loadSync(PUBSUB_PROTO, {
    includeDirs: protoDirs(),
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  return {
    publisher: definition['google.pubsub.v1.Publisher'] as ServiceDefinition,
    subscriber: definition['google.pubsub.v1.Subscriber'] as ServiceDefinition,
  };
}

const PUBSUB_PROTO = 'google/pubsub/v1/pubsub.proto';

/** The client's proto directories: build/protos of the client, google/api/*.proto from its google-gax. */
function protoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const clientMain = require.resolve('@google-cloud/pubsub');
  const pubsubProtos = path.resolve(path.dirname(clientMain), '../protos');
  const gaxProtos = path.resolve(path.dirname(createRequire(clientMain).resolve('google-gax')), '../protos');
  return [pubsubProtos, gaxProtos];
}

/**
 * The same .proto files as a protobufjs Root, for the REST gateway: its methods' google.api.http
 * rules and the message types for proto3 JSON.
 */
export function loadPubSubRoot(): protobuf.Root {
  const dirs = protoDirs();
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of dirs) if (existsSync(path.join(dir, target))) return path.join(dir, target);
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(PUBSUB_PROTO);
  root.resolveAll();
  return root;
}
