import { parseTraceParent } from '@opentelemetry/core';

/**
 * Cloud Logging's special fields that file a log line under its request's trace, from the request's
 * W3C `traceparent` header (Cloud Run passes one to the container with every request):
 * `logging.googleapis.com/trace` (projects/P/traces/ID), `.../spanId` and `.../trace_sampled`
 * (https://cloud.google.com/logging/docs/structured-logging#structured_logging_special_fields).
 * No fields for a missing or malformed header.
 */
export function traceLogFields(traceparent: string | string[] | undefined, projectId: string): Record<string, string | boolean> {
  const context = typeof traceparent === 'string' ? parseTraceParent(traceparent) : null;
  if (!context) return {};
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${context.traceId}`,
    'logging.googleapis.com/spanId': context.spanId,
    'logging.googleapis.com/trace_sampled': (context.traceFlags & 1) === 1,
  };
}
