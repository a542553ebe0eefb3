// User-facing errors of components: shown under the component, message only.
import * as pulumi from "@pulumi/pulumi";

/**
 * A user-facing error of a component: shown under it, message only, and with no stack frames. A
 * stack adds nothing for a user, and formatting one is slow here: the language host passes every
 * unhandled error to util.inspect, and Node 20.20's util.inspect loops (until a RangeError, 20–40 s
 * of CPU) on the SDK's source-mapped frames such as `node_modules/@pulumi/resource.ts`.
 */
export function componentError(resource: pulumi.Resource, e: unknown): pulumi.ResourceError {
  const message = e instanceof Error ? e.message : String(e);
  const error = new pulumi.ResourceError(message, resource, true);
  error.stack = `Error: ${message}`;
  // The SDK prefixes `error serializing property "<k>": ` to an error from an input's Output, once
  // per property it flows into: the user reads the component's own message, first line first.
  Object.defineProperty(error, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
  return error;
}

/** Runs `fn`, turning what it throws into a {@link componentError} of `resource`. */
export function asComponentError<T>(resource: pulumi.Resource, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw componentError(resource, e);
  }
}
