import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface PubSubServices {
  publisher: ServiceDefinition;
  subscriber: ServiceDefinition;
}

/**
 * The Publisher and Subscriber services from the .proto files that ship with the official client,
 * so the emulator speaks exactly the API version the client in node_modules speaks.
 */
export function loadPubSubServices(): PubSubServices {
  const require = createRequire(import.meta.url);
  const clientMain = require.resolve('@google-cloud/pubsub');
  // build/src/index.js -> build/protos; google/api/*.proto come from the client's google-gax.
  const pubsubProtos = path.resolve(path.dirname(clientMain), '../protos');
  const gaxProtos = path.resolve(path.dirname(createRequire(clientMain).resolve('google-gax')), '../protos');
  const definition = loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [pubsubProtos, gaxProtos],
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
