// How many uploads each person, API token and address has in progress (sending, reading or
// checking), so that no one client can hold many large files in memory at once. Counted in this
// process: with several web processes, each has its own count.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The most uploads in progress at once for one person or API token, and for one address. */
export const MAX_UPLOADS_IN_FLIGHT = { each: 3, address: 10 } as const;

const TOO_MANY_UPLOADS = `You already have ${MAX_UPLOADS_IN_FLIGHT.each} uploads in progress. Wait for one to finish, then upload this file again`;
const TOO_MANY_FROM_ADDRESS = `There are already ${MAX_UPLOADS_IN_FLIGHT.address} uploads in progress from your network. Wait a minute, then upload this file again`;

export class UploadsInFlight {
  readonly #counts = new Map<string, number>();

  /**
   * Counts this request as an upload in progress for its sender (a person or an API token, named
   * by `sender`) and its address until its answer is sent or its connection closes. Returns the
   * reason to refuse it, counting nothing, when either is already at its limit.
   */
  enter(request: FastifyRequest, reply: FastifyReply, sender: string): string | undefined {
    const keys = [`sender ${sender}`, `address ${request.ip}`];
    if (this.count(keys[0]) >= MAX_UPLOADS_IN_FLIGHT.each) return TOO_MANY_UPLOADS;
    if (this.count(keys[1]) >= MAX_UPLOADS_IN_FLIGHT.address) return TOO_MANY_FROM_ADDRESS;
    for (const key of keys) this.#counts.set(key, this.count(key) + 1);
    // Released once: when the answer is sent, or when the connection ends without one (which the
    // response does not always report), or at once if it has ended already.
    const socket = request.raw.socket;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      socket?.off('close', release);
      for (const key of keys) {
        const left = this.count(key) - 1;
        if (left > 0) this.#counts.set(key, left);
        else this.#counts.delete(key);
      }
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
    socket?.once('close', release);
    if (!socket || socket.destroyed) release();
    return undefined;
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
