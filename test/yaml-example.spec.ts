/**
 * examples/yaml/Pulumi.yaml against the schema Pulumi infers for the package: every resource type, property
 * name, value type, enum value and `${...}` reference in it must be one the schema defines, so the program would get
 * past Pulumi YAML's type checker. Its run through the component provider is in construct.spec.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { inferredSchema, localTypeToken, PackageSchema, PROVIDER_NAME, SchemaProperty } from "./component-package";
import { fullTypeToken, interpolations, readYamlExample, referenceIn, YAML_EXAMPLE, YamlProgram } from "./yaml-program";

/** The input names of `pulumi:providers:<pkg>`, read from the @pulumi/<pkg> SDK's generated Provider class. */
function providerInputs(pkg: string): Set<string> {
    const source = fs.readFileSync(require.resolve(`@pulumi/${pkg}/provider.js`), "utf8");
    return new Set([...source.matchAll(/resourceInputs\["(\w+)"\]/g)].map((m) => m[1]));
}

/** Every way `value` does not fit `property`; `where` names the place in the program. */
function mismatches(schema: PackageSchema, where: string, property: SchemaProperty, value: unknown): string[] {
    if (referenceIn(value)) {
        // An output of another resource may only go where the component takes a pulumi.Input.
        return property.plain ? [`${where}: takes a plain value, not the output ${String(value)}`] : [];
    }
    const local = localTypeToken(property);
    if (local) {
        const type = schema.types[local];
        if (!type) {
            return [`${where}: type ${local} is not in the schema`];
        }
        if (type.enum) {
            const values = type.enum.map((e) => e.value);
            return values.includes(value as string)
                ? []
                : [`${where}: ${String(value)} is not one of ${values.join(", ")}`];
        }
        if (!value || typeof value !== "object" || Array.isArray(value)) {
            return [`${where}: expects an object`];
        }
        return Object.entries(value).flatMap(([key, inner]) => {
            const innerProperty = type.properties?.[key];
            return innerProperty
                ? mismatches(schema, `${where}.${key}`, innerProperty, inner)
                : [`${where}.${key}: no such property`];
        });
    }
    switch (property.type) {
        case "array":
            return Array.isArray(value)
                ? value.flatMap((item, i) => mismatches(schema, `${where}[${i}]`, property.items!, item))
                : [`${where}: expects a list`];
        case "object":
            return value && typeof value === "object" && !Array.isArray(value) ? [] : [`${where}: expects a map`];
        case "string":
        case "number":
        case "boolean":
            return typeof value === property.type
                ? []
                : [`${where}: expects a ${property.type}, got ${JSON.stringify(value)}`];
        default:
            return [];
    }
}

describe("examples/yaml/Pulumi.yaml against the inferred schema", function () {
    this.timeout(180_000);
    let schema: PackageSchema;
    let program: YamlProgram;
    before(async () => {
        schema = await inferredSchema();
        program = readYamlExample();
    });

    it("is a YAML program that takes the package from this repository", () => {
        assert.strictEqual(program.runtime, "yaml");
        const source = program.packages?.[PROVIDER_NAME];
        assert.ok(source, `packages has no ${PROVIDER_NAME}`);
        assert.ok(
            fs.existsSync(path.join(path.dirname(YAML_EXAMPLE), source, "PulumiPlugin.yaml")),
            `${source} is no plugin`,
        );
    });

    it("uses only resource types of the package, or providers of the packages its schema depends on", () => {
        for (const [name, resource] of Object.entries(program.resources)) {
            const type = fullTypeToken(resource.type);
            if (type.startsWith(`${PROVIDER_NAME}:`)) {
                assert.ok(schema.resources[type], `${name}: ${type} is not in the schema`);
                continue;
            }
            const provider = /^pulumi:providers:(.+)$/.exec(type);
            assert.ok(
                provider && schema.dependencies.some((d) => d.name === provider[1]),
                `${name}: unexpected type ${type}`,
            );
        }
    });

    it("gives each resource only properties its type has, with values of the right type and enum", () => {
        const problems: string[] = [];
        for (const [name, resource] of Object.entries(program.resources)) {
            const type = fullTypeToken(resource.type);
            const component = schema.resources[type];
            const properties = Object.entries(resource.properties ?? {});
            if (!component) {
                const known = providerInputs(type.split(":")[2]);
                problems.push(
                    ...properties.filter(([key]) => !known.has(key)).map(([key]) => `${name}.${key}: no such input`),
                );
                continue;
            }
            for (const [key, value] of properties) {
                const property = component.inputProperties[key];
                problems.push(
                    ...(property
                        ? mismatches(schema, `${name}.${key}`, property, value)
                        : [`${name}.${key}: no such input`]),
                );
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("refers only to declared resources and to outputs the schema defines", () => {
        const declared = Object.keys(program.resources);
        const references = [
            ...Object.entries(program.resources).flatMap(([name, resource]) =>
                interpolations({ ...resource.properties, ...resource.options }).map((text) => ({ where: name, text })),
            ),
            ...interpolations(program.outputs ?? {}).map((text) => ({ where: "outputs", text })),
        ];
        assert.ok(references.length > 0);
        for (const { where, text } of references) {
            const reference = referenceIn(text);
            assert.ok(reference, `${where}: ${text} is not a whole \${resource} or \${resource.output}`);
            assert.ok(declared.includes(reference.resource), `${where}: ${reference.resource} is not declared`);
            if (reference.property) {
                const type = fullTypeToken(program.resources[reference.resource].type);
                assert.ok(
                    schema.resources[type]?.properties[reference.property],
                    `${where}: ${type} has no output ${reference.property}`,
                );
            }
        }
        for (const [name, resource] of Object.entries(program.resources)) {
            const provider = referenceIn(resource.options?.provider);
            if (provider) {
                assert.match(
                    program.resources[provider.resource].type,
                    /^pulumi:providers:/,
                    `${name}: provider is no provider`,
                );
            }
        }
    });
});
