/**
 * What a call throws: the error of a rejected promise or a throwing function, `undefined`
 * when it settles normally. For tests that check an error's code or message.
 */
export async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}
