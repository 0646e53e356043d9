import { assertEquals, assertThrows } from "./_assert.ts";
import { crc32, FILE_MODE, readZip, writeStoredZip } from "../../tools/packs/zip.ts";

const enc = new TextEncoder();

Deno.test("writeStoredZip writes STORED 0644 entries in order, byte-identical across runs", () => {
  const input = [
    { name: "b.txt", data: enc.encode("bee") },
    { name: "a/c.bin", data: new Uint8Array([0, 1, 2, 255]) },
    { name: "empty", data: new Uint8Array() },
  ];
  const first = writeStoredZip(input);
  assertEquals(writeStoredZip(input), first);
  const entries = readZip(first);
  assertEquals(entries.map((e) => e.name), ["b.txt", "a/c.bin", "empty"]);
  for (const [i, e] of entries.entries()) {
    assertEquals(e.method, 0);
    assertEquals(e.mode, FILE_MODE);
    assertEquals(e.crcOk, true);
    assertEquals(e.data, input[i]!.data);
  }
});

Deno.test("writeStoredZip output does not depend on the time zone", () => {
  const input = [{ name: "x", data: enc.encode("x") }];
  const before = writeStoredZip(input);
  const tz = Deno.env.get("TZ");
  try {
    Deno.env.set("TZ", "Pacific/Kiritimati");
    assertEquals(writeStoredZip(input), before);
  } finally {
    if (tz === undefined) Deno.env.delete("TZ");
    else Deno.env.set("TZ", tz);
  }
});

Deno.test("writeStoredZip rejects a repeated name", () => {
  assertThrows(
    () =>
      writeStoredZip([{ name: "a", data: new Uint8Array() }, {
        name: "a",
        data: new Uint8Array(),
      }]),
    Error,
    "already used",
  );
});

Deno.test("readZip reports a CRC mismatch and rejects garbage", () => {
  const zip = writeStoredZip([{ name: "a", data: enc.encode("hello") }]);
  const i = zip.indexOf(enc.encode("hello")[0]!, 30);
  zip[i] = zip[i]! ^ 1;
  assertEquals(readZip(zip)[0]!.crcOk, false);
  assertThrows(() => readZip(enc.encode("not a zip at all, not at all")), Error, "end-of-central");
});

Deno.test("crc32 matches the published check value", () => {
  assertEquals(crc32(enc.encode("123456789")), 0xcbf43926);
});
