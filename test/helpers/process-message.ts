import type { MessageHandler } from '../../streaming/pipeline/message-handler.ts';
import type { InboundMessage } from '../../streaming/pipeline/message.ts';
import type { Outcome } from '../../streaming/pipeline/outcome.ts';

/** A handler's outcome for one message, as a promise (what a push request awaits). */
export const processMessage = (handler: MessageHandler, message: InboundMessage): Promise<Outcome> => new Promise((settle) => handler.handle(message, settle));
