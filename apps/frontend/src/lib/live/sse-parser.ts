/**
 * A Server-Sent Events parser for a body read in chunks (fetch + ReadableStream), following the HTML standard's
 * "event stream interpretation": lines end in CRLF, LF or CR (also when a chunk ends between CR and LF), `data` lines
 * join with "\n", a line starting with ":" is a comment, a blank line dispatches, and an `id` stays the last event id
 * until another one replaces it. A message with no `data` is not dispatched. What is left at the end of the stream
 * (a message without its blank line) is dropped, as the standard says.
 */
export interface SseMessage {
  /** The `event` field, "message" when there was none. */
  event: string;
  data: string;
  /** The last event id seen so far on this stream (this message's or an earlier one's), "" when none. */
  lastEventId: string;
  /** Whether this message carried an `id` field itself. */
  hasId: boolean;
}

export class SseParser {
  readonly #onMessage: (message: SseMessage) => void;
  readonly #onRetry: ((milliseconds: number) => void) | undefined;
  #pending = "";
  #started = false;
  #skipLeadingLf = false;
  #data: string[] = [];
  #event = "";
  #lastEventId = "";
  #hasId = false;

  constructor(onMessage: (message: SseMessage) => void, onRetry?: (milliseconds: number) => void) {
    this.#onMessage = onMessage;
    this.#onRetry = onRetry;
  }

  /** Feeds decoded text; complete messages are dispatched before this returns. */
  feed(chunk: string): void {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR ended the previous chunk: an LF starting this one belongs to the same line break.
    if (this.#skipLeadingLf && text.startsWith("\n")) text = text.slice(1);
    this.#skipLeadingLf = false;
    const buffer = this.#pending + text;
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const code = buffer.charCodeAt(index);
      if (code !== 0x0a && code !== 0x0d) continue;
      this.#line(buffer.slice(start, index));
      if (code === 0x0d) {
        if (index + 1 === buffer.length) this.#skipLeadingLf = true;
        else if (buffer.charCodeAt(index + 1) === 0x0a) index += 1;
      }
      start = index + 1;
    }
    this.#pending = buffer.slice(start);
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\0")) {
          this.#lastEventId = value;
          this.#hasId = true;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  #dispatch(): void {
    const event = this.#event || "message";
    const hasId = this.#hasId;
    const data = this.#data;
    this.#event = "";
    this.#hasId = false;
    this.#data = [];
    if (data.length === 0) return;
    this.#onMessage({ event, data: data.join("\n"), lastEventId: this.#lastEventId, hasId });
  }
}
