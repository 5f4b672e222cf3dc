// Sends the benchmark's HTTP load from its own thread, so that the client
// does not share the event loop of the server it measures. Started by
// `load` in setup.ts with the target, the requests to cycle through and
// the connection count; posts back every latency.
import { Agent, request as httpRequest } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { url, requests, connections, seconds } = workerData;
const target = new URL(url);
if (target.hostname !== "127.0.0.1") {
  throw new Error(`load target is ${target.hostname}; expected 127.0.0.1`);
}

function post(agent, { headers, body }) {
  return new Promise((resolve) => {
    const outgoing = httpRequest(
      target,
      {
        method: "POST",
        agent,
        headers: { ...headers, "content-type": "application/json" },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on("error", () => resolve(0));
    outgoing.end(body);
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
let next = 0;
const end = performance.now() + seconds * 1000;
const connection = async () => {
  while (performance.now() < end) {
    const request = requests[next++ % requests.length];
    const started = performance.now();
    const status = await post(agent, request);
    latencies.push(performance.now() - started);
    if (status !== 200) errors++;
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: connections }, connection));
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
parentPort.postMessage({ latencies, errors, elapsed });
