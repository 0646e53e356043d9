import { assertEquals } from "./_assert.ts";
import { decodeCbor, encodeCanonical, encodeOrdered } from "../../tools/packs/cbor.ts";
import { blake3Hex, sha256Hex } from "../../tools/packs/hash.ts";
import { buildSbom, checkSbom, mediaTypeFor } from "../../tools/packs/sbom.ts";

const enc = new TextEncoder();

Deno.test("encodeCanonical sorts map keys by encoded bytes and uses shortest forms", () => {
  const bytes = encodeCanonical({ bb: 1, a: 24, c: { z: 1.5, y: -1 } });
  // a3: map(3); keys "a" < "c" < "bb" (shorter encodings sort first).
  assertEquals(
    [...bytes.slice(0, 5)],
    [0xa3, 0x61, 0x61, 0x18, 0x18],
  );
  assertEquals(Object.keys(decodeCbor(bytes) as object), ["a", "c", "bb"]);
  assertEquals(encodeCanonical(decodeCbor(bytes)), bytes);
});

Deno.test("encodeOrdered keeps insertion order", () => {
  assertEquals(Object.keys(decodeCbor(encodeOrdered({ zz: 1, a: 2, m: 3 })) as object), [
    "zz",
    "a",
    "m",
  ]);
});

Deno.test("hashes match published test vectors", () => {
  assertEquals(
    blake3Hex(new Uint8Array()),
    "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
  );
  assertEquals(
    sha256Hex(enc.encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("SBOM media types, coverage and exemptions", () => {
  assertEquals(mediaTypeFor("manifest.cbor"), "application/cbor");
  assertEquals(mediaTypeFor("components/x.manifest.cbor"), "application/cbor");
  assertEquals(mediaTypeFor("components/x.wasm.describe.cbor"), "application/cbor");
  assertEquals(mediaTypeFor("components/x.wasm"), "application/wasm");
  assertEquals(mediaTypeFor("pack.lock.cbor"), "application/octet-stream");
  const files = [{ name: "a.txt", data: enc.encode("a") }, {
    name: "b.wasm",
    data: enc.encode("b"),
  }];
  const sbom = buildSbom(files);
  const all = new Map<string, Uint8Array>(files.map((f) => [f.name, f.data]));
  all.set("sbom.cbor", sbom);
  all.set("signatures/pack.sig", enc.encode("sig"));
  assertEquals(checkSbom(sbom, all), []);
  all.set("a.txt", enc.encode("A"));
  assertEquals(checkSbom(sbom, all), [
    `"a.txt" has BLAKE3 ${blake3Hex(enc.encode("A"))} but sbom.cbor says ${
      blake3Hex(enc.encode("a"))
    }`,
  ]);
  all.delete("a.txt");
  assertEquals(checkSbom(sbom, all), [`sbom.cbor lists "a.txt", which is not in the pack`]);
});
