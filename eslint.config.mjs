// Lint for the whole repository (npm run lint, part of npm test): ESLint's and typescript-eslint's recommended rules;
// formatting is Prettier's alone (eslint-config-prettier turns off the rules that would disagree with it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/", "**/bin/", ".plan/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                __dirname: "readonly",
                __filename: "readonly",
                console: "readonly",
                Buffer: "readonly",
                setTimeout: "readonly",
                clearTimeout: "readonly",
                setImmediate: "readonly",
                setInterval: "readonly",
                clearInterval: "readonly",
                exports: "writable",
            },
        },
        rules: {
            // Unused names are tsc's job (noUnusedLocals, noUnusedParameters); `_` marks a name left out on purpose.
            // Pulumi's own property bags are `Record<string, any>` (Inputs, PolicyResource.props, stack exports); code that
            // checks a shape reads it as `unknown` (policies/model/property-reader.ts).
            "@typescript-eslint/no-explicit-any": "off",
            // `import x = require(...)` is how a CommonJS `export =` module (the root program) is imported; JSON is data.
            "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true, allow: ["\\.json$"] }],
            "@typescript-eslint/no-unused-vars": [
                "error",
                {
                    argsIgnorePattern: "^_",
                    varsIgnorePattern: "^_",
                    destructuredArrayIgnorePattern: "^_",
                    caughtErrors: "none",
                },
            ],
        },
    },
    // Plain CommonJS files (the RSS probe Node preloads, the consumer fixture) can only require.
    { files: ["**/*.js"], rules: { "@typescript-eslint/no-require-imports": "off" } },
    prettier,
);
