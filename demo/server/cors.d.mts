import type { IncomingMessage, ServerResponse } from 'node:http';
/** Sets the CORS headers (credentials allowed) shared by every demo endpoint. */
export declare function cors(req: IncomingMessage, res: ServerResponse): void;
