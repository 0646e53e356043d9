import { conformance } from "./conformance.ts";
import { connect } from "./redis/_server.ts";

Deno.test("Redis store: conformance", (t) =>
  conformance(t, { open: () => connect(), injectedClock: false }));
