/**
 * The Pub/Sub attributes producers set on an event message (event-contract.md, "Pub/Sub message"):
 * `event_id`, `event_type`, `schema_version`, copied from the event. Fields that are missing or not
 * a string (a number for schema_version) are left out: the worker, not the producer, judges events.
 */
export function eventAttributes(event: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return attributes;
  const { event_id: id, event_type: type, schema_version: version } = event as Record<string, unknown>;
  if (typeof id === 'string') attributes.event_id = id;
  if (typeof type === 'string') attributes.event_type = type;
  if (typeof version === 'number' || typeof version === 'string') attributes.schema_version = String(version);
  return attributes;
}
