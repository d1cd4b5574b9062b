/** Connects each job name to its handler in the process that works jobs (`bosun start`). */
export function registerJobHandlers(): void {}
