import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** A ListTimeSeries request as the stand-in received it (proto-loader's plain object shape). */
export interface ListTimeSeriesRequest {
  name: string;
  filter: string;
  interval: { startTime: { seconds: string }; endTime: { seconds: string } };
  aggregation?: { alignmentPeriod?: { seconds: string }; perSeriesAligner: string; crossSeriesReducer: string };
  view: string;
}

/** The series to answer a request with: by metric type, each a list of points newest first. */
export type SeriesByMetric = Record<string, { value: { int64Value?: string; doubleValue?: number }; endSeconds: number }[][]>;

const protos = (pkg: string) => fileURLToPath(new URL(`../../node_modules/${pkg}/build/protos`, import.meta.url));

/**
 * google.monitoring.v3.MetricService on 127.0.0.1 (ListTimeSeries only), loaded from the protos
 * that ship with @google-cloud/monitoring: the real client talks real gRPC to it.
 */
export class MonitoringStandIn {
  readonly requests: ListTimeSeriesRequest[] = [];
  private readonly server = new grpc.Server();
  port = 0;

  constructor(
    private readonly series: SeriesByMetric,
    private readonly failWith?: { code: grpc.status; details: string },
  ) {}

  async start(): Promise<this> {
    const definition = protoLoader.loadSync('google/monitoring/v3/metric_service.proto', {
      includeDirs: [protos('@google-cloud/monitoring'), protos('google-gax')],
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { google: { monitoring: { v3: { MetricService: { service: grpc.ServiceDefinition } } } } };
    this.server.addService(pkg.google.monitoring.v3.MetricService.service, {
      ListTimeSeries: (call: grpc.ServerUnaryCall<ListTimeSeriesRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.requests.push(call.request);
        if (this.failWith) return callback({ code: this.failWith.code, details: this.failWith.details } as grpc.ServiceError);
        const metric = /metric\.type = "([^"]+)"/.exec(call.request.filter)?.[1] ?? '';
        const timeSeries = (this.series[metric] ?? []).map((points) => ({
          points: points.map((p) => ({ value: p.value, interval: { endTime: { seconds: String(p.endSeconds) } } })),
        }));
        callback(null, { timeSeries, nextPageToken: '' });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
