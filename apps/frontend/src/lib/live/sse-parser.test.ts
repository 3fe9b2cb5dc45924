import { describe, expect, it } from "vitest";
import { SseParser, type SseMessage } from "./sse-parser";

function parse(...chunks: string[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = new SseParser((message) => messages.push(message));
  for (const chunk of chunks) parser.feed(chunk);
  return messages;
}

describe("SseParser", () => {
  it("dispatches a named event with its id and data", () => {
    expect(parse('event: change\nid: 7-42\ndata: {"a":1}\n\n')).toEqual([
      { event: "change", data: '{"a":1}', lastEventId: "7-42", hasId: true },
    ]);
  });

  it("names an event without an event field 'message'", () => {
    expect(parse("data: hello\n\n")[0]?.event).toBe("message");
  });

  it("joins several data lines with a newline", () => {
    expect(parse("data: one\ndata: two\n\n")[0]?.data).toBe("one\ntwo");
  });

  it("removes only the single space after the colon", () => {
    expect(parse("data:  two spaces\ndata:none\n\n")[0]?.data).toBe(" two spaces\nnone");
  });

  it("reassembles a message split anywhere across chunks", () => {
    const text = 'event: change\nid: 1-9\ndata: {"topics":["alerts"]}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse(text.slice(0, cut), text.slice(cut)), `cut at ${cut}`).toEqual([
        { event: "change", data: '{"topics":["alerts"]}', lastEventId: "1-9", hasId: true },
      ]);
    }
  });

  it("accepts CRLF and lone CR line endings, also when a chunk ends between CR and LF", () => {
    expect(parse("data: a\r\n\r\ndata: b\r\rdata: c\r", "\n\r\n").map((message) => message.data)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("ignores comments, which servers send to keep a connection open", () => {
    expect(parse(": keep-alive\n\n: another\ndata: x\n\n").map((message) => message.data)).toEqual(["x"]);
  });

  it("does not dispatch a message without data", () => {
    expect(parse("event: heartbeat\n\n")).toEqual([]);
  });

  it("keeps the last event id for later messages without their own id", () => {
    const [first, second] = parse("id: 3-1\ndata: a\n\ndata: b\n\n");
    expect(first).toMatchObject({ lastEventId: "3-1", hasId: true });
    expect(second).toMatchObject({ lastEventId: "3-1", hasId: false });
  });

  it("ignores an id that contains a NUL character", () => {
    expect(parse("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n")[1]?.lastEventId).toBe("1");
  });

  it("drops a message the stream ended in the middle of", () => {
    expect(parse("data: complete\n\ndata: cut off")).toHaveLength(1);
  });

  it("strips a leading byte order mark", () => {
    expect(parse("\ufeffevent: ready\ndata: {}\n\n")[0]?.event).toBe("ready");
  });

  it("reports a numeric retry field and ignores any other", () => {
    const retries: number[] = [];
    const parser = new SseParser(
      () => undefined,
      (milliseconds) => retries.push(milliseconds),
    );
    parser.feed("retry: 2500\nretry: soon\n\n");
    expect(retries).toEqual([2500]);
  });

  it("treats a field name without a colon as a field with an empty value", () => {
    expect(parse("data\ndata\n\n")[0]?.data).toBe("\n");
  });
});
