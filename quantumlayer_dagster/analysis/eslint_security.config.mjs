// QuantumLayer's ESLint configuration for the security scan of generated JS/TS code.
// ESLint is always run with `--config <this file>`, so the project's own eslint.config.*
// (JavaScript that would run on load) is never read. The plugin and parser are loaded from
// our Node tools folder (QL_ESLINT_NODE_MODULES), never from the scanned tree.
import { createRequire } from "node:module";
import path from "node:path";

const modules = process.env.QL_ESLINT_NODE_MODULES;
if (!modules) {
  throw new Error("QL_ESLINT_NODE_MODULES is not set: it names tools/node/node_modules");
}
const require = createRequire(path.join(modules, "quantumlayer-resolve.js"));
const security = require("eslint-plugin-security");
const typescriptParser = require("@typescript-eslint/parser");

const linterOptions = { noInlineConfig: true, reportUnusedDisableDirectives: "off" };
const rules = security.configs.recommended.rules;
const plugins = { security };

export default [
  {
    files: ["**/*.js", "**/*.mjs", "**/*.jsx"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    linterOptions,
    plugins,
    rules,
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { ecmaVersion: "latest", sourceType: "commonjs" },
    linterOptions,
    plugins,
    rules,
  },
  {
    files: ["**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx"],
    languageOptions: {
      parser: typescriptParser,
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    linterOptions,
    plugins,
    rules,
  },
];
