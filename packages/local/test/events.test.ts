import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  gatewayTime,
  PayloadTooLargeError,
  readBody,
  toGatewayEvent,
} from "../src/events";

/** Builds a request body stream with the fields toGatewayEvent reads. */
function request(): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), {
    url: "/functions/v1/vm-reporter/health?x=1",
    method: "POST",
    httpVersion: "1.1",
    headers: { "content-type": "application/json", host: "127.0.0.1" },
    socket: { remoteAddress: "127.0.0.1" },
  }) as unknown as PassThrough & IncomingMessage;
}

const LISTENED = ["data", "end", "error"] as const;

describe("gateway events", () => {
  it("formats the time as API Gateway does", () => {
    const at = Date.UTC(2026, 11, 4, 20, 41, 7, 500);

    expect(gatewayTime(at)).toBe("04/Dec/2026:20:41:07 +0000");
    expect(gatewayTime(at + 500)).toBe("04/Dec/2026:20:41:08 +0000");
    expect(gatewayTime(Date.UTC(2027, 0, 1))).toBe(
      "01/Jan/2027:00:00:00 +0000",
    );
  });

  it("gives every request its own id", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const event = toGatewayEvent(request(), Buffer.from("{}"), {
        routeKey: "ANY /functions/v1/vm-reporter/{route+}",
      });
      ids.add(event.requestContext.requestId);
    }

    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9+/]{16}$/);
  });

  it("puts the time and its epoch on the event", () => {
    const before = Date.now();
    const event = toGatewayEvent(request(), Buffer.alloc(0), {
      routeKey: "ANY /functions/v1/vm-api",
    });

    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.time).toBe(
      gatewayTime(event.requestContext.timeEpoch),
    );
  });
});

describe("readBody", () => {
  it("joins the chunks of a body", async () => {
    const incoming = request();
    const body = readBody(incoming, 100);
    incoming.write("hello, ");
    incoming.end("world");

    expect((await body).toString()).toBe("hello, world");
    for (const event of LISTENED) expect(incoming.listenerCount(event)).toBe(0);
  });

  it("reads two requests at once", async () => {
    const first = request();
    const second = request();
    const bodies = [readBody(first, 100), readBody(second, 100)];
    first.write("one ");
    second.write("two ");
    second.end("2");
    first.end("1");

    const [one, two] = await Promise.all(bodies);

    expect(one!.toString()).toBe("one 1");
    expect(two!.toString()).toBe("two 2");
  });

  it("rejects a body over the limit", async () => {
    const incoming = request();
    const body = readBody(incoming, 10);
    incoming.write("0123456789");
    incoming.end("0");

    await expect(body).rejects.toBeInstanceOf(PayloadTooLargeError);
    for (const event of LISTENED) expect(incoming.listenerCount(event)).toBe(0);
  });

  it("rejects when the stream fails", async () => {
    const incoming = request();
    const body = readBody(incoming, 100);
    incoming.destroy(new Error("connection reset"));

    await expect(body).rejects.toThrow("connection reset");
    for (const event of LISTENED) expect(incoming.listenerCount(event)).toBe(0);
  });
});
