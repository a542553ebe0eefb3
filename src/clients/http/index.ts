/** What every service client shares: the retry policy and the error shape. */
export * from "./errors";
export * from "./retry";
