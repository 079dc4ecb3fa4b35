import { describe, expect, it } from "vitest";
import { jsonErrorLocation, redactText, redactUrl } from "../../src/redact.js";
import { displayUri, parseRemoteUri } from "../../src/providers/uri.js";

describe("redaction", () => {
  it.each([
    ["http://u:p@h:1/x?token=t&region=r", "http://***@h:1/x?token=***&region=r"],
    ["https://tok@vault.example", "https://***@vault.example"],
    ["http://127.0.0.1:4566", "http://127.0.0.1:4566"],
  ])("redactUrl(%s)", (url, shown) => expect(redactUrl(url)).toBe(shown));

  it.each([
    ["see http://u:p@h/x", "see http://***@h/x"],
    ['"me:pw@app/x" is not valid', '"***@app/x" is not valid'],
    ["GET /a?X-Amz-Signature=abc&x=1", "GET /a?X-Amz-Signature=***&x=1"],
    ["mail bob@x.com", "mail bob@x.com"],
  ])("redactText(%s)", (text, shown) => expect(redactText(text)).toBe(shown));

  it("displayUri hides credentials in every part", () => {
    const u = parseRemoteUri(
      "aws-sm://me:pw@app/dev?region=eu-west-1&endpoint=http://a:b@h:1/?token=t&sessionToken=s",
    );
    expect(displayUri(u)).toBe(
      "aws-sm://***@app/dev?region=eu-west-1&endpoint=http://***@h:1/?token=***&sessionToken=***",
    );
  });

  it.each([
    ['{"PW":hunter2}', 1, 7],
    ['{\n "A": "x",\n "PW":hunter2 }', 3, 7],
    ['{"a":1,}', 1, 8],
    ["[1,2", 1, 5],
  ])("jsonErrorLocation(%j) = %i:%i", (text, line, column) =>
    expect(jsonErrorLocation(text)).toEqual({ line, column }),
  );
});
